using GoSeqZero.Kernels;
using GoSeqZero.Kernels.Simd;
using GoSeqZero.Tests.Kernels.Checks;
using GoSeqZero.Tests.Kernels.Reference;

namespace GoSeqZero.Tests.Kernels;

/// <summary>
/// The SIMD GEMM against the float64 reference, on both micro-kernels (Vector512 12×32 and the Vector256 6×16
/// fallback, forced on), at sizes around the micro-tile, the k block (256) and the row and column blocks, in every layout.
/// </summary>
[Collection("Kernels")]
public class SimdGemmTests
{
    private static readonly string[] Layouts = ["NN", "NT", "TN", "TT"];

    /// <summary>
    /// (M, N, K) around every edge: 1; the Vector512 tile 12×32 and the Vector256 tile 6×16 ± 1; the k block 256 ± 1 and
    /// beyond two blocks; the row blocks (144 and 72 rows) ± 1; more than one column sweep (512 columns); single rows and
    /// columns; sizes big enough to split over threads. With B transposed, up to 24 rows take the dot-product path
    /// (blocks of 4 or 2 rows × 4 columns, k in vectors of 16 or 8 with a tail), so its edges are here too.
    /// </summary>
    private static readonly (int M, int N, int K)[] EdgeShapes =
    [
        (1, 1, 1), (5, 15, 3), (6, 16, 8), (7, 17, 9), (11, 31, 7), (12, 32, 256), (13, 33, 257), (25, 65, 255),
        (1, 97, 300), (150, 1, 40), (71, 47, 19), (73, 145, 100), (145, 161, 513), (37, 600, 20), (300, 40, 64),
        (24, 30, 33), (9, 700, 400),
    ];

    public static TheoryData<string, int, int, int, bool> EdgeCases()
    {
        var data = new TheoryData<string, int, int, int, bool>();
        foreach (var vector256 in new[] { false, true })
        foreach (var layout in Layouts)
        foreach (var (m, n, k) in EdgeShapes)
            data.Add(layout, m, n, k, vector256);
        return data;
    }

    public static TheoryData<string, bool> LayoutsOnBothKernels()
    {
        var data = new TheoryData<string, bool>();
        foreach (var vector256 in new[] { false, true })
        foreach (var layout in Layouts)
            data.Add(layout, vector256);
        return data;
    }

    [Theory]
    [MemberData(nameof(EdgeCases))]
    public void MatchesTheReferenceAtEveryEdgeAndOverwritesNaNWhenBetaIsZero(string layout, int m, int n, int k, bool vector256)
    {
        var spec = Spec(layout, m, n, k);
        WithKernel(vector256, ops => CheckAgainstReference(ops, spec, withBias: false, KernelCheck.NewSeed()));
    }

    [Theory]
    [MemberData(nameof(LayoutsOnBothKernels))]
    public void AlphaBetaAndBiasCombineAsInTheDefinition(string layout, bool vector256)
    {
        foreach (var rows in new[] { 29, 7 })
        {
            var spec = Spec(layout, rows, 70, 300) with { Alpha = -0.75f, Beta = 1.5f };
            WithKernel(vector256, ops => CheckAgainstReference(ops, spec, withBias: true, KernelCheck.NewSeed()));
        }
    }

    [Theory]
    [MemberData(nameof(LayoutsOnBothKernels))]
    public void BatchesReadAndWriteAtTheirStridesWithPaddedLeadingDimensions(string layout, bool vector256)
    {
        foreach (var m in new[] { 29, 19 }) CheckBatches(layout, vector256, m, 35, 41);
    }

    private static void CheckBatches(string layout, bool vector256, int m, int n, int k)
    {
        var plain = Spec(layout, m, n, k);
        var spec = plain with
        {
            Alpha = 1.25f,
            Beta = 0.5f,
            BatchCount = 3,
            LeadingA = plain.Lda + 3,
            LeadingB = plain.Ldb + 5,
            LeadingC = n + 7,
        };
        // Gaps between batches: nothing may be read from them or written to them.
        spec = spec with
        {
            StrideA = (long)(layout[0] == 'T' ? k : m) * spec.Lda + 11,
            StrideB = (long)(layout[1] == 'T' ? n : k) * spec.Ldb + 13,
            StrideC = (long)m * spec.Ldc + 17,
        };
        WithKernel(vector256, ops => CheckAgainstReference(ops, spec, withBias: true, KernelCheck.NewSeed()));
    }

    [Theory]
    [MemberData(nameof(LayoutsOnBothKernels))]
    public void LargeBatchedProductsSplitOverThreadsMatchTheReference(string layout, bool vector256)
    {
        var spec = Spec(layout, 200, 230, 270) with { BatchCount = 2, Beta = -1 };
        spec = spec with
        {
            StrideA = (long)spec.M * spec.K,
            StrideB = (long)spec.K * spec.N,
            StrideC = (long)spec.M * spec.N,
        };
        WithKernel(vector256, ops => CheckAgainstReference(ops, spec, withBias: true, KernelCheck.NewSeed()));
    }

    [Theory]
    [MemberData(nameof(LayoutsOnBothKernels))]
    public void ManySmallBatchesRunSideBySideAndEachMatchesTheReference(string layout, bool vector256)
    {
        foreach (var (m, n, k, count) in new[] { (60, 70, 80, 12), (8, 300, 200, 6) })
        {
            var spec = Spec(layout, m, n, k) with { BatchCount = count, Beta = 0.25f };
            spec = spec with { StrideA = (long)m * k + 3, StrideB = (long)k * n + 5, StrideC = (long)m * n };
            WithKernel(vector256, ops => CheckAgainstReference(ops, spec, withBias: true, KernelCheck.NewSeed()));
        }
    }

    [Theory]
    [MemberData(nameof(LayoutsOnBothKernels))]
    public void BatchesThatShareOneCAccumulateInOrder(string layout, bool vector256)
    {
        // Shallow products, so stores to C dominate and two batches run at once would lose updates.
        var spec = Spec(layout, 60, 70, 8) with { BatchCount = 100, Beta = 1, StrideC = 0 };
        spec = spec with { StrideA = (long)spec.M * spec.K, StrideB = (long)spec.K * spec.N };
        WithKernel(vector256, ops => CheckAgainstReference(ops, spec, withBias: false, KernelCheck.NewSeed()));
    }

    [Fact]
    public void OnlyBatchesWithSeparateOutputsAreRunSideBySide()
    {
        var spec = GemmSpec.NN(4, 5, 6) with { BatchCount = 3, LeadingC = 7 };
        Assert.True(SimdOps.BatchesWriteApart(spec with { StrideC = 3 * 7 + 5 }));
        Assert.False(SimdOps.BatchesWriteApart(spec with { StrideC = 3 * 7 + 4 }));
        Assert.False(SimdOps.BatchesWriteApart(spec with { StrideC = 0 }));
    }

    [Fact]
    public void OneThreadAndTwoThreadsGiveTheSameResult()
    {
        var ops = SimdOps;
        var seed = KernelCheck.NewSeed();
        var spec = GemmSpec.NT(160, 300, 280);
        using (ops.UseOptions(ops.Options with { Threads = 1 }))
            CheckAgainstReference(ops, spec, withBias: true, seed);
        using (ops.UseOptions(ops.Options with { Threads = 2 }))
            CheckAgainstReference(ops, spec, withBias: true, seed);
    }

    [Fact]
    public void RepeatedCallsReuseTheirPackingBuffers()
    {
        var device = KernelDevices.Get("cpu");
        var ops = SimdOps;
        var spec = GemmSpec.NN(200, 300, 400);
        using var a = device.Allocate<float>(spec.M * spec.K);
        using var b = device.Allocate<float>(spec.K * spec.N);
        using var c = device.Allocate<float>(spec.M * spec.N);
        device.Ops.Fill(a, 0.5f);
        device.Ops.Fill(b, 0.25f);
        // One thread, so every allocation is on this thread; packed B alone would be 480 KB.
        using var oneThread = ops.UseOptions(ops.Options with { Threads = 1 });
        ops.Gemm(spec, a, b, c);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10; i++) ops.Gemm(spec, a, b, c);
        var perCall = (GC.GetAllocatedBytesForCurrentThread() - before) / 10;
        Assert.True(perCall < 1024, $"a steady-state GEMM allocated {perCall} bytes");
    }

    [Fact]
    public void EmptyDepthGivesBetaTimesCPlusBias()
    {
        var spec = GemmSpec.NN(5, 9, 0) with { Beta = 2 };
        CheckAgainstReference(SimdOps, spec, withBias: true, KernelCheck.NewSeed());
        CheckAgainstReference(SimdOps, spec with { Beta = 0 }, withBias: false, KernelCheck.NewSeed());
    }

    [Fact]
    public void EmptyOutputsLeaveCUntouched()
    {
        var device = KernelDevices.Get("cpu");
        var seed = KernelCheck.NewSeed();
        var values = KernelCheck.Uniform(new Random(seed), 12);
        using var a = device.Upload<float>(values, 12);
        using var b = device.Upload<float>(values, 12);
        using var c = device.Upload<float>(values, 12);
        device.Ops.Gemm(GemmSpec.NN(0, 4, 3), a, b, c);
        device.Ops.Gemm(GemmSpec.NT(3, 0, 4) with { Beta = 0 }, a, b, c);
        Assert.True(values.AsSpan().SequenceEqual(c.ToArray()), $"seed {seed}: an empty GEMM wrote into C");
    }

    [Fact]
    public void TooSmallTensorsAreRefusedBeforeAnythingIsRead()
    {
        var device = KernelDevices.Get("cpu");
        using var a = device.Allocate<float>(6 * 4);
        using var b = device.Allocate<float>(4 * 5);
        using var c = device.Allocate<float>(6 * 5 - 1);
        using var bias = device.Allocate<float>(4);
        Assert.Contains("C has 29 elements", Assert.Throws<ArgumentException>(() => device.Ops.Gemm(GemmSpec.NN(6, 5, 4), a, b, c)).Message);
        using var fullC = device.Allocate<float>(6 * 5);
        Assert.Contains("bias has 4 values", Assert.Throws<ArgumentException>(() => device.Ops.Gemm(GemmSpec.NN(6, 5, 4), a, b, fullC, bias)).Message);
    }

    [Fact]
    public void ConcurrentCallsOnOneOpsObjectEachGetTheirOwnPanels()
    {
        var seeds = Enumerable.Range(0, 6).Select(_ => KernelCheck.NewSeed()).ToArray();
        var shapes = new[] { GemmSpec.NN(70, 90, 300), GemmSpec.NT(130, 40, 260), GemmSpec.TN(33, 200, 100) };
        Parallel.For(0, seeds.Length, i => CheckAgainstReference(SimdOps, shapes[i % shapes.Length], withBias: i % 2 == 0, seeds[i]));
    }

    private static SimdOps SimdOps => (SimdOps)KernelDevices.Get("cpu").Ops;

    private static GemmSpec Spec(string layout, int m, int n, int k) => new(layout[0] == 'T', layout[1] == 'T', m, n, k);

    private static void WithKernel(bool vector256, Action<SimdOps> check)
    {
        var ops = SimdOps;
        using var width = ops.UseOptions(ops.Options with { Vector256Only = vector256 });
        check(ops);
    }

    /// <summary>
    /// Random A, B and bias; C random where it is padding or Beta ≠ 0, NaN where Beta = 0 (it must be overwritten
    /// unread). The whole C buffer is compared, so padding and batch gaps must come back unchanged.
    /// </summary>
    private static void CheckAgainstReference(SimdOps ops, GemmSpec spec, bool withBias, int seed)
    {
        var device = KernelDevices.Get("cpu");
        var random = new Random(seed);
        var aValues = KernelCheck.Uniform(random, Extent(spec.BatchCount, spec.StrideA, spec.TransposeA ? spec.K : spec.M, spec.Lda));
        var bValues = KernelCheck.Uniform(random, Extent(spec.BatchCount, spec.StrideB, spec.TransposeB ? spec.N : spec.K, spec.Ldb));
        var cValues = KernelCheck.Uniform(random, Extent(spec.BatchCount, spec.StrideC, spec.M, spec.Ldc));
        var biasValues = withBias ? KernelCheck.Uniform(random, spec.N) : null;
        if (spec.Beta == 0)
            for (var batch = 0; batch < spec.BatchCount; batch++)
            for (var i = 0; i < spec.M; i++)
                Array.Fill(cValues, float.NaN, (int)(batch * spec.StrideC + (long)i * spec.Ldc), spec.N);
        var expected = GemmReference.Gemm(spec, aValues, bValues, cValues, biasValues);

        using var a = device.Upload<float>(aValues, aValues.Length);
        using var b = device.Upload<float>(bValues, bValues.Length);
        using var c = device.Upload<float>(cValues, cValues.Length);
        using var bias = biasValues is null ? null : device.Upload<float>(biasValues, biasValues.Length);
        ops.Gemm(spec, a, b, c, bias);
        var scale = Math.Max(1, Math.Abs(spec.Alpha)) + Math.Abs(spec.Beta);
        KernelCheck.AssertClose(expected, c, KernelCheck.Rtol, KernelCheck.AtolForSum(spec.K, scale),
            $"SIMD GEMM {spec} bias {withBias} {ops.Options} (seed {seed})");
    }

    /// <summary>Elements a batched operand spans: the last batch's last row ends the buffer (at least one element).</summary>
    private static long Extent(int batchCount, long stride, int rows, int leading) =>
        Math.Max(1, (batchCount - 1) * stride + (long)rows * leading);
}
