namespace GoSeqZero.Kernels;

/// <summary>
/// The argument checks of <see cref="IOps.KvCacheAppend"/> and <see cref="IOps.AttentionDecode"/>, shared by both
/// implementations. Sizes are checked everywhere (a kernel given a short buffer would read or write out of bounds);
/// the start positions and counts only where they sit in host memory (the SIMD path): on a GPU they are the caller's
/// contract, and the kernels there turn a violation into NaN outputs instead of stray writes.
/// </summary>
internal static class DecodeArguments
{
    /// <summary>Checks the shape and that every tensor is large enough for it; <paramref name="output"/> is null for the append.</summary>
    public static void CheckTensors(DecodeShape shape, Tensor<float> keyCache, Tensor<float> valueCache, Tensor<float> qkv,
        Tensor<int> startPositions, Tensor<int> queryCounts, Tensor<float>? output)
    {
        shape.Validate();
        var cacheLength = (long)shape.Batch * shape.Heads * shape.Capacity * shape.HeadSize;
        var chunkRows = (long)shape.Batch * shape.Queries;
        Need("keyCache", keyCache.Length, cacheLength, "Batch·Heads·Capacity·HeadSize", shape);
        Need("valueCache", valueCache.Length, cacheLength, "Batch·Heads·Capacity·HeadSize", shape);
        Need("qkv", qkv.Length, chunkRows * 3 * shape.Channels, "Batch·Queries·3·Channels", shape);
        Need("startPositions", startPositions.Length, shape.Batch, "Batch", shape);
        Need("queryCounts", queryCounts.Length, shape.Batch, "Batch", shape);
        if (output is not null) Need("output", output.Length, chunkRows * shape.Channels, "Batch·Queries·Channels", shape);
    }

    /// <summary>
    /// Checks, for every sequence b, that <c>0 ≤ count[b] ≤ Queries</c> and that the rows
    /// <c>start[b] .. start[b]+count[b]−1</c> lie inside the cache.
    /// </summary>
    public static void CheckPositions(DecodeShape shape, ReadOnlySpan<int> starts, ReadOnlySpan<int> counts)
    {
        for (var b = 0; b < shape.Batch; b++)
        {
            int start = starts[b], count = counts[b];
            if (count < 0 || count > shape.Queries)
                throw new ArgumentException(
                    $"sequence {b}: query count {count} is outside 0..{shape.Queries} (the chunk has {shape.Queries} query slots)", "queryCounts");
            if (start < 0)
                throw new ArgumentException($"sequence {b}: start position {start} is negative", "startPositions");
            if (start > shape.Capacity - count)
                throw new ArgumentException(
                    $"sequence {b}: start position {start} + count {count} = {(long)start + count} exceeds the cache capacity {shape.Capacity} " +
                    $"(the new tokens need cache rows {start}..{(long)start + count - 1}, the last row is {shape.Capacity - 1})", "startPositions");
        }
    }

    private static void Need(string name, long length, long needed, string formula, DecodeShape shape)
    {
        if (length < needed)
            throw new ArgumentException($"{name} has {length} elements; {shape} needs {formula} = {needed}", name);
    }
}
