namespace GoSeqZero.Kernels.Simd;

internal sealed unsafe partial class SimdOps
{
    private readonly GemmBufferPool _gemmPanelsA = new(), _gemmPanelsB = new();

    /// <summary>Threads one GEMM may use (the bench sets it to compare at equal thread counts).</summary>
    internal int GemmThreads { get; set; } = Environment.ProcessorCount;

    /// <summary>Runs the Vector256 micro-kernel even where AVX-512 is present, so tests reach the fallback.</summary>
    internal bool GemmForceVector256 { get; set; }

    public void Gemm(GemmSpec spec, Tensor<float> a, Tensor<float> b, Tensor<float> c, Tensor<float>? bias = null)
    {
        spec.Validate(a.Length, b.Length, c.Length, bias?.Length ?? -1);
        if (spec.M == 0 || spec.N == 0) return;
        float* aData = a.Pointer, bData = b.Pointer, cData = c.Pointer, biasData = bias is null ? null : bias.Pointer;
        var useVector512 = SimdCapabilities.HasVector512 && !GemmForceVector256;
        for (var batch = 0; batch < spec.BatchCount; batch++)
        {
            var problem = new GemmProblem(
                new GemmOperand(aData + batch * spec.StrideA, spec.Lda, spec.TransposeA),
                new GemmOperand(bData + batch * spec.StrideB, spec.Ldb, spec.TransposeB),
                cData + batch * spec.StrideC, spec.Ldc, biasData, spec.M, spec.N, spec.K, spec.Alpha, spec.Beta);
            if (spec.K == 0) ScaleAndAddBias(problem);
            else if (GemmRowDot.Applies(problem)) GemmRowDot.Run(problem, GemmThreads, _gemmPanelsA, useVector512);
            else if (useVector512) GemmDriver<GemmKernel512>.Run(problem, GemmThreads, _gemmPanelsA, _gemmPanelsB);
            else GemmDriver<GemmKernel256>.Run(problem, GemmThreads, _gemmPanelsA, _gemmPanelsB);
        }
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
