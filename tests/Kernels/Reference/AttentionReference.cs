using GoSeqZero.Kernels;

namespace GoSeqZero.Tests.Kernels.Reference;

/// <summary>
/// Naive causal attention in float64 with the T×T probabilities materialised: the definition the fused kernels are
/// checked against. <c>qkv</c> is [Batch, Tokens, 3·Channels] (queries, keys, values; heads inside each), scale 1/√headSize.
/// </summary>
public static partial class AttentionReference
{
    /// <summary>Returns the output [Batch, Tokens, Channels] and the log-sum-exp [Batch, Heads, Tokens] of the scaled scores.</summary>
    public static (double[] Output, double[] LogSumExp) Forward(float[] qkv, AttentionShape shape)
    {
        var (batchCount, tokens, channels, heads) = shape;
        var headSize = shape.HeadSize;
        var scale = 1.0 / Math.Sqrt(headSize);
        var output = new double[(long)batchCount * tokens * channels];
        var logSumExp = new double[(long)batchCount * heads * tokens];
        var scores = new double[tokens];
        for (var b = 0; b < batchCount; b++)
        for (var h = 0; h < heads; h++)
        for (var t = 0; t < tokens; t++)
        {
            var max = double.NegativeInfinity;
            for (var s = 0; s <= t; s++)
            {
                var dot = 0.0;
                for (var d = 0; d < headSize; d++)
                    dot += (double)qkv[Index(shape, b, t, 0, h, d)] * qkv[Index(shape, b, s, 1, h, d)];
                scores[s] = dot * scale;
                max = Math.Max(max, scores[s]);
            }
            var sum = 0.0;
            for (var s = 0; s <= t; s++) sum += Math.Exp(scores[s] - max);
            logSumExp[((long)b * heads + h) * tokens + t] = max + Math.Log(sum);
            for (var d = 0; d < headSize; d++)
            {
                var value = 0.0;
                for (var s = 0; s <= t; s++) value += Math.Exp(scores[s] - max) / sum * qkv[Index(shape, b, s, 2, h, d)];
                output[((long)b * tokens + t) * channels + h * headSize + d] = value;
            }
        }
        return (output, logSumExp);
    }

    /// <summary>Where element d of head h of the query (part 0), key (1) or value (2) of token t of sequence b lives in qkv.</summary>
    public static long Index(AttentionShape shape, int b, int t, int part, int h, int d) =>
        ((long)b * shape.Tokens + t) * 3 * shape.Channels + part * shape.Channels + h * shape.HeadSize + d;
}
