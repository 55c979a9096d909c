using GoSeqZero.Tests.Kernels;
using GoSeqZero.Tests.Kernels.Checks;
using GoSeqZero.Transformer;

namespace GoSeqZero.Tests.Transformer;

[Collection("Kernels")]
public class KvCacheDecoderTests
{
    private static readonly ModelConfig Tiny = TinyModel.Config with { Channels = 16, VocabularySize = 24 };

    [Theory]
    [MemberData(nameof(KernelDevices.Both), MemberType = typeof(KernelDevices))]
    public void TokenByTokenDecodingOfARaggedBatchReproducesTheFullSequenceLogits(string deviceName)
    {
        var seed = KernelCheck.NewSeed();
        var random = new Random(seed);
        var device = KernelDevices.Get(deviceName);
        using var model = new Gpt(device, Tiny with { Seed = seed });
        int[] lengths = [7, 3, 11];
        var sequences = lengths.Select(length => RandomSequence(random, length)).ToArray();
        var expected = sequences.Select(sequence => FullLogits(model, sequence)).ToArray();

        using var decoder = new KvCacheDecoder(model, lengths.Length, capacity: 12);
        var steps = lengths.Max();
        for (var step = 0; step < steps; step++)
        {
            var counts = lengths.Select(length => step < length ? 1 : 0).ToArray();
            var tokens = sequences.Select((s, b) => counts[b] > 0 ? s.Tokens[step] : 0).ToArray();
            var points = sequences.Select((s, b) => counts[b] > 0 ? s.Points[step] : 0).ToArray();
            var logits = decoder.Step(tokens, points, counts, chunk: 1).ToArray();
            for (var b = 0; b < lengths.Length; b++)
                if (counts[b] > 0)
                    CompareRow(expected[b], step, logits, b, $"seed {seed}, sequence {b}, token {step}");
        }
        Assert.Equal(lengths, decoder.Lengths);
    }

    [Theory]
    [MemberData(nameof(KernelDevices.Both), MemberType = typeof(KernelDevices))]
    public void ChunkedPrefillEqualsTokenByTokenDecoding(string deviceName)
    {
        var seed = KernelCheck.NewSeed();
        var random = new Random(seed);
        var device = KernelDevices.Get(deviceName);
        using var model = new Gpt(device, Tiny with { Seed = seed });
        int[] lengths = [10, 6, 12];
        var sequences = lengths.Select(length => RandomSequence(random, length)).ToArray();
        var expected = sequences.Select(sequence => FullLogits(model, sequence)).ToArray();

        const int chunk = 4;
        using var decoder = new KvCacheDecoder(model, lengths.Length, capacity: 16, maxChunk: chunk);
        var done = new int[lengths.Length];
        while (done.Where((d, b) => d < lengths[b]).Any())
        {
            // Ragged chunks: each sequence takes 0..4 of its remaining tokens this step.
            var counts = done.Select((d, b) => Math.Min(random.Next(0, chunk + 1), lengths[b] - d)).ToArray();
            var tokens = new int[lengths.Length * chunk];
            var points = new int[lengths.Length * chunk];
            for (var b = 0; b < lengths.Length; b++)
            for (var i = 0; i < counts[b]; i++)
            {
                tokens[b * chunk + i] = sequences[b].Tokens[done[b] + i];
                points[b * chunk + i] = sequences[b].Points[done[b] + i];
            }
            var logits = decoder.Step(tokens, points, counts, chunk).ToArray();
            for (var b = 0; b < lengths.Length; b++)
            for (var i = 0; i < counts[b]; i++)
                CompareRow(expected[b], done[b] + i, logits, b * chunk + i, $"seed {seed}, sequence {b}, token {done[b] + i}");
            for (var b = 0; b < lengths.Length; b++) done[b] += counts[b];
        }
    }

    [Fact]
    public void AStepBeyondTheCacheCapacitySaysWhichSequence()
    {
        using var model = new Gpt(KernelDevices.Get("cpu"), Tiny);
        using var decoder = new KvCacheDecoder(model, batch: 2, capacity: 2);
        decoder.Step([1, 2], [0, 0], [1, 1], chunk: 1);
        decoder.Step([1, 2], [0, 0], [0, 1], chunk: 1);
        var error = Assert.Throws<InvalidOperationException>(() => decoder.Step([1, 2], [0, 0], [0, 1], chunk: 1));
        Assert.Contains("sequence 1: 2 + 1 tokens exceed the cache capacity 2", error.Message);
    }

    private sealed record Sequence(int[] Tokens, int[] Points);

    private static Sequence RandomSequence(Random random, int length) =>
        new(KernelCheck.Integers(random, length, 0, Tiny.VocabularySize), KernelCheck.Integers(random, length, 0, Tiny.PointCount));

    /// <summary>The logits [length, V] of a whole sequence through the training forward pass.</summary>
    private static float[] FullLogits(Gpt model, Sequence sequence)
    {
        var batch = new TrainingBatch(1, sequence.Tokens.Length, Tiny.VocabularySize, withMasks: false);
        sequence.Tokens.CopyTo(batch.TokenIds, 0);
        sequence.Points.CopyTo(batch.PointIds, 0);
        model.Forward(batch);
        return model.Logits.ToArray();
    }

    private static void CompareRow(float[] expected, int expectedRow, float[] actual, int actualRow, string where)
    {
        var v = Tiny.VocabularySize;
        var reference = KernelCheck.ToDouble(expected.AsSpan(expectedRow * v, v).ToArray());
        KernelCheck.AssertClose(reference, actual.AsSpan(actualRow * v, v), 1e-4, 1e-5, "decoder logits, " + where);
    }
}
