using GoSeqZero.Kernels;
using GoSeqZero.Tests.Kernels.Reference;

namespace GoSeqZero.Tests.Kernels.Checks;

/// <summary>
/// Checks of the row-wise ops (embedding, LayerNorm, GELU, add, accumulate) against <see cref="RowsReference"/>:
/// fresh random inputs, poisoned outputs, gradients that start from random values and must come back as
/// start + gradient, and finite-difference checks of every backward on tiny shapes. Row lengths and counts are
/// deliberately not multiples of any vector width, so the scalar tails run.
/// </summary>
public static class RowsChecks
{
    /// <summary>Channels × rows of the tiny shapes stay small: the ILGPU emulator runs one OS thread per GPU thread.</summary>
    public static IEnumerable<KernelCase> Cases(bool large)
    {
        (int Rows, int Channels)[] shapes = large ? [(4096, 768), (1000, 1001)] : [(5, 37), (19, 64)];
        foreach (var (rows, channels) in shapes)
        {
            var shape = $"{rows}x{channels}";
            yield return new($"EmbeddingForward {shape}", (device, seed) => EmbeddingForward(device, seed, rows, channels));
            yield return new($"EmbeddingBackward {shape} adds", (device, seed) => EmbeddingBackward(device, seed, rows, channels));
            yield return new($"LayerNormForward {shape}", (device, seed) => LayerNormForward(device, seed, rows, channels, offset: 0));
            yield return new($"LayerNormBackward {shape} adds", (device, seed) => LayerNormBackward(device, seed, rows, channels));
        }
        var (farRows, farChannels) = large ? (4096, 768) : (4, 45);
        yield return new($"LayerNormForward {farRows}x{farChannels} with the mean far from zero",
            (device, seed) => LayerNormForward(device, seed, farRows, farChannels, offset: 300));

        long[] counts = large ? [4096L * 768, 1_000_003] : [1037, 13];
        foreach (var count in counts)
        {
            yield return new($"GeluForward {count}", (device, seed) => GeluForward(device, seed, count));
            yield return new($"GeluBackward {count} adds", (device, seed) => GeluBackward(device, seed, count));
            yield return new($"Add {count}", (device, seed) => Add(device, seed, count));
            yield return new($"Accumulate {count} adds", (device, seed) => Accumulate(device, seed, count));
        }

        yield return new("EmbeddingBackward 5x6 vs finite differences", (device, seed) => EmbeddingFiniteDifferences(device, seed, 5, 6));
        yield return new("LayerNormBackward 3x7 vs finite differences", (device, seed) => LayerNormFiniteDifferences(device, seed, 3, 7));
        yield return new("GeluBackward 19 vs finite differences", (device, seed) => GeluFiniteDifferences(device, seed, 19));
    }

    /// <summary>Finite differences in float64 are exact to ~1e-9 here; the rest is the kernel's fp32 rounding.</summary>
    private const double FiniteDifferenceStep = 1e-5, FiniteDifferenceRtol = 1e-4, FiniteDifferenceAtol = 1e-5;

    private static void EmbeddingForward(Device device, int seed, int rows, int channels)
    {
        var random = new Random(seed);
        var inputs = RandomEmbedding(random, rows, channels);
        using var embedding = UploadEmbedding(device, inputs, channels);
        using var output = KernelCheck.Poisoned(device, rows, channels);
        device.Ops.EmbeddingForward(output, embedding.Tokens, embedding.Positions, embedding.PointIds,
            embedding.TokenTable, embedding.PositionTable, embedding.PointTable, rows, channels);
        var expected = RowsReference.EmbeddingForward(inputs, rows, channels);
        KernelCheck.AssertClose(expected, output, KernelCheck.Rtol, 1e-6, $"EmbeddingForward {rows}x{channels} output (seed {seed})");
    }

    private static void EmbeddingBackward(Device device, int seed, int rows, int channels)
    {
        var random = new Random(seed);
        var inputs = RandomEmbedding(random, rows, channels);
        var outputGradient = KernelCheck.Uniform(random, (long)rows * channels);
        var starts = (Token: KernelCheck.Uniform(random, inputs.TokenTable.Length), Position: KernelCheck.Uniform(random, inputs.PositionTable.Length),
            Point: KernelCheck.Uniform(random, inputs.PointTable.Length));
        using var embedding = UploadEmbedding(device, inputs, channels);
        using var tokenGradient = device.Upload<float>(starts.Token, starts.Token.Length);
        using var positionGradient = device.Upload<float>(starts.Position, starts.Position.Length);
        using var pointGradient = device.Upload<float>(starts.Point, starts.Point.Length);
        using var dy = device.Upload<float>(outputGradient, rows, channels);
        device.Ops.EmbeddingBackward(tokenGradient, positionGradient, pointGradient, dy,
            embedding.Tokens, embedding.Positions, embedding.PointIds, rows, channels);

        var (token, position, point) = RowsReference.EmbeddingBackward(KernelCheck.ToDouble(outputGradient), inputs, rows, channels);
        var atol = KernelCheck.AtolForSum(rows);
        var what = $"EmbeddingBackward {rows}x{channels}";
        KernelCheck.AssertClose(Plus(starts.Token, token), tokenGradient, KernelCheck.Rtol, atol, $"{what} token table gradient (seed {seed})");
        KernelCheck.AssertClose(Plus(starts.Position, position), positionGradient, KernelCheck.Rtol, atol, $"{what} position table gradient (seed {seed})");
        KernelCheck.AssertClose(Plus(starts.Point, point), pointGradient, KernelCheck.Rtol, atol, $"{what} point table gradient (seed {seed})");
    }

    /// <summary>
    /// <paramref name="offset"/> shifts every input: at 300 a one-pass Σx² − (Σx)²/n in fp32 is off by percents, while the
    /// output can only be as exact as a float mean near 300 allows: a few times offset·2⁻²⁴ (half an ulp), times 1/σ·|w| ≤ 2.
    /// </summary>
    private static void LayerNormForward(Device device, int seed, int rows, int channels, float offset)
    {
        var random = new Random(seed);
        var input = KernelCheck.Uniform(random, (long)rows * channels, offset - 1, offset + 1);
        var weight = KernelCheck.Uniform(random, channels);
        var bias = KernelCheck.Uniform(random, channels);
        using var x = device.Upload<float>(input, rows, channels);
        using var w = device.Upload<float>(weight, channels);
        using var b = device.Upload<float>(bias, channels);
        using var output = KernelCheck.Poisoned(device, rows, channels);
        using var mean = KernelCheck.Poisoned(device, rows);
        using var reciprocalStd = KernelCheck.Poisoned(device, rows);
        device.Ops.LayerNormForward(output, mean, reciprocalStd, x, w, b, rows, channels);

        var expected = RowsReference.LayerNormForward(KernelCheck.ToDouble(input), KernelCheck.ToDouble(weight), KernelCheck.ToDouble(bias), rows, channels);
        var atol = KernelCheck.AtolForSum(channels) + 4 * offset * Math.Pow(2, -24) * 2;
        var what = $"LayerNormForward {rows}x{channels} offset {offset}";
        KernelCheck.AssertClose(expected.Output, output, KernelCheck.Rtol, atol, $"{what} output (seed {seed})");
        KernelCheck.AssertClose(expected.Mean, mean, KernelCheck.Rtol, atol, $"{what} mean (seed {seed})");
        KernelCheck.AssertClose(expected.ReciprocalStd, reciprocalStd, offset == 0 ? KernelCheck.Rtol : 1e-4, atol, $"{what} reciprocal std (seed {seed})");
    }

    private static void LayerNormBackward(Device device, int seed, int rows, int channels)
    {
        var random = new Random(seed);
        var input = KernelCheck.Uniform(random, (long)rows * channels, -2, 2);
        var weight = KernelCheck.Uniform(random, channels);
        var outputGradient = KernelCheck.Uniform(random, (long)rows * channels);
        var starts = (Input: KernelCheck.Uniform(random, (long)rows * channels), Weight: KernelCheck.Uniform(random, channels), Bias: KernelCheck.Uniform(random, channels));
        var gradients = RunLayerNormBackward(device, input, weight, outputGradient, starts, rows, channels);

        var expected = RowsReference.LayerNormBackward(KernelCheck.ToDouble(outputGradient), KernelCheck.ToDouble(input), KernelCheck.ToDouble(weight), rows, channels);
        var what = $"LayerNormBackward {rows}x{channels}";
        KernelCheck.AssertClose(Plus(starts.Input, expected.Input), gradients.Input, KernelCheck.Rtol, KernelCheck.AtolForSum(channels, 2), $"{what} input gradient (seed {seed})");
        KernelCheck.AssertClose(Plus(starts.Weight, expected.Weight), gradients.Weight, KernelCheck.Rtol, KernelCheck.AtolForSum(rows, 2), $"{what} weight gradient (seed {seed})");
        KernelCheck.AssertClose(Plus(starts.Bias, expected.Bias), gradients.Bias, KernelCheck.Rtol, KernelCheck.AtolForSum(rows), $"{what} bias gradient (seed {seed})");
    }

    private static void GeluForward(Device device, int seed, long count)
    {
        var random = new Random(seed);
        var input = GeluInputs(random, count);
        using var x = device.Upload<float>(input, checked((int)count));
        using var output = KernelCheck.Poisoned(device, checked((int)count));
        device.Ops.GeluForward(output, x, count);
        var expected = Array.ConvertAll(input, v => RowsReference.Gelu(v));
        KernelCheck.AssertClose(expected, output, KernelCheck.Rtol, 1e-6, $"GeluForward {count} (seed {seed})");
    }

    private static void GeluBackward(Device device, int seed, long count)
    {
        var random = new Random(seed);
        var input = GeluInputs(random, count);
        var outputGradient = KernelCheck.Uniform(random, count);
        var start = KernelCheck.Uniform(random, count);
        using var x = device.Upload<float>(input, checked((int)count));
        using var dy = device.Upload<float>(outputGradient, checked((int)count));
        using var dx = device.Upload<float>(start, checked((int)count));
        device.Ops.GeluBackward(dx, x, dy, count);
        var expected = new double[count];
        for (long i = 0; i < count; i++) expected[i] = start[i] + (double)outputGradient[i] * RowsReference.GeluDerivative(input[i]);
        KernelCheck.AssertClose(expected, dx, KernelCheck.Rtol, 1e-6, $"GeluBackward {count} input gradient (seed {seed})");
    }

    private static void Add(Device device, int seed, long count)
    {
        var random = new Random(seed);
        var left = KernelCheck.Uniform(random, count);
        var right = KernelCheck.Uniform(random, count);
        using var a = device.Upload<float>(left, checked((int)count));
        using var b = device.Upload<float>(right, checked((int)count));
        using var output = KernelCheck.Poisoned(device, checked((int)count));
        device.Ops.Add(output, a, b, count);
        KernelCheck.AssertClose(Plus(left, KernelCheck.ToDouble(right)), output, KernelCheck.Rtol, 0, $"Add {count} (seed {seed})");
    }

    private static void Accumulate(Device device, int seed, long count)
    {
        var random = new Random(seed);
        var start = KernelCheck.Uniform(random, count);
        var addend = KernelCheck.Uniform(random, count);
        using var target = device.Upload<float>(start, checked((int)count));
        using var source = device.Upload<float>(addend, checked((int)count));
        device.Ops.Accumulate(target, source, count);
        KernelCheck.AssertClose(Plus(start, KernelCheck.ToDouble(addend)), target, KernelCheck.Rtol, 0, $"Accumulate {count} (seed {seed})");
    }

    private static void EmbeddingFiniteDifferences(Device device, int seed, int rows, int channels)
    {
        var random = new Random(seed);
        var inputs = RandomEmbedding(random, rows, channels);
        var outputGradient = KernelCheck.ToDouble(KernelCheck.Uniform(random, (long)rows * channels));
        var tables = inputs;
        int tokenLength = tables.TokenTable.Length, positionLength = tables.PositionTable.Length;
        var all = tables.TokenTable.Concat(tables.PositionTable).Concat(tables.PointTable).ToArray();
        var numeric = KernelCheck.FiniteDifferences(point => RowsReference.Dot(outputGradient, RowsReference.EmbeddingForward(
            tables with { TokenTable = point[..tokenLength], PositionTable = point[tokenLength..(tokenLength + positionLength)], PointTable = point[(tokenLength + positionLength)..] },
            rows, channels)), all, FiniteDifferenceStep);

        var start = KernelCheck.Uniform(random, all.Length);
        using var embedding = UploadEmbedding(device, inputs, channels);
        using var tokenGradient = device.Upload<float>(start.AsSpan(0, tokenLength), tokenLength);
        using var positionGradient = device.Upload<float>(start.AsSpan(tokenLength, positionLength), positionLength);
        using var pointGradient = device.Upload<float>(start.AsSpan(tokenLength + positionLength), all.Length - tokenLength - positionLength);
        using var dy = device.Upload<float>(Array.ConvertAll(outputGradient, v => (float)v), rows, channels);
        device.Ops.EmbeddingBackward(tokenGradient, positionGradient, pointGradient, dy, embedding.Tokens, embedding.Positions, embedding.PointIds, rows, channels);
        var actual = tokenGradient.ToArray().Concat(positionGradient.ToArray()).Concat(pointGradient.ToArray()).ToArray();
        KernelCheck.AssertClose(Plus(start, numeric), actual, FiniteDifferenceRtol, FiniteDifferenceAtol,
            $"EmbeddingBackward {rows}x{channels} table gradients vs finite differences (seed {seed})");
    }

    private static void LayerNormFiniteDifferences(Device device, int seed, int rows, int channels)
    {
        var random = new Random(seed);
        var input = KernelCheck.Uniform(random, (long)rows * channels, -2, 2);
        var weight = KernelCheck.Uniform(random, channels);
        var bias = KernelCheck.Uniform(random, channels);
        var outputGradient = KernelCheck.Uniform(random, (long)rows * channels);
        var dy = KernelCheck.ToDouble(outputGradient);
        var elements = rows * channels;
        var all = KernelCheck.ToDouble([.. input, .. weight, .. bias]);
        var numeric = KernelCheck.FiniteDifferences(point => RowsReference.Dot(dy, RowsReference.LayerNormForward(
            point[..elements], point[elements..(elements + channels)], point[(elements + channels)..], rows, channels).Output), all, FiniteDifferenceStep);

        var starts = (Input: KernelCheck.Uniform(random, elements), Weight: KernelCheck.Uniform(random, channels), Bias: KernelCheck.Uniform(random, channels));
        var gradients = RunLayerNormBackward(device, input, weight, outputGradient, starts, rows, channels);
        var actual = gradients.Input.Concat(gradients.Weight).Concat(gradients.Bias).ToArray();
        KernelCheck.AssertClose(Plus([.. starts.Input, .. starts.Weight, .. starts.Bias], numeric), actual, FiniteDifferenceRtol, FiniteDifferenceAtol,
            $"LayerNormBackward {rows}x{channels} gradients (input, weight, bias) vs finite differences (seed {seed})");
    }

    private static void GeluFiniteDifferences(Device device, int seed, int count)
    {
        var random = new Random(seed);
        var input = KernelCheck.Uniform(random, count, -5, 5);
        var outputGradient = KernelCheck.Uniform(random, count);
        var dy = KernelCheck.ToDouble(outputGradient);
        var numeric = KernelCheck.FiniteDifferences(point => RowsReference.Dot(dy, Array.ConvertAll(point, RowsReference.Gelu)),
            KernelCheck.ToDouble(input), FiniteDifferenceStep);

        var start = KernelCheck.Uniform(random, count);
        using var x = device.Upload<float>(input, count);
        using var dyTensor = device.Upload<float>(outputGradient, count);
        using var dx = device.Upload<float>(start, count);
        device.Ops.GeluBackward(dx, x, dyTensor, count);
        KernelCheck.AssertClose(Plus(start, numeric), dx, FiniteDifferenceRtol, FiniteDifferenceAtol,
            $"GeluBackward {count} input gradient vs finite differences (seed {seed})");
    }

    /// <summary>Runs the backward with the statistics of the float64 forward (rounded to float) and the given starting gradients.</summary>
    private static (float[] Input, float[] Weight, float[] Bias) RunLayerNormBackward(Device device, float[] input, float[] weight, float[] outputGradient,
        (float[] Input, float[] Weight, float[] Bias) starts, int rows, int channels)
    {
        var forward = RowsReference.LayerNormForward(KernelCheck.ToDouble(input), KernelCheck.ToDouble(weight), new double[channels], rows, channels);
        using var x = device.Upload<float>(input, rows, channels);
        using var w = device.Upload<float>(weight, channels);
        using var dy = device.Upload<float>(outputGradient, rows, channels);
        using var mean = device.Upload<float>(Array.ConvertAll(forward.Mean, v => (float)v), rows);
        using var reciprocalStd = device.Upload<float>(Array.ConvertAll(forward.ReciprocalStd, v => (float)v), rows);
        using var dx = device.Upload<float>(starts.Input, rows, channels);
        using var dw = device.Upload<float>(starts.Weight, channels);
        using var db = device.Upload<float>(starts.Bias, channels);
        device.Ops.LayerNormBackward(dx, dw, db, dy, x, w, mean, reciprocalStd, rows, channels);
        return (dx.ToArray(), dw.ToArray(), db.ToArray());
    }

    /// <summary>Mostly the range GELU sees in a model, plus zeros and values deep in both tails (exp overflows past −10).</summary>
    private static float[] GeluInputs(Random random, long count)
    {
        var input = KernelCheck.Uniform(random, count, -6, 6);
        float[] extremes = [0, -0f, 12, -12, 40, -40, 100, -100, 3e4f, -3e4f];
        for (var i = 0; i < extremes.Length && i < count; i++) input[random.NextInt64(count)] = extremes[i];
        return input;
    }

    /// <summary>
    /// The tables are doubles that are exactly floats, so the reference and the kernel see the same values.
    /// Small tables so that rows share table rows (the backward must add, not overwrite): about half the rows use
    /// point id 0, the "no point" row, as boards' control tokens do.
    /// </summary>
    private static RowsReference.EmbeddingInputs RandomEmbedding(Random random, int rows, int channels)
    {
        var (vocabulary, contexts, points) = rows > 64 ? (600, Math.Max(rows, 1024), 362) : (11, rows + 3, 4);
        var pointIds = KernelCheck.Integers(random, rows, 1, points);
        for (var r = 0; r < rows; r++)
            if (random.Next(2) == 0) pointIds[r] = 0;
        return new(KernelCheck.Integers(random, rows, 0, vocabulary), KernelCheck.Integers(random, rows, 0, contexts), pointIds,
            KernelCheck.ToDouble(KernelCheck.Uniform(random, (long)vocabulary * channels)),
            KernelCheck.ToDouble(KernelCheck.Uniform(random, (long)contexts * channels)),
            KernelCheck.ToDouble(KernelCheck.Uniform(random, (long)points * channels)));
    }

    private sealed class EmbeddingTensors(Device device, RowsReference.EmbeddingInputs inputs, int channels) : IDisposable
    {
        public Tensor<int> Tokens { get; } = device.Upload<int>(inputs.Tokens, inputs.Tokens.Length);
        public Tensor<int> Positions { get; } = device.Upload<int>(inputs.Positions, inputs.Positions.Length);
        public Tensor<int> PointIds { get; } = device.Upload<int>(inputs.PointIds, inputs.PointIds.Length);
        public Tensor<float> TokenTable { get; } = UploadTable(device, inputs.TokenTable, channels);
        public Tensor<float> PositionTable { get; } = UploadTable(device, inputs.PositionTable, channels);
        public Tensor<float> PointTable { get; } = UploadTable(device, inputs.PointTable, channels);

        public void Dispose()
        {
            Tokens.Dispose();
            Positions.Dispose();
            PointIds.Dispose();
            TokenTable.Dispose();
            PositionTable.Dispose();
            PointTable.Dispose();
        }

        private static Tensor<float> UploadTable(Device device, double[] table, int channels) =>
            device.Upload<float>(Array.ConvertAll(table, v => (float)v), table.Length / channels, channels);
    }

    private static EmbeddingTensors UploadEmbedding(Device device, RowsReference.EmbeddingInputs inputs, int channels) => new(device, inputs, channels);

    private static double[] Plus(float[] start, double[] gradient)
    {
        var sum = new double[start.Length];
        for (var i = 0; i < sum.Length; i++) sum[i] = start[i] + gradient[i];
        return sum;
    }
}
