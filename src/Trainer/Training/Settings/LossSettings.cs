using System.Text.Json.Serialization;
namespace GoSeqZero.Trainer.Training;

/// <summary>Where a finished game's outcome goes in the targets of its steps (--outcome-blend).</summary>
internal enum OutcomeBlend
{
    /// <summary>The IMPROVED value of the move played in each step.</summary>
    Played,
    /// <summary>Every legal move's IMPROVED value: a value target for the position itself.</summary>
    All,
}

/// <summary>What each update learns from: the targets, the weight of each loss, the outcome blend and the replay buffer.</summary>
internal sealed record LossSettings
{
    public double WeightImproved { get; init; } = 1;
    public double WeightPrior { get; init; } = 1;
    public double WeightImagined { get; init; } = 1;
    public double WeightResult { get; init; } = 1;

    /// <summary>Weight of loss (e): the played child's EST row learns the next step's IMPROVED row.</summary>
    public double WeightChild { get; init; } = 1;

    /// <summary>Weight of a finished game's outcome in the target of the move played: e' ← (1−λ)e' + λz.</summary>
    public double Lambda { get; init; } = 0.5;

    /// <summary>Which IMPROVED values of a finished game's steps get the outcome: the move played or every legal move.</summary>
    public OutcomeBlend OutcomeBlend { get; init; } = OutcomeBlend.Played;

    /// <summary>Learn the IMPROVED entries of moves the step neither searched nor played (they repeat the prior, capped).</summary>
    public bool LearnUnsearched { get; init; }

    /// <summary>Search steps of finished games kept for replay.</summary>
    public int Replay { get; init; } = 1024;

    /// <summary>Replayed steps added to each update (each with its companion sequence).</summary>
    public int ReplaySamples { get; init; } = 16;

    [JsonIgnore]
    public LossWeights Weights => new((float)WeightImproved, (float)WeightPrior, (float)WeightImagined, (float)WeightResult, (float)WeightChild);

    public void Validate()
    {
        foreach (var (flag, weight) in new[] { ("--w-improved", WeightImproved), ("--w-prior", WeightPrior), ("--w-imagined", WeightImagined), ("--w-result", WeightResult), ("--w-child", WeightChild) })
            Setting.Require(weight >= 0 && double.IsFinite(weight), $"{flag} {weight} must be 0 or more");
        Setting.Require(WeightImproved + WeightPrior + WeightImagined + WeightResult + WeightChild > 0, $"the loss weights --w-improved, --w-prior, --w-imagined, --w-result and --w-child are all 0: nothing would be learnt");
        Setting.Require(Lambda is >= 0 and <= 1, $"--lambda {Lambda} must be between 0 and 1");
        Setting.Require(Replay >= 1, $"--replay {Replay} must be at least 1 step");
        Setting.Require(ReplaySamples >= 0, $"--replay-samples {ReplaySamples} cannot be negative");
    }
}
