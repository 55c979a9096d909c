using System.Text.Json.Serialization;
using GoSeqZero.Go;
using GoSeqZero.Kernels;
using GoSeqZero.Trainer.Sequences;

namespace GoSeqZero.Trainer.Training;

/// <summary>What a run plays on and how long: board sizes, komi, seed, device and its bounds.</summary>
internal sealed record RunSettings
{
    /// <summary>Board sizes in curriculum order; a run of one size has one.</summary>
    public IReadOnlyList<int> Sizes { get; init; } = [5];

    /// <summary>Steps on each size of <see cref="Sizes"/> before the next (the last size then runs on); 0 with one size.</summary>
    public int CurriculumSteps { get; init; }

    public double Komi { get; init; } = 7.5;

    /// <summary>Seeds the weights and every random choice: a run is deterministic from it.</summary>
    public int Seed { get; init; } = 1;

    public string Device { get; init; } = "auto";

    /// <summary>Stop when this many steps are done (counted over the whole run); null: no bound.</summary>
    public int? Steps { get; init; }

    /// <summary>Stop after this many minutes of this session; null: no bound.</summary>
    public double? Minutes { get; init; }

    /// <summary>The board size played at a step (0-based count of steps done).</summary>
    public int SizeAt(long step) =>
        Sizes.Count == 1 ? Sizes[0] : Sizes[(int)Math.Min(step / CurriculumSteps, Sizes.Count - 1)];

    [JsonIgnore]
    public int MaxSize => Sizes.Max();

    public void Validate()
    {
        Setting.Require(Sizes.Count >= 1, $"--sizes: give at least one board size");
        foreach (var size in Sizes)
            Setting.Require(size is >= Vocabulary.MinBoardSize and <= Vocabulary.MaxBoardSize,
                $"--size {size}: the sequence format covers boards {Vocabulary.MinBoardSize} to {Vocabulary.MaxBoardSize}");
        Setting.Require(Sizes.Count == 1 || CurriculumSteps >= 1, $"--curriculum-steps {CurriculumSteps}: with several --sizes give the steps spent on each size before the next (at least 1)");
        Setting.Require(CurriculumSteps >= 0, $"--curriculum-steps {CurriculumSteps} cannot be negative");
        Setting.Require(RuleLimits.IsAcceptableKomi(Komi), $"--komi {Komi} must be a number between {-RuleLimits.MaxKomi} and {RuleLimits.MaxKomi}");
        Setting.Require(Steps is null or >= 1, $"--steps {Steps} must be at least 1");
        Setting.Require(Minutes is null || (Minutes > 0 && double.IsFinite(Minutes.Value)), $"--minutes {Minutes} must be a positive number");
        DeviceKinds.Parse(Device);
    }
}
