using GoSeqZero.Trainer.Sequences;
using GoSeqZero.Transformer;

namespace GoSeqZero.Trainer.Training;

/// <summary>What one update learnt: its loss, each kind's part of it, the gradient norm and the rate it was taken at.</summary>
internal sealed record LearnedStep(float Loss, LossBreakdown Losses, float GradientNorm, float LearningRate, IReadOnlyList<LearningBatch> Batches, int Sequences)
{
    public long Tokens { get; } = Batches.Sum(b => b.Tokens);
}

/// <summary>
/// Dynamic evaluation: one AdamW update of the model on search steps. Each step is learnt twice: as written (its
/// IMPROVED row given the search, imagined boards, RESULT tokens) and as its companion, the root alone with the
/// improved values as its EST row, so the prior learns what the search found.
/// </summary>
internal sealed class Learner(Gpt model, Vocabulary vocabulary, OptimizerSettings optimizer, LossSettings losses) : IDisposable
{
    public Gpt Model { get; } = model;
    public AdamWOptimizer Optimizer { get; } = optimizer.CreateOptimizer(model);
    public LearningRateSchedule Schedule { get; } = optimizer.Schedule;

    private readonly LossWeights _weights = losses.Weights;

    /// <summary>One update on <paramref name="steps"/>; the ops are counted under <paramref name="profile"/>'s phases.</summary>
    public LearnedStep Learn(IReadOnlyList<StepSample> steps, StepProfile profile)
    {
        // The companions are a fifth of a search step's length: they go in a batch of their own, whose gradients add
        // to the search steps' (one loss, the weighted mean over both), instead of being padded to the longest step.
        var searches = steps.Select(step => LearningSequence.Search(step, losses.LearnUnsearched)).ToList();
        var companions = steps.Select(step => LearningSequence.Companion(step, vocabulary, losses.LearnUnsearched)).ToList();
        LearningBatch[] batches = [LearningBatch.Build(searches, vocabulary, _weights), LearningBatch.Build(companions, vocabulary, _weights)];

        var weightSum = batches.Sum(b => b.WeightSum);
        var loss = 0f;
        var breakdown = new LossBreakdown(double.NaN, double.NaN, double.NaN, double.NaN);
        for (var i = 0; i < batches.Length; i++)
        {
            using (profile.Phase("forward"))
            {
                loss += Model.Forward(batches[i].Batch, weightSum);
                breakdown = breakdown.With(batches[i].Losses(Model.LastRowLosses));
            }
            using (profile.Phase("backward")) Model.Backward(accumulate: i > 0);
        }
        using (profile.Phase("optimizer"))
        {
            var learningRate = Schedule.At(Optimizer.Step + 1);
            var gradientNorm = Optimizer.Update(learningRate);
            return new LearnedStep(loss, breakdown, gradientNorm, learningRate, batches, searches.Count + companions.Count);
        }
    }

    /// <summary>The model's loss on <paramref name="batches"/> as an update computes it: the weighted mean over all of them.</summary>
    public float LossOn(IReadOnlyList<LearningBatch> batches)
    {
        var weightSum = batches.Sum(b => b.WeightSum);
        return batches.Sum(b => Model.Forward(b.Batch, weightSum));
    }

    public void Dispose()
    {
        Optimizer.Dispose();
        Model.Dispose();
    }
}
