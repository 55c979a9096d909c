using GoSeqZero.Kernels;
using GoSeqZero.Tests.Kernels.Reference;

namespace GoSeqZero.Tests.Kernels.Checks;

/// <summary>
/// Checks of <see cref="IOps.KvCacheAppend"/> + <see cref="IOps.AttentionDecode"/>: decoding whole sequences over a
/// cache, one token or one ragged chunk at a time, reproduces float64 full causal attention row by row; padding slots
/// come out 0 and cache rows past start + count keep their poison. Every batch is ragged: sequences of different lengths
/// at different positions, some with nothing to do in a step.
/// </summary>
public static class DecodeChecks
{
    /// <summary>Queries are drawn wider than keys and values so the softmax is far from uniform and its running max moves.</summary>
    private const float QueryRange = 3;

    public static IEnumerable<KernelCase> Cases(bool large)
    {
        if (!large)
        {
            yield return TokenByToken(new DecodeShape(Batch: 3, Queries: 1, Channels: 8, Heads: 2, Capacity: 24));
            yield return TokenByToken(new DecodeShape(Batch: 3, Queries: 1, Channels: 8, Heads: 1, Capacity: 16));
            yield return ChunkedPrefill(new DecodeShape(Batch: 3, Queries: 5, Channels: 12, Heads: 2, Capacity: 20));
            // A head of 40: vector bodies plus tails on the SIMD path, more than four dimensions per lane on the emulator.
            yield return ChunkedPrefill(new DecodeShape(Batch: 2, Queries: 3, Channels: 40, Heads: 1, Capacity: 12));
            yield return UnwrittenRowsAndSlots(new DecodeShape(Batch: 3, Queries: 4, Channels: 16, Heads: 2, Capacity: 16));
            // One step over up to 150 keys: several online-softmax blocks and Parallel.For on the SIMD path, many rounds per team on the emulator.
            yield return UnwrittenRowsAndSlots(new DecodeShape(Batch: 2, Queries: 4, Channels: 64, Heads: 2, Capacity: 150));
        }
        else
        {
            yield return TokenByToken(new DecodeShape(Batch: 8, Queries: 1, Channels: 256, Heads: 8, Capacity: 1024));
            yield return ChunkedPrefill(new DecodeShape(Batch: 8, Queries: 64, Channels: 256, Heads: 4, Capacity: 2048));
            yield return ChunkedPrefill(new DecodeShape(Batch: 8, Queries: 256, Channels: 256, Heads: 2, Capacity: 4096));
            yield return UnwrittenRowsAndSlots(new DecodeShape(Batch: 8, Queries: 16, Channels: 512, Heads: 4, Capacity: 1024));
        }
    }

    /// <summary>
    /// Single-token decoding (Queries = 1): sequence b joins a few steps late and stops at its own length, so the starts
    /// differ within every step; each step's output rows must equal the full attention rows of those tokens.
    /// </summary>
    private static KernelCase TokenByToken(DecodeShape shape) => new(
        $"decode token by token equals full attention (ragged lengths, staggered starts) {Describe(shape)}",
        (device, seed) =>
        {
            var random = new Random(seed);
            var what = $"decode token by token {Describe(shape)}, seed {seed}";
            var lengths = RaggedLengths(random, shape);
            var delays = KernelCheck.Integers(random, shape.Batch, 0, 4);
            var sequences = RandomSequences(random, shape, lengths);
            var references = FullAttention(shape, sequences, lengths);
            using var session = new DecodeSession(device, shape);
            var steps = Enumerable.Range(0, shape.Batch).Max(b => delays[b] + lengths[b]);
            var starts = new int[shape.Batch];
            var counts = new int[shape.Batch];
            for (var step = 0; step < steps; step++)
            {
                for (var b = 0; b < shape.Batch; b++)
                {
                    var token = step - delays[b];
                    starts[b] = Math.Clamp(token, 0, lengths[b]);
                    counts[b] = token >= 0 && token < lengths[b] ? 1 : 0;
                }
                var output = session.Step(Chunk(shape, sequences, starts, counts), starts, counts);
                KernelCheck.AssertClose(ExpectedRows(shape, references, starts, counts), output, KernelCheck.Rtol, Atol(shape),
                    $"{what}: step {step}, starts [{string.Join(", ", starts)}], counts [{string.Join(", ", counts)}]");
            }
            session.AssertCachesHold(sequences, lengths, what);
        });

    /// <summary>
    /// Chunked prefill: each step gives every sequence a chunk of 0..Queries forced tokens (ragged, some empty); the
    /// outputs must equal the full attention rows, and the outputs of the same tokens decoded one at a time.
    /// </summary>
    private static KernelCase ChunkedPrefill(DecodeShape shape) => new(
        $"chunked prefill equals token-by-token decoding and full attention (ragged counts, empty chunks) {Describe(shape)}",
        (device, seed) =>
        {
            var random = new Random(seed);
            var what = $"chunked prefill {Describe(shape)}, seed {seed}";
            var lengths = RaggedLengths(random, shape);
            var sequences = RandomSequences(random, shape, lengths);
            var references = FullAttention(shape, sequences, lengths);
            var atol = Atol(shape);

            var chunkedRows = DecodeAll(device, shape, sequences, lengths, references, atol, $"{what}, chunks",
                (b, position) => position == lengths[b] || random.Next(5) == 0 ? 0 : random.Next(1, Math.Min(shape.Queries, lengths[b] - position) + 1));
            var tokenRows = DecodeAll(device, shape with { Queries = 1 }, sequences, lengths, references, atol, $"{what}, token by token",
                (b, position) => position == lengths[b] ? 0 : 1);
            for (var b = 0; b < shape.Batch; b++)
                KernelCheck.AssertClose(KernelCheck.ToDouble(tokenRows[b]), chunkedRows[b], KernelCheck.Rtol, 2 * atol,
                    $"{what}: sequence {b}, chunked rows against token-by-token rows");
        });

    /// <summary>
    /// One ragged step over caches that hold earlier tokens below each start and NaN from start on: the output equals the
    /// float64 definition, padding slots are exactly 0, and the append writes rows start..start+count−1 and nothing else.
    /// </summary>
    private static KernelCase UnwrittenRowsAndSlots(DecodeShape shape) => new(
        $"slots past count are zero and cache rows past start + count are untouched {Describe(shape)}",
        (device, seed) =>
        {
            var random = new Random(seed);
            var what = $"unwritten rows and slots {Describe(shape)}, seed {seed}";
            var (batch, queries, channels, heads, capacity) = shape;
            var headSize = shape.HeadSize;
            var counts = KernelCheck.Integers(random, batch, 0, queries + 1);
            counts[0] = queries;
            counts[1] = 0;
            var starts = new int[batch];
            for (var b = 0; b < batch; b++) starts[b] = random.Next(0, capacity - counts[b] + 1);
            starts[0] = capacity - queries; // the chunk ends on the cache's last row

            var keyCache = new float[(long)batch * heads * capacity * headSize];
            var valueCache = new float[keyCache.Length];
            Array.Fill(keyCache, float.NaN);
            Array.Fill(valueCache, float.NaN);
            for (var b = 0; b < batch; b++)
            for (var h = 0; h < heads; h++)
            for (var position = 0; position < starts[b]; position++)
            for (var d = 0; d < headSize; d++)
            {
                var index = DecodeReference.CacheIndex(shape, b, h, position, d);
                keyCache[index] = 2 * random.NextSingle() - 1;
                valueCache[index] = 2 * random.NextSingle() - 1;
            }
            // Finite values in the padding slots too: an append that copied them over the NaN rows would show.
            var chunk = new float[(long)batch * queries * 3 * channels];
            RandomToken(random, chunk, channels);

            using var session = new DecodeSession(device, shape);
            session.KeyCache.CopyFrom(keyCache);
            session.ValueCache.CopyFrom(valueCache);
            var output = session.Step(chunk, starts, counts);

            var (expectedKeys, expectedValues) = DecodeReference.Append(keyCache, valueCache, chunk, starts, counts, shape);
            var expected = DecodeReference.Decode(chunk, expectedKeys, expectedValues, starts, counts, shape);
            var context = $"{what}, starts [{string.Join(", ", starts)}], counts [{string.Join(", ", counts)}]";
            KernelCheck.AssertClose(expected, output, KernelCheck.Rtol, Atol(shape), $"{context}: output");
            for (var b = 0; b < batch; b++)
            for (var i = counts[b]; i < queries; i++)
            for (var c = 0; c < channels; c++)
            {
                var value = output[((long)b * queries + i) * channels + c];
                if (BitConverter.SingleToInt32Bits(value) != 0)
                    throw new KernelCheckException($"{context}: slot {i} of sequence {b} is past its count {counts[b]} but channel {c} holds {value:g9}, not 0");
            }
            AssertSameCache(shape, expectedKeys, session.KeyCache.ToArray(), $"{context}: key cache");
            AssertSameCache(shape, expectedValues, session.ValueCache.ToArray(), $"{context}: value cache");
        });

    /// <summary>
    /// Decodes every sequence to its end, each step taking <paramref name="nextCount"/>(b, position) tokens of sequence b,
    /// checks each step against the full attention rows, and returns the output rows of each sequence [length, Channels].
    /// </summary>
    private static float[][] DecodeAll(Device device, DecodeShape shape, float[][] sequences, int[] lengths, double[][] references,
        double atol, string what, Func<int, int, int> nextCount)
    {
        var channels = shape.Channels;
        var rows = lengths.Select(length => new float[(long)length * channels]).ToArray();
        using var session = new DecodeSession(device, shape);
        var starts = new int[shape.Batch];
        var counts = new int[shape.Batch];
        for (var step = 0; starts.Where((start, b) => start < lengths[b]).Any(); step++)
        {
            for (var b = 0; b < shape.Batch; b++) counts[b] = nextCount(b, starts[b]);
            var output = session.Step(Chunk(shape, sequences, starts, counts), starts, counts);
            KernelCheck.AssertClose(ExpectedRows(shape, references, starts, counts), output, KernelCheck.Rtol, atol,
                $"{what}: step {step}, starts [{string.Join(", ", starts)}], counts [{string.Join(", ", counts)}]");
            for (var b = 0; b < shape.Batch; b++)
            {
                Array.Copy(output, (long)b * shape.Queries * channels, rows[b], (long)starts[b] * channels, (long)counts[b] * channels);
                starts[b] += counts[b];
            }
        }
        session.AssertCachesHold(sequences, lengths, what);
        return rows;
    }

    /// <summary>Caches poisoned with NaN and the chunk's tensors, on one device, for a run of decode steps.</summary>
    private sealed class DecodeSession : IDisposable
    {
        private readonly Device _device;
        private readonly DecodeShape _shape;
        private readonly Tensor<float> _qkv, _output;
        private readonly Tensor<int> _starts, _counts;

        public DecodeSession(Device device, DecodeShape shape)
        {
            _device = device;
            _shape = shape;
            KeyCache = KernelCheck.Poisoned(device, shape.Batch, shape.Heads, shape.Capacity, shape.HeadSize);
            ValueCache = KernelCheck.Poisoned(device, shape.Batch, shape.Heads, shape.Capacity, shape.HeadSize);
            _qkv = device.Allocate<float>(shape.Batch, shape.Queries, 3 * shape.Channels);
            _output = device.Allocate<float>(shape.Batch, shape.Queries, shape.Channels);
            _starts = device.Allocate<int>(shape.Batch);
            _counts = device.Allocate<int>(shape.Batch);
        }

        public Tensor<float> KeyCache { get; }
        public Tensor<float> ValueCache { get; }

        /// <summary>Appends the chunk's keys and values, then decodes it into a poisoned output; returns the output [Batch, Queries, Channels].</summary>
        public float[] Step(float[] chunk, int[] starts, int[] counts)
        {
            _qkv.CopyFrom(chunk);
            _starts.CopyFrom(starts);
            _counts.CopyFrom(counts);
            KernelCheck.Poison(_output);
            _device.Ops.KvCacheAppend(KeyCache, ValueCache, _qkv, _starts, _counts, _shape);
            _device.Ops.AttentionDecode(_output, _qkv, KeyCache, ValueCache, _starts, _counts, _shape);
            return _output.ToArray();
        }

        /// <summary>After whole sequences went through: rows below each length hold its keys and values, every other row its NaN.</summary>
        public void AssertCachesHold(float[][] sequences, int[] lengths, string what)
        {
            var keys = new float[KeyCache.Length];
            var values = new float[ValueCache.Length];
            Array.Fill(keys, float.NaN);
            Array.Fill(values, float.NaN);
            var channels = _shape.Channels;
            for (var b = 0; b < _shape.Batch; b++)
            for (var h = 0; h < _shape.Heads; h++)
            for (var position = 0; position < lengths[b]; position++)
            for (var d = 0; d < _shape.HeadSize; d++)
            {
                var source = (long)position * 3 * channels + h * _shape.HeadSize + d;
                keys[DecodeReference.CacheIndex(_shape, b, h, position, d)] = sequences[b][source + channels];
                values[DecodeReference.CacheIndex(_shape, b, h, position, d)] = sequences[b][source + 2 * channels];
            }
            AssertSameCache(_shape, keys, KeyCache.ToArray(), $"{what}: key cache after the last step");
            AssertSameCache(_shape, values, ValueCache.ToArray(), $"{what}: value cache after the last step");
        }

        public void Dispose()
        {
            KeyCache.Dispose();
            ValueCache.Dispose();
            _qkv.Dispose();
            _output.Dispose();
            _starts.Dispose();
            _counts.Dispose();
        }
    }

    /// <summary>Caches are copies: every element must have exactly the expected bits (NaN stays NaN).</summary>
    private static void AssertSameCache(DecodeShape shape, float[] expected, float[] actual, string what)
    {
        for (long index = 0; index < expected.Length; index++)
        {
            if (BitConverter.SingleToInt32Bits(expected[index]) == BitConverter.SingleToInt32Bits(actual[index])) continue;
            var d = (int)(index % shape.HeadSize);
            var position = (int)(index / shape.HeadSize % shape.Capacity);
            var h = (int)(index / ((long)shape.HeadSize * shape.Capacity) % shape.Heads);
            var b = (int)(index / ((long)shape.HeadSize * shape.Capacity * shape.Heads));
            throw new KernelCheckException(
                $"{what}: sequence {b}, head {h}, position {position}, dimension {d} holds {actual[index]:g9}, expected {expected[index]:g9}");
        }
    }

    /// <summary>Lengths between half the capacity and all of it; sequence 0 fills the cache to its last row.</summary>
    private static int[] RaggedLengths(Random random, DecodeShape shape)
    {
        var lengths = KernelCheck.Integers(random, shape.Batch, shape.Capacity / 2, shape.Capacity + 1);
        lengths[0] = shape.Capacity;
        return lengths;
    }

    /// <summary>Each sequence as qkv rows [length, 3·Channels].</summary>
    private static float[][] RandomSequences(Random random, DecodeShape shape, int[] lengths) =>
        lengths.Select(length =>
        {
            var sequence = new float[(long)length * 3 * shape.Channels];
            RandomToken(random, sequence, shape.Channels);
            return sequence;
        }).ToArray();

    /// <summary>Fills whole qkv rows: queries in ±<see cref="QueryRange"/>, keys and values in ±1.</summary>
    private static void RandomToken(Random random, Span<float> rows, int channels)
    {
        for (var index = 0; index < rows.Length; index++)
        {
            var range = index % (3 * channels) < channels ? QueryRange : 1;
            rows[index] = range * (2 * random.NextSingle() - 1);
        }
    }

    /// <summary>Full causal attention rows [length, Channels] of each sequence, heads in parallel: at the large shapes this is most of a check's time.</summary>
    private static double[][] FullAttention(DecodeShape shape, float[][] sequences, int[] lengths)
    {
        var (batch, _, channels, heads, _) = shape;
        var headSize = shape.HeadSize;
        var references = lengths.Select(length => new double[(long)length * channels]).ToArray();
        Parallel.For(0, batch * heads, item =>
        {
            int b = item / heads, h = item % heads;
            var columns = DecodeReference.FullAttentionOfHead(sequences[b], lengths[b], channels, heads, h);
            for (var t = 0; t < lengths[b]; t++)
                Array.Copy(columns, (long)t * headSize, references[b], (long)t * channels + h * headSize, headSize);
        });
        return references;
    }

    /// <summary>The chunk [Batch, Queries, 3·Channels]: tokens start[b].. of each sequence, NaN in the slots past its count.</summary>
    private static float[] Chunk(DecodeShape shape, float[][] sequences, int[] starts, int[] counts)
    {
        var rowLength = 3 * shape.Channels;
        var chunk = new float[(long)shape.Batch * shape.Queries * rowLength];
        Array.Fill(chunk, float.NaN);
        for (var b = 0; b < shape.Batch; b++)
            Array.Copy(sequences[b], (long)starts[b] * rowLength, chunk, (long)b * shape.Queries * rowLength, (long)counts[b] * rowLength);
        return chunk;
    }

    /// <summary>The full attention rows of each sequence's tokens in this step, and 0 for the slots past its count.</summary>
    private static double[] ExpectedRows(DecodeShape shape, double[][] references, int[] starts, int[] counts)
    {
        var expected = new double[(long)shape.Batch * shape.Queries * shape.Channels];
        for (var b = 0; b < shape.Batch; b++)
            Array.Copy(references[b], (long)starts[b] * shape.Channels, expected, (long)b * shape.Queries * shape.Channels, (long)counts[b] * shape.Channels);
        return expected;
    }

    /// <summary>
    /// Each score sums HeadSize products; an output is a softmax-weighted average of values in ±1, so its error follows the
    /// scores' and does not grow with the number of keys (measured: about 5e-8 at the tiny shapes, 1/100 of this).
    /// </summary>
    private static double Atol(DecodeShape shape) => KernelCheck.AtolForSum(shape.HeadSize);

    private static string Describe(DecodeShape shape) =>
        $"B{shape.Batch} Q{shape.Queries} C{shape.Channels} H{shape.Heads} hs{shape.HeadSize} cap{shape.Capacity}";
}
