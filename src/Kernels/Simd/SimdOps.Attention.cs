namespace GoSeqZero.Kernels.Simd;

internal sealed unsafe partial class SimdOps
{
    /// <summary>
    /// Queries (and keys) per attention tile, a multiple of 16 so tiles are whole vectors at either width; null picks by
    /// length: 128 from T = 1024 on (measured 20–30% faster there, one thread, head sizes 64 and 128), else 64 (less work
    /// wasted in the half-masked diagonal tiles, more tiles to share out). Tests set it low to reach many tiles at small T.
    /// Scratch per thread stays within a core's L2: under 700 KB at tile 128 and head size 128.
    /// </summary>
    internal int? AttentionTile
    {
        get;
        set => field = value is null or >= 16 and <= 128 && value % 16 == 0
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), $"attention tile {value} is not a multiple of 16 from 16 to 128");
    }

    private int AttentionTileFor(AttentionShape shape) => AttentionTile ?? (shape.Tokens >= 1024 ? 128 : 64);

    /// <summary>Threads one attention call may use; above the number of heads the backward splits each head's key tiles.</summary>
    internal int AttentionThreads { get; set; } = Environment.ProcessorCount;

    /// <summary>Runs the Vector256 kernels even where AVX-512 is present, so tests reach the fallback.</summary>
    internal bool AttentionForceVector256 { get; set; }

    public void AttentionForward(Tensor<float> output, Tensor<float> logSumExp, Tensor<float> qkv, AttentionShape shape)
    {
        AttentionArguments.CheckForward(output, logSumExp, qkv, shape);
        if (SimdCapabilities.HasVector512 && !AttentionForceVector256)
            AttentionForwardKernel.Run<Lanes512>(output.Pointer, logSumExp.Pointer, qkv.Pointer, shape, AttentionTileFor(shape), AttentionThreads);
        else
            AttentionForwardKernel.Run<Lanes256>(output.Pointer, logSumExp.Pointer, qkv.Pointer, shape, AttentionTileFor(shape), AttentionThreads);
    }

    public void AttentionBackward(Tensor<float> qkvGradient, Tensor<float> outputGradient, Tensor<float> output, Tensor<float> logSumExp, Tensor<float> qkv, AttentionShape shape)
    {
        AttentionArguments.CheckBackward(qkvGradient, outputGradient, output, logSumExp, qkv, shape);
        if (SimdCapabilities.HasVector512 && !AttentionForceVector256)
            AttentionBackwardKernel.Run<Lanes512>(qkvGradient.Pointer, outputGradient.Pointer, output.Pointer,
                logSumExp.Pointer, qkv.Pointer, shape, AttentionTileFor(shape), AttentionThreads);
        else
            AttentionBackwardKernel.Run<Lanes256>(qkvGradient.Pointer, outputGradient.Pointer, output.Pointer,
                logSumExp.Pointer, qkv.Pointer, shape, AttentionTileFor(shape), AttentionThreads);
    }
}
