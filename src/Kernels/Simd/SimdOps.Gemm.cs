namespace GoSeqZero.Kernels.Simd;

internal sealed unsafe partial class SimdOps
{
    private readonly GemmBufferPool _gemmPanelsA = new(), _gemmPanelsB = new();

    /// <summary>Below this many flops a GEMM (or a batch of them) runs on the calling thread: a second thread costs more than it saves.</summary>
    internal const double GemmParallelFlopThreshold = 4e6;

    public void Gemm(GemmSpec spec, Tensor<float> a, Tensor<float> b, Tensor<float> c, Tensor<float>? bias = null)
    {
        spec.Validate(a.Length, b.Length, c.Length, bias?.Length ?? -1);
        if (spec.M == 0 || spec.N == 0) return;
        var options = Options;
        var batches = new GemmBatches(spec, a.Pointer, b.Pointer, c.Pointer, bias is null ? null : bias.Pointer, options.UsesVector512);
        var threads = options.Threads;
        var flopsPerBatch = 2.0 * spec.M * spec.N * spec.K;
        if (threads > 1 && spec.BatchCount > 1 && flopsPerBatch < GemmParallelFlopThreshold && spec.Flops >= GemmParallelFlopThreshold && BatchesWriteApart(spec))
        {
            // Products too small to split run side by side, one thread each.
            Parallel.For(0, spec.BatchCount, new ParallelOptions { MaxDegreeOfParallelism = threads }, batch => RunBatch(batches, batch, 1));
            return;
        }
        for (var batch = 0; batch < spec.BatchCount; batch++) RunBatch(batches, batch, threads);
    }

    /// <summary>Batches whose C blocks do not overlap may run in any order; otherwise each must see the one before.</summary>
    internal static bool BatchesWriteApart(in GemmSpec spec) => spec.StrideC >= (long)(spec.M - 1) * spec.Ldc + spec.N;

    private void RunBatch(in GemmBatches batches, int batch, int threads)
    {
        var spec = batches.Spec;
        var problem = new GemmProblem(
            new GemmOperand(batches.A + batch * spec.StrideA, spec.Lda, spec.TransposeA),
            new GemmOperand(batches.B + batch * spec.StrideB, spec.Ldb, spec.TransposeB),
            batches.C + batch * spec.StrideC, spec.Ldc, batches.Bias, spec.M, spec.N, spec.K, spec.Alpha, spec.Beta);
        if (spec.K == 0) ScaleAndAddBias(problem);
        else if (GemmRowDot.Applies(problem)) GemmRowDot.Run(problem, threads, _gemmPanelsA, batches.UseVector512);
        else if (batches.UseVector512) GemmDriver<GemmKernel512>.Run(problem, threads, _gemmPanelsA, _gemmPanelsB);
        else GemmDriver<GemmKernel256>.Run(problem, threads, _gemmPanelsA, _gemmPanelsB);
    }

    /// <summary>One Gemm call's operands, as its batches read them.</summary>
    private readonly struct GemmBatches(GemmSpec spec, float* a, float* b, float* c, float* bias, bool useVector512)
    {
        public readonly GemmSpec Spec = spec;
        public readonly float* A = a, B = b, C = c, Bias = bias;
        public readonly bool UseVector512 = useVector512;
    }

    /// <summary>K = 0: the product is empty, so <c>C = Beta·C + Bias</c> (Beta = 0 writes without reading C).</summary>
    private static void ScaleAndAddBias(in GemmProblem problem)
    {
        for (var row = 0; row < problem.M; row++)
        {
            var c = problem.C + row * problem.Ldc;
            for (var column = 0; column < problem.N; column++)
                c[column] = (problem.Beta == 0 ? 0 : problem.Beta * c[column]) + (problem.Bias == null ? 0 : problem.Bias[column]);
        }
    }
}
