using System.Text.Json.Serialization;
using GoSeqZero.Kernels;
using GoSeqZero.Transformer;

namespace GoSeqZero.Trainer.Training;

/// <summary>AdamW and its learning-rate schedule.</summary>
internal sealed record OptimizerSettings
{
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Linear warm-up of the learning rate over this many steps.</summary>
    public int WarmupSteps { get; init; } = 100;

    /// <summary>Cosine decay of the learning rate to a tenth of its peak at this step, flat after it; 0: no decay.</summary>
    public int DecaySteps { get; init; }

    public double WeightDecay { get; init; } = 0.1;

    /// <summary>Global gradient-norm clip; 0 turns clipping off.</summary>
    public double Clip { get; init; } = 1;

    public AdamWOptimizer CreateOptimizer(Gpt model) =>
        new(model, new AdamWSettings((float)LearningRate, WeightDecay: (float)WeightDecay), (float)Clip);

    [JsonIgnore]
    public LearningRateSchedule Schedule => new((float)LearningRate, WarmupSteps, DecaySteps);

    public void Validate()
    {
        Setting.Require(LearningRate > 0 && double.IsFinite(LearningRate), $"--lr {LearningRate} must be a positive number");
        Setting.Require(WarmupSteps >= 0, $"--warmup {WarmupSteps} cannot be negative");
        Setting.Require(DecaySteps == 0 || DecaySteps > WarmupSteps, $"--decay-steps {DecaySteps} must be 0 (no decay) or past the warm-up ({WarmupSteps} steps)");
        Setting.Require(WeightDecay >= 0 && double.IsFinite(WeightDecay), $"--weight-decay {WeightDecay} must be 0 or more");
        Setting.Require(Clip >= 0 && double.IsFinite(Clip), $"--clip {Clip} must be 0 (off) or more");
    }
}
