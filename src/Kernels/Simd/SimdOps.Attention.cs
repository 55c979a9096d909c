namespace GoSeqZero.Kernels.Simd;

internal sealed unsafe partial class SimdOps
{
    public void AttentionForward(Tensor<float> output, Tensor<float> logSumExp, Tensor<float> qkv, AttentionShape shape) =>
        throw new NotImplementedException("PLACEHOLDER");

    public void AttentionBackward(Tensor<float> qkvGradient, Tensor<float> outputGradient, Tensor<float> output, Tensor<float> logSumExp, Tensor<float> qkv, AttentionShape shape) =>
        throw new NotImplementedException("PLACEHOLDER");
}
