using GoSeqZero.Kernels;

namespace GoSeqZero.Tests.Kernels.Reference;

/// <summary>The float64 GEMM every GEMM kernel is checked against: the definition in <see cref="GemmSpec"/>, loop by loop.</summary>
public static class GemmReference
{
    /// <summary>Returns C after the GEMM, starting from <paramref name="c"/> (which is read when Beta ≠ 0).</summary>
    public static double[] Gemm(GemmSpec spec, float[] a, float[] b, float[] c, float[]? bias)
    {
        var result = KernelCheckConvert(c);
        for (var batch = 0; batch < spec.BatchCount; batch++)
        {
            long aBase = batch * spec.StrideA, bBase = batch * spec.StrideB, cBase = batch * spec.StrideC;
            for (var i = 0; i < spec.M; i++)
            for (var j = 0; j < spec.N; j++)
            {
                var sum = 0.0;
                for (var p = 0; p < spec.K; p++)
                {
                    double x = spec.TransposeA ? a[aBase + (long)p * spec.Lda + i] : a[aBase + (long)i * spec.Lda + p];
                    double y = spec.TransposeB ? b[bBase + (long)j * spec.Ldb + p] : b[bBase + (long)p * spec.Ldb + j];
                    sum += x * y;
                }
                var index = cBase + (long)i * spec.Ldc + j;
                var previous = spec.Beta == 0 ? 0 : spec.Beta * result[index];
                result[index] = spec.Alpha * sum + previous + (bias is null ? 0 : bias[j]);
            }
        }
        return result;
    }

    private static double[] KernelCheckConvert(float[] values) => Array.ConvertAll(values, v => (double)v);
}
