namespace GoSeqZero.Trainer.Training;

/// <summary>How often the run saves, profiles and reports; none of it changes what is learnt, so all of it may change on resume.</summary>
internal sealed record CadenceSettings
{
    public int CheckpointEvery { get; init; } = 50;

    /// <summary>Checkpoints kept besides evaluated ones (the newest); 0 keeps every one.</summary>
    public int KeepCheckpoints { get; init; } = 5;

    /// <summary>Time every op of one step in this many (0: never) and append the table to profile.txt in the run folder.</summary>
    public int ProfileEvery { get; init; }

    /// <summary>Seconds between plain progress lines when stderr is not a terminal.</summary>
    public double ProgressSeconds { get; init; } = 10;

    public void Validate()
    {
        Setting.Require(CheckpointEvery >= 1, $"--checkpoint-every {CheckpointEvery} must be at least 1 step");
        Setting.Require(KeepCheckpoints >= 0, $"--keep-checkpoints {KeepCheckpoints} cannot be negative (0 keeps every one)");
        Setting.Require(ProfileEvery >= 0, $"--profile-every {ProfileEvery} cannot be negative (0 turns profiling off)");
        Setting.Require(ProgressSeconds > 0 && double.IsFinite(ProgressSeconds), $"--progress-seconds {ProgressSeconds} must be a positive number");
    }
}
