namespace GoSeqZero.Kernels.Simd;

internal sealed unsafe partial class SimdOps
{
    public void Gemm(GemmSpec spec, Tensor<float> a, Tensor<float> b, Tensor<float> c, Tensor<float>? bias = null) =>
        throw new NotImplementedException("PLACEHOLDER");
}
