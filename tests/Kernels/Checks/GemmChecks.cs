using GoSeqZero.Kernels;
using GoSeqZero.Tests.Kernels.Reference;

namespace GoSeqZero.Tests.Kernels.Checks;

/// <summary>Runs one GEMM: <see cref="IOps.Gemm"/> by default, or a particular kernel variant in tests.</summary>
public delegate void GemmCall(GemmSpec spec, Tensor<float> a, Tensor<float> b, Tensor<float> c, Tensor<float>? bias);

/// <summary>
/// Checks of <see cref="IOps.Gemm"/> against <see cref="GemmReference"/> and of <see cref="IOps.BiasBackward"/> against
/// column sums in float64. Every layout, ragged sizes (never multiples of a tile or vector width), leading dimensions
/// wider than the rows, batches with gaps between them, alpha and beta, bias. C starts random (read when beta ≠ 0) with
/// every element of the product set to NaN when beta is 0, so a kernel that reads C there fails; the elements outside
/// the product (leading-dimension padding, gaps between batches) must come back unchanged.
/// </summary>
public static class GemmChecks
{
    public static IEnumerable<KernelCase> Cases(bool large)
    {
        foreach (var (name, spec, withBias) in large ? LargeGemms() : SmallGemms())
            yield return new KernelCase($"Gemm {name}", (device, seed) => Check(device, seed, spec, withBias));

        (int Rows, int Columns)[] biasShapes = large ? [(4096, 768), (4096, 2304), (1000, 3 * 256 + 5)] : [(1, 1), (7, 5), (13, 37), (24, 70)];
        foreach (var (rows, columns) in biasShapes)
            yield return new KernelCase($"BiasBackward {rows}x{columns} adds", (device, seed) => CheckBiasBackward(device, seed, rows, columns));
        if (!large)
            yield return new KernelCase("BiasBackward 4x6 vs finite differences", (device, seed) => BiasBackwardFiniteDifferences(device, seed, 4, 6));
    }

    /// <summary>
    /// Tiny shapes for the emulator: every dimension ≤ 24 (the 8×8 emulator tiles then span several groups with ragged
    /// edges; batched cases have enough groups for the 32×32 tiles) and K ≤ 24, so a case costs a few barriers.
    /// </summary>
    private static IEnumerable<(string Name, GemmSpec Spec, bool WithBias)> SmallGemms()
    {
        foreach (var (transposeA, transposeB) in new[] { (false, false), (false, true), (true, false), (true, true) })
        {
            var layout = Layout(transposeA, transposeB);
            yield return ($"{layout} 13x11x9", new GemmSpec(transposeA, transposeB, 13, 11, 9), false);
            yield return ($"{layout} 17x19x21 alpha beta bias", new GemmSpec(transposeA, transposeB, 17, 19, 21) { Alpha = 0.75f, Beta = -1.5f }, true);
            yield return ($"{layout} 9x7x5 leading dimensions, 3 strided batches", Batched(new GemmSpec(transposeA, transposeB, 9, 7, 5), 3, 3, 2, 5), false);
        }
        yield return ("NN 24x20x17 bias, beta 0 over NaN", GemmSpec.NN(24, 20, 17) with { Alpha = -2 }, true);
        yield return ("NT 1x1x1", GemmSpec.NT(1, 1, 1), false);
        yield return ("TN 1x23x2", GemmSpec.TN(1, 23, 2), false);
        yield return ("NN 22x1x24", GemmSpec.NN(22, 1, 24), true);
        yield return ("NN 5x6x0 keeps beta C plus bias", GemmSpec.NN(5, 6, 0) with { Beta = 0.5f }, true);
        yield return ("NT 12x10x7 beta 1 accumulates", GemmSpec.NT(12, 10, 7) with { Beta = 1 }, false);
        yield return ("NT 10x12x8 2 batches sharing B (stride 0)", GemmSpec.NT(10, 12, 8) with { BatchCount = 2, StrideA = 10 * 8, StrideB = 0, StrideC = 10 * 12 }, false);
        yield return ("NN 20x24x6 4 batches with leading dimensions", Batched(GemmSpec.NN(20, 24, 6), 4, 1, 3, 2), true);
    }

    /// <summary>
    /// GPU shapes: the model's projections (4096 tokens, 256 channels) forward and backward, a square product, ragged ones.
    /// The float64 reference is one CPU thread (about a minute for all of them), so nothing bigger.
    /// </summary>
    private static IEnumerable<(string Name, GemmSpec Spec, bool WithBias)> LargeGemms()
    {
        yield return ("NT 4096x768x256 model QKV projection, bias", GemmSpec.NT(4096, 768, 256), true);
        yield return ("NN 4096x256x768 model input gradient", GemmSpec.NN(4096, 256, 768), false);
        yield return ("TN 256x768x4096 model weight gradient, beta 1", GemmSpec.TN(256, 768, 4096) with { Beta = 1 }, false);
        yield return ("NN 512x512x512", GemmSpec.NN(512, 512, 512), false);
        yield return ("TN 700x333x129 alpha beta bias", GemmSpec.TN(700, 333, 129) with { Alpha = 0.5f, Beta = -1 }, true);
        yield return ("TT 777x555x333", new GemmSpec(true, true, 777, 555, 333), false);
        yield return ("NT 64 batches 257x257x64 (attention scores), leading dimensions", Batched(GemmSpec.NT(257, 257, 64), 64, 7, 1, 3), false);
    }

    /// <summary><paramref name="spec"/> over <paramref name="batches"/> batches, each matrix with extra columns and a gap after it.</summary>
    private static GemmSpec Batched(GemmSpec spec, int batches, int extraA, int extraB, int extraC)
    {
        spec = spec with { LeadingA = spec.Lda + extraA, LeadingB = spec.Ldb + extraB, LeadingC = spec.Ldc + extraC };
        return spec with
        {
            BatchCount = batches,
            StrideA = (long)(spec.TransposeA ? spec.K : spec.M) * spec.Lda + 11,
            StrideB = (long)(spec.TransposeB ? spec.N : spec.K) * spec.Ldb + 5,
            StrideC = (long)spec.M * spec.Ldc + 7,
        };
    }

    /// <summary>Checks one GEMM on <paramref name="device"/>; <paramref name="gemm"/> picks a kernel variant (default: the device's).</summary>
    public static void Check(Device device, int seed, GemmSpec spec, bool withBias, GemmCall? gemm = null)
    {
        var random = new Random(seed);
        var aValues = KernelCheck.Uniform(random, Extent(spec.BatchCount, spec.StrideA, spec.TransposeA ? spec.K : spec.M, spec.Lda));
        var bValues = KernelCheck.Uniform(random, Extent(spec.BatchCount, spec.StrideB, spec.TransposeB ? spec.N : spec.K, spec.Ldb));
        var cValues = KernelCheck.Uniform(random, Extent(spec.BatchCount, spec.StrideC, spec.M, spec.Ldc));
        var biasValues = withBias ? KernelCheck.Uniform(random, spec.N) : null;
        if (spec.Beta == 0) PoisonProduct(cValues, spec);

        using var a = device.Upload<float>(aValues, aValues.Length);
        using var b = device.Upload<float>(bValues, bValues.Length);
        using var c = device.Upload<float>(cValues, cValues.Length);
        using var bias = biasValues is null ? null : device.Upload<float>(biasValues, biasValues.Length);
        (gemm ?? device.Ops.Gemm)(spec, a, b, c, bias);

        var expected = GemmReference.Gemm(spec, aValues, bValues, cValues, biasValues);
        var scale = Math.Abs(spec.Alpha) + (withBias ? 1 : 0) + Math.Abs(spec.Beta);
        KernelCheck.AssertClose(expected, c, KernelCheck.Rtol, KernelCheck.AtolForSum(spec.K, Math.Max(scale, 1)),
            $"Gemm {spec} on {device.Kind.Name()} (seed {seed})");
    }

    /// <summary>The elements a batched matrix spans: up to the end of its last row in its last batch (at least one).</summary>
    private static long Extent(int batches, long stride, int rows, int leading) =>
        Math.Max(1, (batches - 1) * stride + (long)rows * leading);

    private static void PoisonProduct(float[] c, GemmSpec spec)
    {
        for (var batch = 0; batch < spec.BatchCount; batch++)
        for (var row = 0; row < spec.M; row++)
            Array.Fill(c, float.NaN, (int)(batch * spec.StrideC + (long)row * spec.Ldc), spec.N);
    }

    private static string Layout(bool transposeA, bool transposeB) => $"{(transposeA ? 'T' : 'N')}{(transposeB ? 'T' : 'N')}";

    private static void CheckBiasBackward(Device device, int seed, int rows, int columns)
    {
        var random = new Random(seed);
        var outputGradient = KernelCheck.Uniform(random, (long)rows * columns);
        var start = KernelCheck.Uniform(random, columns);
        using var dy = device.Upload<float>(outputGradient, rows, columns);
        using var biasGradient = device.Upload<float>(start, columns);
        device.Ops.BiasBackward(biasGradient, dy, rows, columns);

        var expected = ColumnSums(KernelCheck.ToDouble(outputGradient), rows, columns);
        for (var j = 0; j < columns; j++) expected[j] += start[j];
        KernelCheck.AssertClose(expected, biasGradient, KernelCheck.Rtol, KernelCheck.AtolForSum(rows),
            $"BiasBackward {rows}x{columns} on {device.Kind.Name()} (seed {seed})");
    }

    /// <summary>
    /// The bias gradient against central differences in float64 of L(bias) = Σ outputGradient ∘ (x + bias broadcast over
    /// rows), the forward that a GEMM's bias performs; the kernel must add exactly that to a random start.
    /// </summary>
    private static void BiasBackwardFiniteDifferences(Device device, int seed, int rows, int columns)
    {
        var random = new Random(seed);
        var x = KernelCheck.ToDouble(KernelCheck.Uniform(random, (long)rows * columns));
        var outputGradient = KernelCheck.Uniform(random, (long)rows * columns);
        var bias = KernelCheck.ToDouble(KernelCheck.Uniform(random, columns));
        var start = KernelCheck.Uniform(random, columns);

        double Loss(double[] b)
        {
            var loss = 0.0;
            for (var row = 0; row < rows; row++)
            for (var j = 0; j < columns; j++)
                loss += outputGradient[row * columns + j] * (x[row * columns + j] + b[j]);
            return loss;
        }

        var numeric = KernelCheck.FiniteDifferences(Loss, bias, step: 1e-5);
        var expected = numeric.Select((derivative, j) => start[j] + derivative).ToArray();

        using var dy = device.Upload<float>(outputGradient, rows, columns);
        using var biasGradient = device.Upload<float>(start, columns);
        device.Ops.BiasBackward(biasGradient, dy, rows, columns);
        KernelCheck.AssertClose(expected, biasGradient, 1e-4, 1e-5, $"BiasBackward {rows}x{columns} vs finite differences on {device.Kind.Name()} (seed {seed})");
    }

    public static double[] ColumnSums(double[] matrix, int rows, int columns)
    {
        var sums = new double[columns];
        for (var row = 0; row < rows; row++)
        for (var j = 0; j < columns; j++)
            sums[j] += matrix[(long)row * columns + j];
        return sums;
    }
}
