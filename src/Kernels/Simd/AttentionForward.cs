using System.Buffers;
using System.Runtime.CompilerServices;

namespace GoSeqZero.Kernels.Simd;

/// <summary>
/// Fused causal attention forward on the CPU: per (sequence, head, query tile) the key tiles up to the diagonal are
/// streamed through an online softmax (running max and sum per row), so no T×T matrix exists; the row's log-sum-exp
/// is saved for the backward. Tiles are <c>tile</c> queries by <c>tile</c> keys, aligned, so only the diagonal tile is masked.
/// The keys are transposed (and scaled by 1/√headSize) once per call into a [sequence·head][headSize][T] buffer, so the
/// query tiles share them instead of each transposing every key tile again.
/// </summary>
internal static unsafe class AttentionForwardKernel
{
    public static void Run<TLanes>(float* output, float* logSumExp, float* qkv, AttentionShape shape, int tile, int threads)
        where TLanes : unmanaged, ILanes<TLanes>
    {
        var tiles = (shape.Tokens + tile - 1) / tile;
        var heads = shape.Batch * shape.Heads;
        var paddedTokens = tiles * tile;
        var options = new ParallelOptions { MaxDegreeOfParallelism = threads };
        var keysTransposed = ArrayPool<float>.Shared.Rent(checked(heads * shape.HeadSize * paddedTokens));
        try
        {
            fixed (float* keys = keysTransposed)
            {
                var pointers = new AttentionPointers(qkv, output, logSumExp, keys, paddedTokens);
                Parallel.For(0, heads, options, sequenceHead => TransposeKeys(pointers, shape, sequenceHead));
                Parallel.For(0, heads * tiles, options, task =>
                {
                    // The last query tiles see the most keys: handing them out first keeps the threads finishing together.
                    var queryTile = tiles - 1 - task % tiles;
                    var sequenceHead = task / tiles;
                    QueryTile<TLanes>(pointers, shape, tile, sequenceHead / shape.Heads, sequenceHead % shape.Heads, queryTile);
                });
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(keysTransposed);
        }
    }

    /// <summary>Kᵀ of one (sequence, head) times 1/√headSize, zero past T up to whole tiles.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransposeKeys(AttentionPointers pointers, AttentionShape shape, int sequenceHead)
    {
        int batch = sequenceHead / shape.Heads, head = sequenceHead % shape.Heads, headSize = shape.HeadSize;
        long rowStride = 3L * shape.Channels;
        var key = pointers.Qkv + (long)batch * shape.Tokens * rowStride + shape.Channels + head * headSize;
        var target = pointers.KeysTransposed + (long)sequenceHead * headSize * pointers.PaddedTokens;
        AttentionTiles.LoadTransposed(key, rowStride, shape.Tokens, headSize, 1 / MathF.Sqrt(headSize), target, pointers.PaddedTokens, pointers.PaddedTokens);
    }

    /// <summary>Scratch floats per thread: queries, values, accumulators, scores, row max and sum.</summary>
    private static int ScratchFloats(int tile, int paddedHeadSize) => 3 * tile * paddedHeadSize + tile * tile + 2 * tile;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void QueryTile<TLanes>(AttentionPointers pointers, AttentionShape shape, int tile, int batch, int head, int queryTile)
        where TLanes : unmanaged, ILanes<TLanes>
    {
        int tokens = shape.Tokens, channels = shape.Channels, headSize = shape.HeadSize, width = TLanes.Count;
        var ld = AttentionTiles.RoundUp(headSize, width);
        long rowStride = 3L * channels;
        var firstQuery = queryTile * tile;
        var rows = Math.Min(tile, tokens - firstQuery);
        var paddedRows = AttentionTiles.RoundUp(rows, 4);

        var scratch = AttentionScratch.ForThisThread(ScratchFloats(tile, ld));
        float* queries = scratch, values = queries + tile * ld, accumulators = values + tile * ld;
        float* scores = accumulators + tile * ld, rowMax = scores + tile * tile, rowSum = rowMax + tile;

        var query = pointers.Qkv + (long)batch * tokens * rowStride + head * headSize;
        var value = query + 2 * channels;
        var keysTransposed = pointers.KeysTransposed + ((long)batch * shape.Heads + head) * headSize * pointers.PaddedTokens;
        AttentionTiles.LoadRows<TLanes>(query + firstQuery * rowStride, rowStride, rows, headSize, 1, queries, ld, paddedRows);
        new Span<float>(accumulators, paddedRows * ld).Clear();
        new Span<float>(rowMax, tile).Fill(float.NegativeInfinity);
        new Span<float>(rowSum, tile).Clear();

        for (var keyTile = 0; keyTile <= queryTile; keyTile++)
        {
            var firstKey = keyTile * tile;
            var keys = Math.Min(tile, tokens - firstKey);
            var paddedKeys = AttentionTiles.RoundUp(keys, width);
            AttentionTiles.LoadRows<TLanes>(value + firstKey * rowStride, rowStride, keys, headSize, 1, values, ld, keys);
            AttentionTiles.Multiply<TLanes>(queries, ld, 1, keysTransposed + firstKey, pointers.PaddedTokens, scores, tile,
                paddedRows, paddedKeys, headSize, accumulate: false);

            for (var row = 0; row < paddedRows; row++)
            {
                var score = scores + row * tile;
                if (row >= rows)
                {
                    new Span<float>(score, paddedKeys).Clear();
                    continue;
                }
                var visible = keyTile == queryTile ? row + 1 : keys;
                for (var j = visible; j < paddedKeys; j++) score[j] = float.NegativeInfinity;
                var maxVector = TLanes.Load(score);
                for (var j = width; j < paddedKeys; j += width) maxVector = TLanes.Max(maxVector, TLanes.Load(score + j));
                var newMax = MathF.Max(rowMax[row], maxVector.Maximum());
                var correction = MathF.Exp(rowMax[row] - newMax);
                var shift = TLanes.Broadcast(newMax);
                var sumVector = TLanes.Zero;
                for (var j = 0; j < paddedKeys; j += width)
                {
                    var p = LanesMath.Exp(TLanes.Load(score + j) - shift);
                    p.Store(score + j);
                    sumVector += p;
                }
                rowSum[row] = rowSum[row] * correction + sumVector.Sum();
                rowMax[row] = newMax;
                if (correction != 1)
                {
                    var factor = TLanes.Broadcast(correction);
                    var accumulator = accumulators + row * ld;
                    for (var d = 0; d < ld; d += width) (TLanes.Load(accumulator + d) * factor).Store(accumulator + d);
                }
            }
            AttentionTiles.Multiply<TLanes>(scores, tile, 1, values, ld, accumulators, ld, paddedRows, ld, keys, accumulate: true);
        }

        var outputRows = pointers.Output + ((long)batch * tokens + firstQuery) * channels + head * headSize;
        var logSumExpRow = pointers.LogSumExp + ((long)batch * shape.Heads + head) * tokens + firstQuery;
        for (var row = 0; row < rows; row++)
        {
            var inverse = 1 / rowSum[row];
            float* accumulator = accumulators + row * ld, target = outputRows + (long)row * channels;
            for (var d = 0; d < headSize; d++) target[d] = accumulator[d] * inverse;
            logSumExpRow[row] = rowMax[row] + MathF.Log(rowSum[row]);
        }
    }
}

/// <summary>The raw buffers of one forward call, in a struct so the Parallel.For bodies can carry them.</summary>
internal readonly unsafe struct AttentionPointers(float* qkv, float* output, float* logSumExp, float* keysTransposed, int paddedTokens)
{
    public float* Qkv { get; } = qkv;
    public float* Output { get; } = output;
    public float* LogSumExp { get; } = logSumExp;

    /// <summary>[sequence·head][headSize][<see cref="PaddedTokens"/>], scaled by 1/√headSize.</summary>
    public float* KeysTransposed { get; } = keysTransposed;

    public int PaddedTokens { get; } = paddedTokens;
}
