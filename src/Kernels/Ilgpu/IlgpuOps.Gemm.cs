namespace GoSeqZero.Kernels.Ilgpu;

internal sealed partial class IlgpuOps
{
    public void Gemm(GemmSpec spec, Tensor<float> a, Tensor<float> b, Tensor<float> c, Tensor<float>? bias = null) =>
        throw new NotImplementedException("PLACEHOLDER");
}
