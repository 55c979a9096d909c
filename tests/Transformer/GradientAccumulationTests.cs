using GoSeqZero.Tests.Kernels;
using GoSeqZero.Tests.Kernels.Checks;
using GoSeqZero.Transformer;

namespace GoSeqZero.Tests.Transformer;

/// <summary>
/// Two batches of different shapes, their losses divided by their joint weight sum and their gradients accumulated,
/// are one batch of both padded to the longest sequence: the trainer learns its short companion sequences this way
/// instead of padding them to the search steps' length.
/// </summary>
[Collection("Kernels")]
public class GradientAccumulationTests
{
    private static readonly ModelConfig Tiny = TinyModel.Config;

    [Fact]
    public void TwoBatchesAccumulatedEqualThemPaddedIntoOne()
    {
        var seed = KernelCheck.NewSeed();
        var random = new Random(seed);
        using var model = new Gpt(KernelDevices.Get("cpu"), Tiny with { Seed = seed });
        var longer = RandomBatch(random, sequences: 2, tokens: 13);
        var shorter = RandomBatch(random, sequences: 3, tokens: 5);
        var weightSum = longer.Weights.Sum() + (double)shorter.Weights.Sum();

        model.Forward(shorter, weightSum);
        model.Backward();
        var shorterAlone = KernelCheck.ToDouble(model.Gradients.ToArray());

        // Both in one batch: the short sequences padded with token 0, position on, weight 0.
        var pooled = new TrainingBatch(5, 13, Tiny.VocabularySize, withMasks: false);
        Copy(longer, pooled, firstSequence: 0);
        Copy(shorter, pooled, firstSequence: 2);
        var pooledLoss = model.Forward(pooled);
        model.Backward();
        var expected = KernelCheck.ToDouble(model.Gradients.ToArray());

        var loss = model.Forward(longer, weightSum);
        model.Backward();
        loss += model.Forward(shorter, weightSum);
        model.Backward(accumulate: true);
        var where = $"seed {seed}";
        KernelCheck.AssertClose([pooledLoss], [loss], 1e-5, 1e-6, where + ": loss");
        KernelCheck.AssertClose(expected, model.Gradients, 1e-4, 1e-6, where + ": accumulated gradients");

        // Without accumulate the gradients start again from zero.
        model.Forward(shorter, weightSum);
        model.Backward();
        KernelCheck.AssertClose(shorterAlone, model.Gradients, 1e-6, 1e-9, where + ": fresh gradients");
    }

    [Fact]
    public void ANegativeOrInfiniteWeightSumIsRefused()
    {
        using var model = new Gpt(KernelDevices.Get("cpu"), Tiny with { Seed = 1 });
        var batch = RandomBatch(new Random(1), 1, 4);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Forward(batch, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Forward(batch, double.PositiveInfinity));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Forward(batch, double.NaN));
    }

    private static TrainingBatch RandomBatch(Random random, int sequences, int tokens)
    {
        var batch = new TrainingBatch(sequences, tokens, Tiny.VocabularySize, withMasks: false);
        for (var row = 0; row < batch.Rows; row++)
        {
            batch.TokenIds[row] = random.Next(1, Tiny.VocabularySize);
            batch.PointIds[row] = random.Next(Tiny.PointCount);
            batch.Targets[row] = random.Next(Tiny.VocabularySize);
            batch.Weights[row] = (float)random.NextDouble();
        }
        return batch;
    }

    private static void Copy(TrainingBatch from, TrainingBatch to, int firstSequence)
    {
        for (var s = 0; s < from.Sequences; s++)
        for (var t = 0; t < from.Tokens; t++)
        {
            int source = s * from.Tokens + t, target = (firstSequence + s) * to.Tokens + t;
            to.TokenIds[target] = from.TokenIds[source];
            to.PointIds[target] = from.PointIds[source];
            to.Targets[target] = from.Targets[source];
            to.Weights[target] = from.Weights[source];
        }
    }
}
