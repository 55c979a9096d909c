using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace GoSeqZero.Kernels.Ilgpu;

/// <summary>
/// Fused causal attention for GPUs (FlashAttention-2's decomposition; see <see cref="AttentionTiling"/> for the sizes).
/// <list type="bullet">
/// <item><see cref="Forward"/>: a group per (query tile, sequence·head); key and value tiles staged in shared memory;
/// an online softmax per query row (running max and sum, the output accumulators rescaled once per key tile); the
/// log-sum-exp written for the backward.</item>
/// <item><see cref="QueryGradients"/>: a group per (query tile, sequence·head) streams key tiles, recomputes
/// <c>P = exp(S − lse)</c> and <c>dS = P ∘ (dO·Vᵀ − D)</c>, and adds <c>dQ = scale·dS·K</c>. It also writes
/// <c>D = rowsum(dO ∘ O)</c> for the next kernel.</item>
/// <item><see cref="KeyValueGradients"/>: a group per (key tile, sequence·head) streams the query tiles at and after its
/// diagonal and adds <c>dV = Pᵀ·dO</c> and <c>dK = scale·dSᵀ·Q</c>.</item>
/// </list>
/// Every group owns its output rows, so nothing is written twice and no atomics are needed; the price is that the
/// backward computes S and dP twice. Shared-memory rows are padded by one word where lanes read down a column (the
/// dot products), so a warp's reads fall in distinct banks. Rows past T and keys after the query are masked to
/// probability 0; padding rows stage zeros, so every value that meets a masked probability is finite.
/// </summary>
internal static class AttentionKernels
{
    public static int ForwardSharedFloats(int rows, int keys, int headSize) =>
        rows * (headSize + 1) + rows * headSize + keys * (headSize + 1) + keys * headSize + rows * (keys + 1);

    public static int QueryGradientSharedFloats(int rows, int keys, int headSize) =>
        2 * rows * (headSize + 1) + rows * headSize + 2 * keys * (headSize + 1) + rows * (keys + 1);

    public static int KeyValueGradientSharedFloats(int keys, int rows, int headSize) =>
        2 * keys * (headSize + 1) + 2 * keys * headSize + 2 * rows * (headSize + 1) + 2 * rows * (keys + 1) + 2 * rows;

    public static void Forward(ArrayView<float> qkv, ArrayView<float> output, ArrayView<float> logSumExp, AttentionShape shape,
        SpecializedValue<int> rowTileValue, SpecializedValue<int> keyTileValue, SpecializedValue<int> lanesValue)
    {
        int rowTile = rowTileValue, keyTile = keyTileValue, lanes = lanesValue;
        int tokens = shape.Tokens, channels = shape.Channels, headSize = shape.HeadSize, padded = headSize + 1;
        var shared = SharedMemory.GetDynamic<float>();
        var used = 0;
        var queries = Carve(shared, ref used, rowTile * padded);
        var accumulators = Carve(shared, ref used, rowTile * headSize);
        var keys = Carve(shared, ref used, keyTile * padded);
        var values = Carve(shared, ref used, keyTile * headSize);
        var probabilities = Carve(shared, ref used, rowTile * (keyTile + 1));

        var at = new QueryTileThread(shape, rowTile, lanes);
        int sequenceHead = at.SequenceHead, row = at.Row, lane = at.Lane, firstQuery = at.FirstQuery, query = at.Query;
        var hasRow = query < tokens;
        var rowStride = 3 * channels;
        var sequence = at.Head.Qkv;
        var scale = XMath.Rsqrt(headSize);

        for (var e = Group.IdxX; e < rowTile * headSize; e += Group.DimX)
        {
            int r = e / headSize, d = e % headSize, t = firstQuery + r;
            queries[r * padded + d] = t < tokens ? qkv[sequence + (long)t * rowStride + d] * scale : 0f;
            accumulators[e] = 0f;
        }

        var runningMax = float.NegativeInfinity;
        var runningSum = 0f;
        var lastQuery = XMath.Min(firstQuery + rowTile, tokens) - 1;
        for (var firstKey = 0; firstKey <= lastQuery; firstKey += keyTile)
        {
            // The previous tile's values are read until here (and the query tile is staged on the first pass).
            Group.Barrier();
            StageRows(qkv, sequence + channels, rowStride, firstKey, tokens, keyTile, headSize, keys, padded);
            StageRows(qkv, sequence + 2 * channels, rowStride, firstKey, tokens, keyTile, headSize, values, headSize);
            Group.Barrier();

            var tileMax = float.NegativeInfinity;
            for (var j = lane; j < keyTile; j += lanes)
            {
                var score = float.NegativeInfinity;
                if (hasRow && firstKey + j <= query) score = Dot(queries, row * padded, keys, j * padded, headSize);
                probabilities[row * (keyTile + 1) + j] = score;
                tileMax = XMath.Max(tileMax, score);
            }
            for (var offset = 1; offset < lanes; offset <<= 1) tileMax = XMath.Max(tileMax, Warp.ShuffleXor(tileMax, offset));
            var newMax = XMath.Max(runningMax, tileMax);
            // A row that sees no key of this tile (a padding row, or keys all ahead of it) keeps its state.
            var correction = newMax == float.NegativeInfinity ? 1f : XMath.Exp(runningMax - newMax);
            var tileSum = 0f;
            for (var j = lane; j < keyTile; j += lanes)
            {
                var index = row * (keyTile + 1) + j;
                var probability = probabilities[index] == float.NegativeInfinity ? 0f : XMath.Exp(probabilities[index] - newMax);
                probabilities[index] = probability;
                tileSum += probability;
            }
            for (var offset = 1; offset < lanes; offset <<= 1) tileSum += Warp.ShuffleXor(tileSum, offset);
            runningSum = runningSum * correction + tileSum;
            runningMax = newMax;
            Group.Barrier();

            for (var d = lane; d < headSize; d += lanes)
            {
                var sum = accumulators[row * headSize + d] * correction;
                for (var j = 0; j < keyTile; j++) sum += probabilities[row * (keyTile + 1) + j] * values[j * headSize + d];
                accumulators[row * headSize + d] = sum;
            }
        }

        if (!hasRow) return;
        var reciprocal = 1f / runningSum;
        var outputRow = at.Head.Output + (long)query * channels;
        for (var d = lane; d < headSize; d += lanes) output[outputRow + d] = accumulators[row * headSize + d] * reciprocal;
        if (lane == 0) logSumExp[(long)sequenceHead * tokens + query] = runningMax + XMath.Log(runningSum);
    }

    public static void QueryGradients(ArrayView<float> qkvGradient, ArrayView<float> rowTerms, ArrayView<float> outputGradient,
        ArrayView<float> output, ArrayView<float> logSumExp, ArrayView<float> qkv, AttentionShape shape,
        SpecializedValue<int> rowTileValue, SpecializedValue<int> keyTileValue, SpecializedValue<int> lanesValue)
    {
        int rowTile = rowTileValue, keyTile = keyTileValue, lanes = lanesValue;
        int tokens = shape.Tokens, channels = shape.Channels, headSize = shape.HeadSize, padded = headSize + 1;
        var shared = SharedMemory.GetDynamic<float>();
        var used = 0;
        var queries = Carve(shared, ref used, rowTile * padded);
        var outputGradients = Carve(shared, ref used, rowTile * padded);
        var accumulators = Carve(shared, ref used, rowTile * headSize);
        var keys = Carve(shared, ref used, keyTile * padded);
        var values = Carve(shared, ref used, keyTile * padded);
        var scoreGradients = Carve(shared, ref used, rowTile * (keyTile + 1));

        var at = new QueryTileThread(shape, rowTile, lanes);
        int sequenceHead = at.SequenceHead, row = at.Row, lane = at.Lane, firstQuery = at.FirstQuery, query = at.Query;
        var hasRow = query < tokens;
        var rowStride = 3 * channels;
        var sequence = at.Head.Qkv;
        var outputSequence = at.Head.Output;
        var scale = XMath.Rsqrt(headSize);

        for (var e = Group.IdxX; e < rowTile * headSize; e += Group.DimX)
        {
            int r = e / headSize, d = e % headSize, t = firstQuery + r;
            var inRange = t < tokens;
            queries[r * padded + d] = inRange ? qkv[sequence + (long)t * rowStride + d] * scale : 0f;
            outputGradients[r * padded + d] = inRange ? outputGradient[outputSequence + (long)t * channels + d] : 0f;
            accumulators[e] = 0f;
        }

        // D = dO·O for this row, split over the row's lanes.
        var rowTerm = 0f;
        if (hasRow)
            for (var d = lane; d < headSize; d += lanes)
                rowTerm += outputGradient[outputSequence + (long)query * channels + d] * output[outputSequence + (long)query * channels + d];
        for (var offset = 1; offset < lanes; offset <<= 1) rowTerm += Warp.ShuffleXor(rowTerm, offset);
        var rowLogSumExp = hasRow ? logSumExp[(long)sequenceHead * tokens + query] : 0f;
        if (hasRow && lane == 0) rowTerms[(long)sequenceHead * tokens + query] = rowTerm;

        var lastQuery = XMath.Min(firstQuery + rowTile, tokens) - 1;
        for (var firstKey = 0; firstKey <= lastQuery; firstKey += keyTile)
        {
            Group.Barrier();
            StageRows(qkv, sequence + channels, rowStride, firstKey, tokens, keyTile, headSize, keys, padded);
            StageRows(qkv, sequence + 2 * channels, rowStride, firstKey, tokens, keyTile, headSize, values, padded);
            Group.Barrier();

            for (var j = lane; j < keyTile; j += lanes)
            {
                var scoreGradient = 0f;
                if (hasRow && firstKey + j <= query)
                {
                    var probability = XMath.Exp(Dot(queries, row * padded, keys, j * padded, headSize) - rowLogSumExp);
                    scoreGradient = probability * (Dot(outputGradients, row * padded, values, j * padded, headSize) - rowTerm);
                }
                scoreGradients[row * (keyTile + 1) + j] = scoreGradient;
            }
            Group.Barrier();

            for (var d = lane; d < headSize; d += lanes)
            {
                var sum = accumulators[row * headSize + d];
                for (var j = 0; j < keyTile; j++) sum += scoreGradients[row * (keyTile + 1) + j] * keys[j * padded + d];
                accumulators[row * headSize + d] = sum;
            }
        }

        if (!hasRow) return;
        var gradientRow = sequence + (long)query * rowStride;
        for (var d = lane; d < headSize; d += lanes) qkvGradient[gradientRow + d] += scale * accumulators[row * headSize + d];
    }

    public static void KeyValueGradients(ArrayView<float> qkvGradient, ArrayView<float> rowTerms, ArrayView<float> outputGradient,
        ArrayView<float> logSumExp, ArrayView<float> qkv, AttentionShape shape,
        SpecializedValue<int> keyTileValue, SpecializedValue<int> rowTileValue, SpecializedValue<int> lanesValue)
    {
        int keyTile = keyTileValue, rowTile = rowTileValue, lanes = lanesValue;
        int tokens = shape.Tokens, channels = shape.Channels, headSize = shape.HeadSize, padded = headSize + 1;
        var shared = SharedMemory.GetDynamic<float>();
        var used = 0;
        var keys = Carve(shared, ref used, keyTile * padded);
        var values = Carve(shared, ref used, keyTile * padded);
        var keyGradients = Carve(shared, ref used, keyTile * headSize);
        var valueGradients = Carve(shared, ref used, keyTile * headSize);
        var queries = Carve(shared, ref used, rowTile * padded);
        var outputGradients = Carve(shared, ref used, rowTile * padded);
        var probabilities = Carve(shared, ref used, rowTile * (keyTile + 1));
        var scoreGradients = Carve(shared, ref used, rowTile * (keyTile + 1));
        var tileLogSumExp = Carve(shared, ref used, rowTile);
        var tileRowTerms = Carve(shared, ref used, rowTile);

        var keyTiles = (tokens + keyTile - 1) / keyTile;
        // The first key tiles are seen by the most queries: they are handed out first.
        var ownKeyTile = Grid.IdxX % keyTiles;
        var sequenceHead = Grid.IdxX / keyTiles;
        int column = Group.IdxX / lanes, lane = Group.IdxX % lanes;
        var firstKey = ownKeyTile * keyTile;
        var key = firstKey + column;
        var rowStride = 3 * channels;
        var offsets = new HeadOffsets(shape, sequenceHead);
        var sequence = offsets.Qkv;
        var outputSequence = offsets.Output;
        var scale = XMath.Rsqrt(headSize);

        StageRows(qkv, sequence + channels, rowStride, firstKey, tokens, keyTile, headSize, keys, padded);
        StageRows(qkv, sequence + 2 * channels, rowStride, firstKey, tokens, keyTile, headSize, values, padded);
        for (var e = Group.IdxX; e < keyTile * headSize; e += Group.DimX)
        {
            keyGradients[e] = 0f;
            valueGradients[e] = 0f;
        }

        for (var firstQuery = firstKey / rowTile * rowTile; firstQuery < tokens; firstQuery += rowTile)
        {
            Group.Barrier();
            for (var e = Group.IdxX; e < rowTile * headSize; e += Group.DimX)
            {
                int r = e / headSize, d = e % headSize, t = firstQuery + r;
                var inRange = t < tokens;
                queries[r * padded + d] = inRange ? qkv[sequence + (long)t * rowStride + d] * scale : 0f;
                outputGradients[r * padded + d] = inRange ? outputGradient[outputSequence + (long)t * channels + d] : 0f;
            }
            for (var r = Group.IdxX; r < rowTile; r += Group.DimX)
            {
                var inRange = firstQuery + r < tokens;
                tileLogSumExp[r] = inRange ? logSumExp[(long)sequenceHead * tokens + firstQuery + r] : 0f;
                tileRowTerms[r] = inRange ? rowTerms[(long)sequenceHead * tokens + firstQuery + r] : 0f;
            }
            Group.Barrier();

            for (var i = lane; i < rowTile; i += lanes)
            {
                var query = firstQuery + i;
                float probability = 0f, scoreGradient = 0f;
                if (query < tokens && key <= query)
                {
                    probability = XMath.Exp(Dot(queries, i * padded, keys, column * padded, headSize) - tileLogSumExp[i]);
                    scoreGradient = probability * (Dot(outputGradients, i * padded, values, column * padded, headSize) - tileRowTerms[i]);
                }
                probabilities[i * (keyTile + 1) + column] = probability;
                scoreGradients[i * (keyTile + 1) + column] = scoreGradient;
            }
            Group.Barrier();

            for (var d = lane; d < headSize; d += lanes)
            {
                float keySum = keyGradients[column * headSize + d], valueSum = valueGradients[column * headSize + d];
                for (var i = 0; i < rowTile; i++)
                {
                    valueSum += probabilities[i * (keyTile + 1) + column] * outputGradients[i * padded + d];
                    keySum += scoreGradients[i * (keyTile + 1) + column] * queries[i * padded + d];
                }
                keyGradients[column * headSize + d] = keySum;
                valueGradients[column * headSize + d] = valueSum;
            }
        }

        if (key >= tokens) return;
        var gradientRow = sequence + (long)key * rowStride;
        for (var d = lane; d < headSize; d += lanes)
        {
            qkvGradient[gradientRow + channels + d] += keyGradients[column * headSize + d];
            qkvGradient[gradientRow + 2 * channels + d] += valueGradients[column * headSize + d];
        }
    }

    /// <summary>Where one sequence·head starts: its first query in qkv (keys and values follow at +C and +2C) and its first output row.</summary>
    private readonly struct HeadOffsets
    {
        public readonly long Qkv, Output;

        public HeadOffsets(AttentionShape shape, int sequenceHead)
        {
            int batch = sequenceHead / shape.Heads, head = sequenceHead % shape.Heads, headSize = shape.HeadSize;
            Qkv = (long)batch * shape.Tokens * (3 * shape.Channels) + head * headSize;
            Output = (long)batch * shape.Tokens * shape.Channels + head * headSize;
        }
    }

    /// <summary>
    /// A thread of a group that owns a query tile: its row of the tile and lane in the row, and the tile's sequence·head.
    /// Groups are numbered tile-fastest, the last query tiles (they see the most keys) handed out first.
    /// </summary>
    private readonly struct QueryTileThread
    {
        public readonly int SequenceHead, Row, Lane, FirstQuery, Query;
        public readonly HeadOffsets Head;

        public QueryTileThread(AttentionShape shape, int rowTile, int lanes)
        {
            var queryTiles = (shape.Tokens + rowTile - 1) / rowTile;
            SequenceHead = Grid.IdxX / queryTiles;
            Row = Group.IdxX / lanes;
            Lane = Group.IdxX % lanes;
            FirstQuery = (queryTiles - 1 - Grid.IdxX % queryTiles) * rowTile;
            Query = FirstQuery + Row;
            Head = new HeadOffsets(shape, SequenceHead);
        }
    }

    /// <summary>
    /// Copies <paramref name="count"/> rows of one head (keys or values of tokens from <paramref name="first"/>) into shared
    /// memory with the whole group, consecutive threads on consecutive elements; rows past T are staged as zeros.
    /// </summary>
    private static void StageRows(ArrayView<float> qkv, long partOffset, int rowStride, int first, int tokens, int count, int headSize,
        ArrayView<float> target, int targetStride)
    {
        for (var e = Group.IdxX; e < count * headSize; e += Group.DimX)
        {
            int j = e / headSize, d = e % headSize, t = first + j;
            target[j * targetStride + d] = t < tokens ? qkv[partOffset + (long)t * rowStride + d] : 0f;
        }
    }

    /// <summary>The next <paramref name="length"/> floats of the group's dynamic shared memory.</summary>
    private static ArrayView<float> Carve(ArrayView<float> shared, ref int used, int length)
    {
        var view = shared.SubView(used, length);
        used += length;
        return view;
    }

    private static float Dot(ArrayView<float> left, int leftStart, ArrayView<float> right, int rightStart, int length)
    {
        var sum = 0f;
        for (var d = 0; d < length; d++) sum += left[leftStart + d] * right[rightStart + d];
        return sum;
    }
}
