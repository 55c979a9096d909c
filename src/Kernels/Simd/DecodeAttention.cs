using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace GoSeqZero.Kernels.Simd;

/// <summary>
/// Decode attention on the CPU. One work item per (sequence, head); per query one pass over its visible cache rows in
/// blocks of <see cref="BlockKeys"/> keys with an online softmax: the scores of a block, then the running max and sum
/// rescaled once per block (not per key), then the block's values accumulated with the accumulators in registers.
/// Scratch is one block of scores and one head of accumulators on the stack, whatever the cache length.
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
            AttendQuery(query, keys, values, start + i + 1, headSize, scale, output, scores, accumulators, arguments.UseVector512);
        }
    }

    /// <summary>Softmax(q·kᵀ·scale)·V over the first <paramref name="visible"/> cache rows, written to <paramref name="output"/>.</summary>
    private static void AttendQuery(float* query, float* keys, float* values, int visible, int headSize, float scale,
        float* output, float* scores, float* accumulators, bool useVector512)
    {
        var runningMax = float.NegativeInfinity;
        var runningSum = 0f;
        new Span<float>(accumulators, headSize).Clear();
        for (var blockStart = 0; blockStart < visible; blockStart += BlockKeys)
        {
            var blockKeys = Math.Min(BlockKeys, visible - blockStart);
            var blockMax = float.NegativeInfinity;
            for (var j = 0; j < blockKeys; j++)
            {
                var key = keys + (long)(blockStart + j) * headSize;
                var score = (useVector512 ? Dot512(query, key, headSize) : Dot256(query, key, headSize)) * scale;
                scores[j] = score;
                blockMax = Math.Max(blockMax, score);
            }
            if (blockMax > runningMax)
            {
                // exp(−∞) = 0 on the first block: nothing accumulated yet.
                var rescale = MathF.Exp(runningMax - blockMax);
                runningSum *= rescale;
                for (var d = 0; d < headSize; d++) accumulators[d] *= rescale;
                runningMax = blockMax;
            }
            // Scores past the block's end become exp(−∞) = 0, so the exponentials run whole vectors.
            var padded = (blockKeys + 15) & ~15;
            for (var j = blockKeys; j < padded; j++) scores[j] = float.NegativeInfinity;
            var blockValues = values + (long)blockStart * headSize;
            if (useVector512)
            {
                runningSum += Exponentials512(scores, padded, runningMax);
                Accumulate512(accumulators, scores, blockValues, blockKeys, headSize);
            }
            else
            {
                runningSum += Exponentials256(scores, padded, runningMax);
                Accumulate256(accumulators, scores, blockValues, blockKeys, headSize);
            }
        }
        var reciprocal = 1 / runningSum;
        for (var d = 0; d < headSize; d++) output[d] = accumulators[d] * reciprocal;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dot512(float* x, float* y, int length)
    {
        var sum = Vector512<float>.Zero;
        var d = 0;
        for (; d + 16 <= length; d += 16) sum = Vector512.FusedMultiplyAdd(Vector512.Load(x + d), Vector512.Load(y + d), sum);
        var result = Vector512.Sum(sum);
        for (; d < length; d++) result += x[d] * y[d];
        return result;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dot256(float* x, float* y, int length)
    {
        var sum = Vector256<float>.Zero;
        var d = 0;
        for (; d + 8 <= length; d += 8) sum = Vector256.FusedMultiplyAdd(Vector256.Load(x + d), Vector256.Load(y + d), sum);
        var result = Vector256.Sum(sum);
        for (; d < length; d++) result += x[d] * y[d];
        return result;
    }

    /// <summary>Replaces each score s by exp(s − max) and returns their sum; <paramref name="count"/> is a multiple of 16.</summary>
    private static float Exponentials512(float* scores, int count, float max)
    {
        var sum = Vector512<float>.Zero;
        var shift = Vector512.Create(max);
        for (var j = 0; j < count; j += 16)
        {
            var p = Vector512.Exp(Vector512.Load(scores + j) - shift);
            p.Store(scores + j);
            sum += p;
        }
        return Vector512.Sum(sum);
    }

    private static float Exponentials256(float* scores, int count, float max)
    {
        var sum = Vector256<float>.Zero;
        var shift = Vector256.Create(max);
        for (var j = 0; j < count; j += 8)
        {
            var p = Vector256.Exp(Vector256.Load(scores + j) - shift);
            p.Store(scores + j);
            sum += p;
        }
        return Vector256.Sum(sum);
    }

    /// <summary>
    /// accumulators += Σ_j weights[j]·values[j]: dimensions in slabs of up to four vectors kept in registers across
    /// the block's keys, so the accumulators are loaded and stored once per block.
    /// </summary>
    private static void Accumulate512(float* accumulators, float* weights, float* values, int keys, int headSize)
    {
        var d = 0;
        for (; d + 64 <= headSize; d += 64)
        {
            var a0 = Vector512.Load(accumulators + d);
            var a1 = Vector512.Load(accumulators + d + 16);
            var a2 = Vector512.Load(accumulators + d + 32);
            var a3 = Vector512.Load(accumulators + d + 48);
            var row = values + d;
            for (var j = 0; j < keys; j++, row += headSize)
            {
                var w = Vector512.Create(weights[j]);
                a0 = Vector512.FusedMultiplyAdd(w, Vector512.Load(row), a0);
                a1 = Vector512.FusedMultiplyAdd(w, Vector512.Load(row + 16), a1);
                a2 = Vector512.FusedMultiplyAdd(w, Vector512.Load(row + 32), a2);
                a3 = Vector512.FusedMultiplyAdd(w, Vector512.Load(row + 48), a3);
            }
            a0.Store(accumulators + d);
            a1.Store(accumulators + d + 16);
            a2.Store(accumulators + d + 32);
            a3.Store(accumulators + d + 48);
        }
        for (; d + 32 <= headSize; d += 32)
        {
            var a0 = Vector512.Load(accumulators + d);
            var a1 = Vector512.Load(accumulators + d + 16);
            var row = values + d;
            for (var j = 0; j < keys; j++, row += headSize)
            {
                var w = Vector512.Create(weights[j]);
                a0 = Vector512.FusedMultiplyAdd(w, Vector512.Load(row), a0);
                a1 = Vector512.FusedMultiplyAdd(w, Vector512.Load(row + 16), a1);
            }
            a0.Store(accumulators + d);
            a1.Store(accumulators + d + 16);
        }
        for (; d + 16 <= headSize; d += 16)
        {
            var a0 = Vector512.Load(accumulators + d);
            var row = values + d;
            for (var j = 0; j < keys; j++, row += headSize) a0 = Vector512.FusedMultiplyAdd(Vector512.Create(weights[j]), Vector512.Load(row), a0);
            a0.Store(accumulators + d);
        }
        AccumulateScalar(accumulators, weights, values, keys, headSize, d);
    }

    private static void Accumulate256(float* accumulators, float* weights, float* values, int keys, int headSize)
    {
        var d = 0;
        for (; d + 32 <= headSize; d += 32)
        {
            var a0 = Vector256.Load(accumulators + d);
            var a1 = Vector256.Load(accumulators + d + 8);
            var a2 = Vector256.Load(accumulators + d + 16);
            var a3 = Vector256.Load(accumulators + d + 24);
            var row = values + d;
            for (var j = 0; j < keys; j++, row += headSize)
            {
                var w = Vector256.Create(weights[j]);
                a0 = Vector256.FusedMultiplyAdd(w, Vector256.Load(row), a0);
                a1 = Vector256.FusedMultiplyAdd(w, Vector256.Load(row + 8), a1);
                a2 = Vector256.FusedMultiplyAdd(w, Vector256.Load(row + 16), a2);
                a3 = Vector256.FusedMultiplyAdd(w, Vector256.Load(row + 24), a3);
            }
            a0.Store(accumulators + d);
            a1.Store(accumulators + d + 8);
            a2.Store(accumulators + d + 16);
            a3.Store(accumulators + d + 24);
        }
        for (; d + 8 <= headSize; d += 8)
        {
            var a0 = Vector256.Load(accumulators + d);
            var row = values + d;
            for (var j = 0; j < keys; j++, row += headSize) a0 = Vector256.FusedMultiplyAdd(Vector256.Create(weights[j]), Vector256.Load(row), a0);
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
