namespace GoSeqZero.Kernels.Simd;

internal sealed unsafe partial class SimdOps
{
    public void KvCacheAppend(Tensor<float> keyCache, Tensor<float> valueCache, Tensor<float> qkv, Tensor<int> startPositions, Tensor<int> queryCounts, DecodeShape shape) =>
        throw new NotImplementedException("PLACEHOLDER");

    public void AttentionDecode(Tensor<float> output, Tensor<float> qkv, Tensor<float> keyCache, Tensor<float> valueCache, Tensor<int> startPositions, Tensor<int> queryCounts, DecodeShape shape) =>
        throw new NotImplementedException("PLACEHOLDER");
}
