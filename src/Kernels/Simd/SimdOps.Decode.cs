namespace GoSeqZero.Kernels.Simd;

internal sealed unsafe partial class SimdOps
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the sequence when a start position or count does not fit the cache.</summary>
    public void KvCacheAppend(Tensor<float> keyCache, Tensor<float> valueCache, Tensor<float> qkv, Tensor<int> startPositions, Tensor<int> queryCounts, DecodeShape shape)
    {
        DecodeArguments.CheckTensors(shape, keyCache, valueCache, qkv, startPositions, queryCounts, output: null);
        DecodeArguments.CheckPositions(shape, startPositions.Span, queryCounts.Span);
        DecodeAttention.Append(keyCache.Pointer, valueCache.Pointer, qkv.Pointer, startPositions.Pointer, queryCounts.Pointer, shape);
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the sequence when a start position or count does not fit the cache.</summary>
    public void AttentionDecode(Tensor<float> output, Tensor<float> qkv, Tensor<float> keyCache, Tensor<float> valueCache, Tensor<int> startPositions, Tensor<int> queryCounts, DecodeShape shape)
    {
        DecodeArguments.CheckTensors(shape, keyCache, valueCache, qkv, startPositions, queryCounts, output);
        DecodeArguments.CheckPositions(shape, startPositions.Span, queryCounts.Span);
        DecodeAttention.Attend(new DecodeAttention.Arguments(output.Pointer, qkv.Pointer, keyCache.Pointer, valueCache.Pointer,
            startPositions.Pointer, queryCounts.Pointer, shape, Options.UsesVector512));
    }
}
