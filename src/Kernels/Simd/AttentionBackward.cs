using System.Buffers;
using System.Runtime.CompilerServices;

namespace GoSeqZero.Kernels.Simd;

/// <summary>
/// Fused causal attention backward on the CPU (FlashAttention-2's order): key tiles outer, query tiles from the diagonal
/// down inner. For each pair the probabilities are recomputed from the saved log-sum-exp,
/// <c>P = exp(S − lse)</c>, <c>dS = P ∘ (dO·Vᵀ − D)</c> with <c>D_i = dO_i·O_i</c>, and
/// <c>dV += Pᵀ·dO</c>, <c>dK += scale·dSᵀ·Q</c>, <c>dQ += scale·dS·K</c>.
/// <para>
/// Every task owns whole key tiles of one (sequence, head), so no two threads write the same dK/dV rows. dQ rows
/// are summed over key tiles: when one task holds all key tiles of a head it adds into the gradient directly; when
/// there are more threads than heads, a head's key tiles are dealt to several tasks and all but the first add into
/// per-task dQ buffers (T × headSize each, never T×T) that are summed into the gradient afterwards.
/// </para>
/// </summary>
internal static unsafe class AttentionBackwardKernel
{
    public static void Run<TLanes>(float* qkvGradient, float* outputGradient, float* output, float* logSumExp, float* qkv,
        AttentionShape shape, int tile, int threads)
        where TLanes : unmanaged, ILanes<TLanes>
    {
        var heads = shape.Batch * shape.Heads;
        var tiles = (shape.Tokens + tile - 1) / tile;
        var groups = Math.Clamp((threads + heads - 1) / heads, 1, tiles);
        var options = new ParallelOptions { MaxDegreeOfParallelism = threads };
        var rowTermLength = heads * shape.Tokens;
        var partialLength = groups > 1 ? (long)heads * (groups - 1) * shape.Tokens * shape.HeadSize : 0;
        var rowTerms = ArrayPool<float>.Shared.Rent(rowTermLength);
        var partials = groups > 1 ? ArrayPool<float>.Shared.Rent(checked((int)partialLength)) : null;
        try
        {
            fixed (float* rowTermPointer = rowTerms)
            fixed (float* partialPointer = partials)
            {
                var buffers = new BackwardPointers(qkvGradient, outputGradient, output, logSumExp, qkv, rowTermPointer, partialPointer);
                Parallel.For(0, heads, options, sequenceHead => RowTerms(buffers, shape, sequenceHead));
                if (partials is not null) Array.Clear(partials, 0, (int)partialLength);
                Parallel.For(0, heads * groups, options, task =>
                    KeyTiles<TLanes>(buffers, shape, tile, groups, task / groups, task % groups));
                if (partials is not null) Parallel.For(0, heads, options, sequenceHead => AddPartials(buffers, shape, groups, sequenceHead));
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rowTerms);
            if (partials is not null) ArrayPool<float>.Shared.Return(partials);
        }
    }

    /// <summary><c>D[b, h, t] = Σ_d dO[b, t, h, d]·O[b, t, h, d]</c>, the rowsum(P ∘ dP) term of the softmax backward.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowTerms(BackwardPointers buffers, AttentionShape shape, int sequenceHead)
    {
        int batch = sequenceHead / shape.Heads, head = sequenceHead % shape.Heads, headSize = shape.HeadSize;
        for (var t = 0; t < shape.Tokens; t++)
        {
            var offset = ((long)batch * shape.Tokens + t) * shape.Channels + head * headSize;
            float* gradient = buffers.OutputGradient + offset, value = buffers.Output + offset;
            var sum = 0f;
            for (var d = 0; d < headSize; d++) sum += gradient[d] * value[d];
            buffers.RowTerms[(long)sequenceHead * shape.Tokens + t] = sum;
        }
    }

    /// <summary>
    /// Scratch floats per thread: transposed keys and values, scaled keys, dK and dV accumulators, queries, dO and dQ
    /// tiles (rows padded to the vector width), P and dS tiles, and the tile's log-sum-exp and D values.
    /// </summary>
    private static int ScratchFloats(int tile, int headSize, int paddedHeadSize) =>
        2 * headSize * tile + 6 * tile * paddedHeadSize + 2 * tile * tile + 2 * tile;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void KeyTiles<TLanes>(BackwardPointers buffers, AttentionShape shape, int tile, int groups, int sequenceHead, int group)
        where TLanes : unmanaged, ILanes<TLanes>
    {
        int tokens = shape.Tokens, channels = shape.Channels, headSize = shape.HeadSize, width = TLanes.Count;
        int batch = sequenceHead / shape.Heads, head = sequenceHead % shape.Heads;
        var ld = AttentionTiles.RoundUp(headSize, width);
        long rowStride = 3L * channels;
        var scale = 1 / MathF.Sqrt(headSize);
        var tiles = (tokens + tile - 1) / tile;

        var scratch = AttentionScratch.ForThisThread(ScratchFloats(tile, headSize, ld));
        float* keysTransposed = scratch, valuesTransposed = keysTransposed + headSize * tile;
        float* scaledKeys = valuesTransposed + headSize * tile, keyGradients = scaledKeys + tile * ld, valueGradients = keyGradients + tile * ld;
        float* queries = valueGradients + tile * ld, outputGradients = queries + tile * ld, queryGradients = outputGradients + tile * ld;
        float* probabilities = queryGradients + tile * ld, scoreGradients = probabilities + tile * tile;
        float* tileLogSumExp = scoreGradients + tile * tile, tileRowTerms = tileLogSumExp + tile;

        var sequenceOffset = (long)batch * tokens * rowStride + head * headSize;
        float* query = buffers.Qkv + sequenceOffset, key = query + channels, value = query + 2 * channels;
        float* queryGradient = buffers.QkvGradient + sequenceOffset, keyGradient = queryGradient + channels, valueGradient = queryGradient + 2 * channels;
        var outputGradient = buffers.OutputGradient + (long)batch * tokens * channels + head * headSize;
        var logSumExp = buffers.LogSumExp + (long)sequenceHead * tokens;
        var rowTerms = buffers.RowTerms + (long)sequenceHead * tokens;

        // Group 0 adds dQ into the gradient; the others into their own buffer, summed in afterwards.
        var queryGradientTarget = group == 0 ? queryGradient : buffers.Partials + ((long)sequenceHead * (groups - 1) + group - 1) * tokens * headSize;
        var queryGradientStride = group == 0 ? rowStride : headSize;

        for (var keyTile = group; keyTile < tiles; keyTile += groups)
        {
            var firstKey = keyTile * tile;
            var keys = Math.Min(tile, tokens - firstKey);
            var paddedKeys = AttentionTiles.RoundUp(keys, width);
            var keyRows = AttentionTiles.RoundUp(keys, 4);
            AttentionTiles.LoadTransposed(key + firstKey * rowStride, rowStride, keys, headSize, 1, keysTransposed, tile, paddedKeys);
            AttentionTiles.LoadTransposed(value + firstKey * rowStride, rowStride, keys, headSize, 1, valuesTransposed, tile, paddedKeys);
            AttentionTiles.LoadRows<TLanes>(key + firstKey * rowStride, rowStride, keys, headSize, scale, scaledKeys, ld, keys);
            new Span<float>(keyGradients, keyRows * ld).Clear();
            new Span<float>(valueGradients, keyRows * ld).Clear();

            for (var queryTile = keyTile; queryTile < tiles; queryTile++)
            {
                var firstQuery = queryTile * tile;
                var rows = Math.Min(tile, tokens - firstQuery);
                var paddedRows = AttentionTiles.RoundUp(rows, 4);
                AttentionTiles.LoadRows<TLanes>(query + firstQuery * rowStride, rowStride, rows, headSize, scale, queries, ld, paddedRows);
                AttentionTiles.LoadRows<TLanes>(outputGradient + (long)firstQuery * channels, channels, rows, headSize, 1, outputGradients, ld, paddedRows);
                new ReadOnlySpan<float>(logSumExp + firstQuery, rows).CopyTo(new Span<float>(tileLogSumExp, rows));
                new ReadOnlySpan<float>(rowTerms + firstQuery, rows).CopyTo(new Span<float>(tileRowTerms, rows));

                AttentionTiles.Multiply<TLanes>(queries, ld, 1, keysTransposed, tile, probabilities, tile, paddedRows, paddedKeys, headSize, accumulate: false);
                AttentionTiles.Multiply<TLanes>(outputGradients, ld, 1, valuesTransposed, tile, scoreGradients, tile, paddedRows, paddedKeys, headSize, accumulate: false);
                for (var row = 0; row < paddedRows; row++)
                {
                    float* p = probabilities + row * tile, dS = scoreGradients + row * tile;
                    if (row >= rows)
                    {
                        new Span<float>(p, paddedKeys).Clear();
                        new Span<float>(dS, paddedKeys).Clear();
                        continue;
                    }
                    var visible = queryTile == keyTile ? row + 1 : keys;
                    for (var j = visible; j < paddedKeys; j++) p[j] = float.NegativeInfinity;
                    var shift = TLanes.Broadcast(tileLogSumExp[row]);
                    var rowTerm = TLanes.Broadcast(tileRowTerms[row]);
                    for (var j = 0; j < paddedKeys; j += width)
                    {
                        var probability = LanesMath.Exp(TLanes.Load(p + j) - shift);
                        probability.Store(p + j);
                        (probability * (TLanes.Load(dS + j) - rowTerm)).Store(dS + j);
                    }
                }
                // Pᵀ and dSᵀ are read in place through swapped strides.
                AttentionTiles.Multiply<TLanes>(probabilities, 1, tile, outputGradients, ld, valueGradients, ld, keyRows, ld, rows, accumulate: true);
                AttentionTiles.Multiply<TLanes>(scoreGradients, 1, tile, queries, ld, keyGradients, ld, keyRows, ld, rows, accumulate: true);
                AttentionTiles.Multiply<TLanes>(scoreGradients, tile, 1, scaledKeys, ld, queryGradients, ld, paddedRows, ld, keys, accumulate: false);
                AttentionTiles.AddRows(queryGradients, ld, rows, headSize, queryGradientTarget + firstQuery * queryGradientStride, queryGradientStride);
            }
            AttentionTiles.AddRows(keyGradients, ld, keys, headSize, keyGradient + firstKey * rowStride, rowStride);
            AttentionTiles.AddRows(valueGradients, ld, keys, headSize, valueGradient + firstKey * rowStride, rowStride);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddPartials(BackwardPointers buffers, AttentionShape shape, int groups, int sequenceHead)
    {
        int batch = sequenceHead / shape.Heads, head = sequenceHead % shape.Heads, headSize = shape.HeadSize;
        long rowStride = 3L * shape.Channels;
        var queryGradient = buffers.QkvGradient + (long)batch * shape.Tokens * rowStride + head * headSize;
        for (var group = 1; group < groups; group++)
        {
            var partial = buffers.Partials + ((long)sequenceHead * (groups - 1) + group - 1) * shape.Tokens * headSize;
            AttentionTiles.AddRows(partial, headSize, shape.Tokens, headSize, queryGradient, rowStride);
        }
    }

    private readonly struct BackwardPointers(float* qkvGradient, float* outputGradient, float* output, float* logSumExp, float* qkv,
        float* rowTerms, float* partials)
    {
        public float* QkvGradient { get; } = qkvGradient;
        public float* OutputGradient { get; } = outputGradient;
        public float* Output { get; } = output;
        public float* LogSumExp { get; } = logSumExp;
        public float* Qkv { get; } = qkv;
        public float* RowTerms { get; } = rowTerms;
        public float* Partials { get; } = partials;
    }
}
