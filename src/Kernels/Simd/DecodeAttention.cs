using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace GoSeqZero.Kernels.Simd;

/// <summary>
/// Decode attention on the CPU. One work item per (sequence, head); per query one pass over its visible cache rows in
/// blocks of <see cref="BlockKeys"/> keys with an online softmax: the scores of a block, then the running max and sum
/// rescaled once per block (not per key), then the block's values accumulated with the accumulators in registers.
/// Scratch is one block of scores, one head of accumulators and the scaled query on the stack, whatever the cache length.
/// The generic kernels are compiled fully optimised on first use (AggressiveOptimization): until tiering recompiles them,
/// unoptimised generic code calls every lane operation out of line (measured 30× slower on a busy machine).
/// </summary>
internal static unsafe class DecodeAttention
{
    /// <summary>Keys per online-softmax block: a multiple of 16 so the exponentials run whole vectors.</summary>
    private const int BlockKeys = 64;

    /// <summary>Below this many multiply-adds a call stays on the calling thread: Parallel.For would cost more than it saves.</summary>
    private const long ParallelMultiplyAdds = 1 << 16;

    /// <summary>The pointers and sizes of one call, copied into every work item.</summary>
    internal readonly struct Arguments(float* output, float* qkv, float* keyCache, float* valueCache, int* starts, int* counts,
        DecodeShape shape, bool useVector512)
    {
        public readonly float* Output = output, Qkv = qkv, KeyCache = keyCache, ValueCache = valueCache;
        public readonly int* Starts = starts, Counts = counts;
        public readonly DecodeShape Shape = shape;
        public readonly bool UseVector512 = useVector512;
    }

    /// <summary>Copies the keys and values of each sequence's first count[b] queries into cache rows start[b]...</summary>
    public static void Append(float* keyCache, float* valueCache, float* qkv, int* starts, int* counts, DecodeShape shape)
    {
        var (batch, queries, channels, heads, capacity) = shape;
        var headSize = shape.HeadSize;
        var bytes = headSize * sizeof(float);
        for (var b = 0; b < batch; b++)
        for (var i = 0; i < counts[b]; i++)
        {
            var source = qkv + ((long)b * queries + i) * 3 * channels;
            for (var h = 0; h < heads; h++)
            {
                var row = (((long)b * heads + h) * capacity + starts[b] + i) * headSize;
                Buffer.MemoryCopy(source + channels + h * headSize, keyCache + row, bytes, bytes);
                Buffer.MemoryCopy(source + 2 * channels + h * headSize, valueCache + row, bytes, bytes);
            }
        }
    }

    public static void Attend(Arguments arguments)
    {
        var shape = arguments.Shape;
        long multiplyAdds = 0;
        for (var b = 0; b < shape.Batch; b++)
            multiplyAdds += (long)arguments.Counts[b] * (arguments.Starts[b] + arguments.Counts[b]) * shape.Channels * 2;
        var items = shape.Batch * shape.Heads;
        if (multiplyAdds < ParallelMultiplyAdds)
            for (var item = 0; item < items; item++) AttendHead(arguments, item);
        else
            Parallel.For(0, items, item => AttendHead(arguments, item));
    }

    private static void AttendHead(in Arguments arguments, int item)
    {
        var (_, queries, channels, heads, capacity) = arguments.Shape;
        var headSize = arguments.Shape.HeadSize;
        int b = item / heads, h = item % heads;
        var scores = stackalloc float[BlockKeys];
        var accumulators = stackalloc float[AttentionShape.MaxHeadSize];
        var scaledQuery = stackalloc float[AttentionShape.MaxHeadSize];
        var cacheOffset = ((long)b * heads + h) * capacity * headSize;
        var keys = arguments.KeyCache + cacheOffset;
        var values = arguments.ValueCache + cacheOffset;
        var scale = 1 / MathF.Sqrt(headSize);
        int start = arguments.Starts[b], count = arguments.Counts[b];
        for (var i = 0; i < queries; i++)
        {
            var output = arguments.Output + ((long)b * queries + i) * channels + h * headSize;
            if (i >= count)
            {
                new Span<float>(output, headSize).Clear();
                continue;
            }
            var query = arguments.Qkv + ((long)b * queries + i) * 3 * channels + h * headSize;
            for (var d = 0; d < headSize; d++) scaledQuery[d] = query[d] * scale;
            if (arguments.UseVector512) AttendQuery<Lanes512>(scaledQuery, keys, values, start + i + 1, headSize, output, scores, accumulators);
            else AttendQuery<Lanes256>(scaledQuery, keys, values, start + i + 1, headSize, output, scores, accumulators);
        }
    }

    /// <summary>Softmax(q·kᵀ)·V over the first <paramref name="visible"/> cache rows (q already scaled), written to <paramref name="output"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AttendQuery<TLanes>(float* query, float* keys, float* values, int visible, int headSize,
        float* output, float* scores, float* accumulators) where TLanes : unmanaged, ILanes<TLanes>
    {
        var runningMax = float.NegativeInfinity;
        var runningSum = 0f;
        new Span<float>(accumulators, headSize).Clear();
        for (var blockStart = 0; blockStart < visible; blockStart += BlockKeys)
        {
            var blockKeys = Math.Min(BlockKeys, visible - blockStart);
            Scores<TLanes>(query, keys + (long)blockStart * headSize, blockKeys, headSize, scores);
            // Scores past the block's end become exp(−∞) = 0, so the max and the exponentials run whole vectors.
            var padded = (blockKeys + 15) & ~15;
            for (var j = blockKeys; j < padded; j++) scores[j] = float.NegativeInfinity;
            var blockMax = Max<TLanes>(scores, padded);
            if (blockMax > runningMax)
            {
                // exp(−∞) = 0 on the first block: nothing accumulated yet.
                var rescale = MathF.Exp(runningMax - blockMax);
                runningSum *= rescale;
                for (var d = 0; d < headSize; d++) accumulators[d] *= rescale;
                runningMax = blockMax;
            }
            runningSum += Exponentials<TLanes>(scores, padded, runningMax);
            Accumulate<TLanes>(accumulators, scores, values + (long)blockStart * headSize, blockKeys, headSize);
        }
        var reciprocal = 1 / runningSum;
        for (var d = 0; d < headSize; d++) output[d] = accumulators[d] * reciprocal;
    }

    /// <summary>
    /// scores[j] = q·k_j for the block's keys, four at a time: four independent FMA chains share each load of q, and
    /// one horizontal-add tree reduces the four sums (one reduction per key costs more than its multiply-adds at head size 32).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Scores<TLanes>(float* query, float* rows, int keys, int headSize, float* scores) where TLanes : unmanaged, ILanes<TLanes>
    {
        var width = TLanes.Count;
        var j = 0;
        for (; j + 4 <= keys; j += 4)
        {
            var row = rows + (long)j * headSize;
            TLanes s0 = TLanes.Zero, s1 = TLanes.Zero, s2 = TLanes.Zero, s3 = TLanes.Zero;
            var d = 0;
            for (; d + width <= headSize; d += width)
            {
                var q = TLanes.Load(query + d);
                s0 = TLanes.MultiplyAdd(q, TLanes.Load(row + d), s0);
                s1 = TLanes.MultiplyAdd(q, TLanes.Load(row + headSize + d), s1);
                s2 = TLanes.MultiplyAdd(q, TLanes.Load(row + 2 * headSize + d), s2);
                s3 = TLanes.MultiplyAdd(q, TLanes.Load(row + 3 * headSize + d), s3);
            }
            (SumEach(s0.FoldTo256(), s1.FoldTo256(), s2.FoldTo256(), s3.FoldTo256()) + TailDots(query, row, headSize, d)).Store(scores + j);
        }
        for (; j < keys; j++)
        {
            var row = rows + (long)j * headSize;
            var sum = TLanes.Zero;
            var d = 0;
            for (; d + width <= headSize; d += width) sum = TLanes.MultiplyAdd(TLanes.Load(query + d), TLanes.Load(row + d), sum);
            scores[j] = sum.Sum() + TailDot(query, row, headSize, d);
        }
    }

    /// <summary>The sums of the lanes of a, b, c and d, as one vector: two rounds of horizontal adds and one add of the halves.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> SumEach(Vector256<float> a, Vector256<float> b, Vector256<float> c, Vector256<float> d)
    {
        if (!Avx.IsSupported) return Vector128.Create(Vector256.Sum(a), Vector256.Sum(b), Vector256.Sum(c), Vector256.Sum(d));
        var pairs = Avx.HorizontalAdd(Avx.HorizontalAdd(a, b), Avx.HorizontalAdd(c, d));
        return pairs.GetLower() + pairs.GetUpper();
    }

    /// <summary>The products of dimensions <paramref name="first"/>.. (past the vector body) of four consecutive rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> TailDots(float* query, float* row, int headSize, int first) =>
        first == headSize
            ? Vector128<float>.Zero
            : Vector128.Create(TailDot(query, row, headSize, first), TailDot(query, row + headSize, headSize, first),
                TailDot(query, row + 2 * headSize, headSize, first), TailDot(query, row + 3 * headSize, headSize, first));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float TailDot(float* query, float* row, int headSize, int first)
    {
        var sum = 0f;
        for (var d = first; d < headSize; d++) sum += query[d] * row[d];
        return sum;
    }

    /// <summary>The largest of <paramref name="count"/> scores, a multiple of 16.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Max<TLanes>(float* scores, int count) where TLanes : unmanaged, ILanes<TLanes>
    {
        var max = TLanes.Broadcast(float.NegativeInfinity);
        for (var j = 0; j < count; j += TLanes.Count) max = TLanes.Max(max, TLanes.Load(scores + j));
        return max.Maximum();
    }

    /// <summary>Replaces each score s by exp(s − max) and returns their sum; <paramref name="count"/> is a multiple of 16.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Exponentials<TLanes>(float* scores, int count, float max) where TLanes : unmanaged, ILanes<TLanes>
    {
        var sum = TLanes.Zero;
        var shift = TLanes.Broadcast(max);
        for (var j = 0; j < count; j += TLanes.Count)
        {
            var p = LanesMath.Exp(TLanes.Load(scores + j) - shift);
            p.Store(scores + j);
            sum += p;
        }
        return sum.Sum();
    }

    /// <summary>
    /// accumulators += Σ_j weights[j]·values[j]: dimensions in slabs of up to four vectors kept in registers across
    /// the block's keys, so the accumulators are loaded and stored once per block.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Accumulate<TLanes>(float* accumulators, float* weights, float* values, int keys, int headSize)
        where TLanes : unmanaged, ILanes<TLanes>
    {
        var width = TLanes.Count;
        var d = 0;
        for (; d + 4 * width <= headSize; d += 4 * width)
        {
            var a0 = TLanes.Load(accumulators + d);
            var a1 = TLanes.Load(accumulators + d + width);
            var a2 = TLanes.Load(accumulators + d + 2 * width);
            var a3 = TLanes.Load(accumulators + d + 3 * width);
            var row = values + d;
            for (var j = 0; j < keys; j++, row += headSize)
            {
                var w = TLanes.Broadcast(weights[j]);
                a0 = TLanes.MultiplyAdd(w, TLanes.Load(row), a0);
                a1 = TLanes.MultiplyAdd(w, TLanes.Load(row + width), a1);
                a2 = TLanes.MultiplyAdd(w, TLanes.Load(row + 2 * width), a2);
                a3 = TLanes.MultiplyAdd(w, TLanes.Load(row + 3 * width), a3);
            }
            a0.Store(accumulators + d);
            a1.Store(accumulators + d + width);
            a2.Store(accumulators + d + 2 * width);
            a3.Store(accumulators + d + 3 * width);
        }
        for (; d + 2 * width <= headSize; d += 2 * width)
        {
            var a0 = TLanes.Load(accumulators + d);
            var a1 = TLanes.Load(accumulators + d + width);
            var row = values + d;
            for (var j = 0; j < keys; j++, row += headSize)
            {
                var w = TLanes.Broadcast(weights[j]);
                a0 = TLanes.MultiplyAdd(w, TLanes.Load(row), a0);
                a1 = TLanes.MultiplyAdd(w, TLanes.Load(row + width), a1);
            }
            a0.Store(accumulators + d);
            a1.Store(accumulators + d + width);
        }
        for (; d + width <= headSize; d += width)
        {
            var a0 = TLanes.Load(accumulators + d);
            var row = values + d;
            for (var j = 0; j < keys; j++, row += headSize) a0 = TLanes.MultiplyAdd(TLanes.Broadcast(weights[j]), TLanes.Load(row), a0);
            a0.Store(accumulators + d);
        }
        AccumulateScalar(accumulators, weights, values, keys, headSize, d);
    }

    /// <summary>The dimensions from <paramref name="firstDimension"/> on, when the head size is not a multiple of the vector width.</summary>
    private static void AccumulateScalar(float* accumulators, float* weights, float* values, int keys, int headSize, int firstDimension)
    {
        for (var d = firstDimension; d < headSize; d++)
        {
            var sum = accumulators[d];
            for (var j = 0; j < keys; j++) sum = MathF.FusedMultiplyAdd(weights[j], values[(long)j * headSize + d], sum);
            accumulators[d] = sum;
        }
    }
}
