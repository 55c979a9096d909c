using System.Runtime.Intrinsics;

namespace GoSeqZero.Kernels.Simd;

internal sealed unsafe partial class SimdOps
{
    /// <summary>The default attention tile: 64 queries by 64 keys keeps a head of 128 within a core's L2 in both passes.</summary>
    internal const int DefaultAttentionTile = 64;

    /// <summary>
    /// Queries (and keys) per attention tile; a multiple of 16 so tiles are whole vectors at either width. Tests lower it
    /// to reach many tiles, and partial ones, at small T.
    /// </summary>
    internal int AttentionTile
    {
        get;
        set => field = value >= 16 && value % 16 == 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), $"attention tile {value} is not a positive multiple of 16");
    } = DefaultAttentionTile;

    /// <summary>Threads one attention call may use; above the number of heads the backward splits each head's key tiles.</summary>
    internal int AttentionThreads { get; set; } = Environment.ProcessorCount;

    /// <summary>Runs the Vector256 kernels even where AVX-512 is present, so tests reach the fallback.</summary>
    internal bool AttentionForceVector256 { get; set; }

    public void AttentionForward(Tensor<float> output, Tensor<float> logSumExp, Tensor<float> qkv, AttentionShape shape)
    {
        AttentionArguments.CheckForward(output, logSumExp, qkv, shape);
        if (SimdCapabilities.HasVector512 && !AttentionForceVector256)
            Simd.AttentionForward.Run<Vector512<float>, AttentionVector512>(output.Pointer, logSumExp.Pointer, qkv.Pointer, shape, AttentionTile, AttentionThreads);
        else
            Simd.AttentionForward.Run<Vector256<float>, AttentionVector256>(output.Pointer, logSumExp.Pointer, qkv.Pointer, shape, AttentionTile, AttentionThreads);
    }

    public void AttentionBackward(Tensor<float> qkvGradient, Tensor<float> outputGradient, Tensor<float> output, Tensor<float> logSumExp, Tensor<float> qkv, AttentionShape shape)
    {
        AttentionArguments.CheckBackward(qkvGradient, outputGradient, output, logSumExp, qkv, shape);
        if (SimdCapabilities.HasVector512 && !AttentionForceVector256)
            Simd.AttentionBackward.Run<Vector512<float>, AttentionVector512>(qkvGradient.Pointer, outputGradient.Pointer, output.Pointer,
                logSumExp.Pointer, qkv.Pointer, shape, AttentionTile, AttentionThreads);
        else
            Simd.AttentionBackward.Run<Vector256<float>, AttentionVector256>(qkvGradient.Pointer, outputGradient.Pointer, output.Pointer,
                logSumExp.Pointer, qkv.Pointer, shape, AttentionTile, AttentionThreads);
    }
}
