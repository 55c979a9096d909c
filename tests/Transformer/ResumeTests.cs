using GoSeqZero.Kernels;
using GoSeqZero.Tests.Kernels;
using GoSeqZero.Transformer;
using GoSeqZero.Transformer.Checkpoints;

namespace GoSeqZero.Tests.Transformer;

[Collection("Kernels")]
public class ResumeTests
{
    private static readonly ModelConfig Tiny = new() { Layers = 2, Heads = 2, Channels = 16, ContextLength = 12, VocabularySize = 20, PointCount = 8, Seed = 5 };

    [Fact]
    public void SavingLoadingAndContinuingEqualsTrainingWithoutStopping()
    {
        var device = KernelDevices.Get("cpu");
        var batches = Enumerable.Range(0, 6).Select(i => TrainingBatch.Random(Tiny, 2, 12, new Random(100 + i))).ToArray();
        var schedule = new LearningRateSchedule(3e-3f, WarmupSteps: 2, DecaySteps: 6);
        var settings = new AdamWSettings(0, WeightDecay: 0.1f);

        using var straight = new Gpt(device, Tiny);
        using var straightOptimizer = new AdamWOptimizer(straight, settings, maxGradientNorm: 0.5f);
        var straightLosses = batches.Select(batch => Train(straight, straightOptimizer, batch, schedule)).ToArray();

        using var directory = new TemporaryFolder("goseqzero-resume-");
        using (var first = new Gpt(device, Tiny))
        using (var firstOptimizer = new AdamWOptimizer(first, settings, maxGradientNorm: 0.5f))
        {
            for (var i = 0; i < 3; i++) Assert.Equal(straightLosses[i], Train(first, firstOptimizer, batches[i], schedule));
            Checkpoint.Save(directory.Path, first, firstOptimizer, schedule: schedule);
        }

        using var loaded = Checkpoint.Load(directory.Path, device);
        Assert.Equal(3, loaded.Optimizer!.Step);
        for (var i = 3; i < batches.Length; i++)
            Assert.Equal(straightLosses[i], Train(loaded.Model, loaded.Optimizer, batches[i], schedule));
        Assert.Equal(straight.Parameters.ToArray(), loaded.Model.Parameters.ToArray());
    }

    private static float Train(Gpt model, AdamWOptimizer optimizer, TrainingBatch batch, LearningRateSchedule schedule)
    {
        var loss = model.Forward(batch);
        model.Backward();
        optimizer.Update(schedule.At(optimizer.Step + 1));
        return loss;
    }
}
