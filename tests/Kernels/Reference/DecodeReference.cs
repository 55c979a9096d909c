using GoSeqZero.Kernels;

namespace GoSeqZero.Tests.Kernels.Reference;

/// <summary>
/// The definitions <see cref="IOps.KvCacheAppend"/> and <see cref="IOps.AttentionDecode"/> are checked against, loop by
/// loop in float64, and the full causal attention of a whole sequence (through <see cref="AttentionReference"/>) that
/// decoding over a cache must reproduce. Caches are [Batch, Heads, Capacity, HeadSize]; a chunk's qkv is
/// [Batch, Queries, 3·Channels] with the layout of <see cref="AttentionReference.Index"/>.
/// </summary>
public static class DecodeReference
{
    /// <summary>Where element d of head h at cache position <paramref name="position"/> of sequence b lives in a cache.</summary>
    public static long CacheIndex(DecodeShape shape, int b, int h, int position, int d) =>
        (((long)b * shape.Heads + h) * shape.Capacity + position) * shape.HeadSize + d;

    /// <summary>Where element d of head h of the query (part 0), key (1) or value (2) of slot i of sequence b lives in a chunk.</summary>
    public static long ChunkIndex(DecodeShape shape, int b, int i, int part, int h, int d) =>
        AttentionReference.Index(new AttentionShape(shape.Batch, shape.Queries, shape.Channels, shape.Heads), b, i, part, h, d);

    /// <summary>
    /// The caches after the append: copies of the inputs with the keys and values of slots 0..count[b]−1 written to
    /// positions start[b]... and every other element as it was.
    /// </summary>
    public static (float[] KeyCache, float[] ValueCache) Append(float[] keyCache, float[] valueCache, float[] qkv,
        int[] starts, int[] counts, DecodeShape shape)
    {
        var keys = (float[])keyCache.Clone();
        var values = (float[])valueCache.Clone();
        for (var b = 0; b < shape.Batch; b++)
        for (var i = 0; i < counts[b]; i++)
        for (var h = 0; h < shape.Heads; h++)
        for (var d = 0; d < shape.HeadSize; d++)
        {
            var target = CacheIndex(shape, b, h, starts[b] + i, d);
            keys[target] = qkv[ChunkIndex(shape, b, i, 1, h, d)];
            values[target] = qkv[ChunkIndex(shape, b, i, 2, h, d)];
        }
        return (keys, values);
    }

    /// <summary>
    /// The output [Batch, Queries, Channels] of decode attention over caches that already hold the chunk: query slot i of
    /// sequence b attends to cache positions 0..start[b]+i with scale 1/√headSize; slots from count[b] on are 0.
    /// </summary>
    public static double[] Decode(float[] qkv, float[] keyCache, float[] valueCache, int[] starts, int[] counts, DecodeShape shape)
    {
        var headSize = shape.HeadSize;
        var scale = 1.0 / Math.Sqrt(headSize);
        var output = new double[(long)shape.Batch * shape.Queries * shape.Channels];
        var scores = new double[shape.Capacity];
        for (var b = 0; b < shape.Batch; b++)
        for (var i = 0; i < counts[b]; i++)
        for (var h = 0; h < shape.Heads; h++)
        {
            var visible = starts[b] + i + 1;
            var max = double.NegativeInfinity;
            for (var s = 0; s < visible; s++)
            {
                var dot = 0.0;
                for (var d = 0; d < headSize; d++)
                    dot += (double)qkv[ChunkIndex(shape, b, i, 0, h, d)] * keyCache[CacheIndex(shape, b, h, s, d)];
                scores[s] = dot * scale;
                max = Math.Max(max, scores[s]);
            }
            var sum = 0.0;
            for (var s = 0; s < visible; s++) sum += Math.Exp(scores[s] - max);
            for (var d = 0; d < headSize; d++)
            {
                var value = 0.0;
                for (var s = 0; s < visible; s++) value += Math.Exp(scores[s] - max) / sum * valueCache[CacheIndex(shape, b, h, s, d)];
                output[((long)b * shape.Queries + i) * shape.Channels + h * headSize + d] = value;
            }
        }
        return output;
    }

    /// <summary>
    /// Full causal attention of head <paramref name="head"/> over one whole sequence (<paramref name="sequenceQkv"/>
    /// [length, 3·Channels]): its output columns [length, HeadSize], which decoding the same tokens over a cache must
    /// reproduce row by row. Heads are independent, so a check can compute them in parallel.
    /// </summary>
    public static double[] FullAttentionOfHead(float[] sequenceQkv, int length, int channels, int heads, int head)
    {
        var headSize = channels / heads;
        var single = new float[(long)length * 3 * headSize];
        for (var t = 0; t < length; t++)
        for (var part = 0; part < 3; part++)
            Array.Copy(sequenceQkv, (long)t * 3 * channels + part * channels + head * headSize, single, ((long)t * 3 + part) * headSize, headSize);
        return AttentionReference.Forward(single, new AttentionShape(1, length, headSize, 1)).Output;
    }
}
