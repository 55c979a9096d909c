using System.Buffers;
using System.Runtime.CompilerServices;

namespace GoSeqZero.Kernels.Simd;

/// <summary>
/// The row-wise ops: embedding, LayerNorm, GELU, residual add. Memory-bound, so each is one fused pass over its rows
/// (LayerNorm: one read for the statistics, one for the output), written once over <see cref="ILanes{TSelf}"/> and
/// compiled for 512- and 256-bit vectors.
/// </summary>
internal sealed unsafe partial class SimdOps
{
    private const float LayerNormEpsilon = 1e-5f;

    /// <summary>Below this many elements an op runs on the calling thread: starting tasks costs more than it saves.</summary>
    private const long RowsParallelThreshold = 1L << 15;

    /// <summary>Tasks per core when an op runs in parallel: a few each, so a core slowed by a neighbour does not hold the rest.</summary>
    private const int RowsBlocksPerCore = 4;

    public void EmbeddingForward(Tensor<float> output, Tensor<int> tokens, Tensor<int> positions, Tensor<int> pointIds,
        Tensor<float> tokenTable, Tensor<float> positionTable, Tensor<float> pointTable, int rows, int channels)
    {
        const string op = nameof(EmbeddingForward);
        if (!RowsArguments.Embedding(op, output, "output", tokens, positions, pointIds, rows, channels)) return;
        var tokenIndices = CheckedIndices(op, "tokens", tokens, rows, RowsArguments.TableRows(op, "token table", tokenTable, channels));
        var positionIndices = CheckedIndices(op, "positions", positions, rows, RowsArguments.TableRows(op, "position table", positionTable, channels));
        var pointIndices = CheckedIndices(op, "point ids", pointIds, rows, RowsArguments.TableRows(op, "point table", pointTable, channels));
        float* destination = output.Pointer, tokenRows = tokenTable.Pointer, positionRows = positionTable.Pointer, pointRows = pointTable.Pointer;
        var use512 = Options.UsesVector512;
        ForBlocks(rows, channels, (first, end) =>
        {
            for (var row = first; row < end; row++)
            {
                var target = destination + row * channels;
                float* token = tokenRows + (long)tokenIndices[row] * channels,
                    position = positionRows + (long)positionIndices[row] * channels,
                    point = pointRows + (long)pointIndices[row] * channels;
                if (use512) AddThreeRows<Lanes512>(target, token, position, point, channels);
                else AddThreeRows<Lanes256>(target, token, position, point, channels);
            }
        });
    }

    /// <summary>
    /// Many rows add into the same table row, so the tasks split the channels, not the rows: each owns whole cache
    /// lines of every table row and walks all the rows. No two tasks touch the same float.
    /// </summary>
    public void EmbeddingBackward(Tensor<float> tokenTableGradient, Tensor<float> positionTableGradient, Tensor<float> pointTableGradient,
        Tensor<float> outputGradient, Tensor<int> tokens, Tensor<int> positions, Tensor<int> pointIds, int rows, int channels)
    {
        const string op = nameof(EmbeddingBackward);
        if (!RowsArguments.Embedding(op, outputGradient, "output gradient", tokens, positions, pointIds, rows, channels)) return;
        var tokenIndices = CheckedIndices(op, "tokens", tokens, rows, RowsArguments.TableRows(op, "token table gradient", tokenTableGradient, channels));
        var positionIndices = CheckedIndices(op, "positions", positions, rows, RowsArguments.TableRows(op, "position table gradient", positionTableGradient, channels));
        var pointIndices = CheckedIndices(op, "point ids", pointIds, rows, RowsArguments.TableRows(op, "point table gradient", pointTableGradient, channels));
        float* source = outputGradient.Pointer, tokenRows = tokenTableGradient.Pointer,
            positionRows = positionTableGradient.Pointer, pointRows = pointTableGradient.Pointer;
        var use512 = Options.UsesVector512;
        const int lineFloats = 16;
        var lines = (channels + lineFloats - 1) / lineFloats;
        ForBlocks(lines, (long)rows * lineFloats, (firstLine, endLine) =>
        {
            var start = (int)firstLine * lineFloats;
            var width = (int)Math.Min(channels, endLine * lineFloats) - start;
            for (var row = 0; row < rows; row++)
            {
                var gradient = source + (long)row * channels + start;
                float* token = tokenRows + (long)tokenIndices[row] * channels + start,
                    position = positionRows + (long)positionIndices[row] * channels + start,
                    point = pointRows + (long)pointIndices[row] * channels + start;
                if (use512) AddIntoThreeRows<Lanes512>(token, position, point, gradient, width);
                else AddIntoThreeRows<Lanes256>(token, position, point, gradient, width);
            }
        });
    }

    public void LayerNormForward(Tensor<float> output, Tensor<float> mean, Tensor<float> reciprocalStd,
        Tensor<float> input, Tensor<float> weight, Tensor<float> bias, int rows, int channels)
    {
        if (!RowsArguments.LayerNormForward(output, mean, reciprocalStd, input, weight, bias, rows, channels)) return;
        float* y = output.Pointer, means = mean.Pointer, scales = reciprocalStd.Pointer, x = input.Pointer, w = weight.Pointer, b = bias.Pointer;
        var use512 = Options.UsesVector512;
        ForBlocks(rows, channels, (first, end) =>
        {
            if (use512) LayerNormForwardRows<Lanes512>(y, means, scales, x, w, b, (int)first, (int)end, channels);
            else LayerNormForwardRows<Lanes256>(y, means, scales, x, w, b, (int)first, (int)end, channels);
        });
    }

    /// <summary>
    /// llm.c's backward: per row the two reductions Σ dnorm and Σ dnorm·n, then one pass that adds into the input
    /// gradient and into the weight and bias sums. Each task sums its rows' weight and bias gradients into its own
    /// partial row (rented, cache-line aligned); the partials are added into the gradients after the tasks end.
    /// </summary>
    public void LayerNormBackward(Tensor<float> inputGradient, Tensor<float> weightGradient, Tensor<float> biasGradient,
        Tensor<float> outputGradient, Tensor<float> input, Tensor<float> weight, Tensor<float> mean, Tensor<float> reciprocalStd,
        int rows, int channels)
    {
        if (!RowsArguments.LayerNormBackward(inputGradient, weightGradient, biasGradient, outputGradient, input, weight, mean, reciprocalStd, rows, channels))
            return;
        var arguments = new LayerNormBackwardArguments(inputGradient.Pointer, outputGradient.Pointer, input.Pointer, weight.Pointer,
            mean.Pointer, reciprocalStd.Pointer, channels);
        var use512 = Options.UsesVector512;
        var tasks = (long)rows * channels < RowsParallelThreshold ? 1 : Math.Min(rows, Environment.ProcessorCount * RowsBlocksPerCore);
        if (tasks == 1)
        {
            LayerNormBackwardRows(arguments, 0, rows, weightGradient.Pointer, biasGradient.Pointer, use512);
            return;
        }

        var stride = (channels + 15) & ~15;
        var partials = ArrayPool<float>.Shared.Rent(tasks * 2 * stride + 15);
        try
        {
            fixed (float* rented = partials)
            {
                var aligned = (float*)(((nint)rented + 63) & ~(nint)63);
                Parallel.For(0, tasks, task =>
                {
                    var weightSums = aligned + (long)task * 2 * stride;
                    var biasSums = weightSums + stride;
                    new Span<float>(weightSums, 2 * stride).Clear();
                    LayerNormBackwardRows(arguments, (int)((long)rows * task / tasks), (int)((long)rows * (task + 1) / tasks), weightSums, biasSums, use512);
                });
                for (var task = 0; task < tasks; task++)
                {
                    var weightSums = aligned + (long)task * 2 * stride;
                    AddInto(weightGradient.Pointer, weightSums, channels, use512);
                    AddInto(biasGradient.Pointer, weightSums + stride, channels, use512);
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(partials);
        }
    }

    public void GeluForward(Tensor<float> output, Tensor<float> input, long count)
    {
        const string op = nameof(GeluForward);
        if (!RowsArguments.Elementwise(op, count, (output, "output"), (input, "input"))) return;
        float* y = output.Pointer, x = input.Pointer;
        var use512 = Options.UsesVector512;
        ForBlocks(count, 1, (start, end) =>
        {
            if (use512) GeluForwardRange<Lanes512>(y + start, x + start, end - start);
            else GeluForwardRange<Lanes256>(y + start, x + start, end - start);
        });
    }

    public void GeluBackward(Tensor<float> inputGradient, Tensor<float> input, Tensor<float> outputGradient, long count)
    {
        const string op = nameof(GeluBackward);
        if (!RowsArguments.Elementwise(op, count, (inputGradient, "input gradient"), (input, "input"), (outputGradient, "output gradient"))) return;
        float* dx = inputGradient.Pointer, x = input.Pointer, dy = outputGradient.Pointer;
        var use512 = Options.UsesVector512;
        ForBlocks(count, 1, (start, end) =>
        {
            if (use512) GeluBackwardRange<Lanes512>(dx + start, x + start, dy + start, end - start);
            else GeluBackwardRange<Lanes256>(dx + start, x + start, dy + start, end - start);
        });
    }

    public void Add(Tensor<float> output, Tensor<float> a, Tensor<float> b, long count)
    {
        const string op = nameof(Add);
        if (!RowsArguments.Elementwise(op, count, (output, "output"), (a, "a"), (b, "b"))) return;
        float* sum = output.Pointer, left = a.Pointer, right = b.Pointer;
        var use512 = Options.UsesVector512;
        ForBlocks(count, 1, (start, end) =>
        {
            if (use512) AddRange<Lanes512>(sum + start, left + start, right + start, end - start);
            else AddRange<Lanes256>(sum + start, left + start, right + start, end - start);
        });
    }

    public void Accumulate(Tensor<float> target, Tensor<float> source, long count)
    {
        const string op = nameof(Accumulate);
        if (!RowsArguments.Elementwise(op, count, (target, "target"), (source, "source"))) return;
        float* sum = target.Pointer, addend = source.Pointer;
        var use512 = Options.UsesVector512;
        ForBlocks(count, 1, (start, end) =>
        {
            if (use512) AddRange<Lanes512>(sum + start, sum + start, addend + start, end - start);
            else AddRange<Lanes256>(sum + start, sum + start, addend + start, end - start);
        });
    }

    /// <summary>
    /// Runs <paramref name="body"/> over [0, <paramref name="items"/>) split into contiguous blocks, on the calling thread
    /// when the work (<paramref name="items"/>·<paramref name="elementsPerItem"/>) is small, else as a few tasks per core.
    /// </summary>
    private static void ForBlocks(long items, long elementsPerItem, Action<long, long> body)
    {
        if (items == 0) return;
        var blocks = items * elementsPerItem < RowsParallelThreshold ? 1 : (int)Math.Min(items, Environment.ProcessorCount * RowsBlocksPerCore);
        if (blocks == 1)
        {
            body(0, items);
            return;
        }
        Parallel.For(0, blocks, block => body(items * block / blocks, items * (block + 1) / blocks));
    }

    /// <summary>Refuses an index outside its table before any row is read: on the CPU it would read or write outside the buffer.</summary>
    private static int* CheckedIndices(string op, string name, Tensor<int> indices, int rows, int tableRows)
    {
        var values = indices.Pointer;
        for (var row = 0; row < rows; row++)
            if ((uint)values[row] >= (uint)tableRows)
                throw new ArgumentOutOfRangeException(name, $"{op}: {name}[{row}] = {values[row]} is outside its table of {tableRows} rows");
        return values;
    }

    // Optimised from the first call: the decoder calls these thousands of times on tiny rows, where tier-0 code is 10× slower.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddThreeRows<TLanes>(float* target, float* a, float* b, float* c, int channels) where TLanes : unmanaged, ILanes<TLanes>
    {
        var i = 0;
        for (; i <= channels - TLanes.Count; i += TLanes.Count)
            (TLanes.Load(a + i) + TLanes.Load(b + i) + TLanes.Load(c + i)).Store(target + i);
        for (; i < channels; i++) target[i] = a[i] + b[i] + c[i];
    }

    // Optimised from the first call: the decoder calls these thousands of times on tiny rows, where tier-0 code is 10× slower.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddIntoThreeRows<TLanes>(float* a, float* b, float* c, float* source, int width) where TLanes : unmanaged, ILanes<TLanes>
    {
        var i = 0;
        for (; i <= width - TLanes.Count; i += TLanes.Count)
        {
            var addend = TLanes.Load(source + i);
            (TLanes.Load(a + i) + addend).Store(a + i);
            (TLanes.Load(b + i) + addend).Store(b + i);
            (TLanes.Load(c + i) + addend).Store(c + i);
        }
        for (; i < width; i++)
        {
            a[i] += source[i];
            b[i] += source[i];
            c[i] += source[i];
        }
    }

    // Optimised from the first call: the decoder calls these thousands of times on tiny rows, where tier-0 code is 10× slower.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void LayerNormForwardRows<TLanes>(float* output, float* means, float* reciprocalStds, float* input,
        float* weight, float* bias, int first, int end, int channels) where TLanes : unmanaged, ILanes<TLanes>
    {
        for (var row = first; row < end; row++)
        {
            var x = input + (long)row * channels;
            var y = output + (long)row * channels;
            var (mean, variance) = RowMoments<TLanes>(x, channels);
            var scale = 1f / MathF.Sqrt(variance + LayerNormEpsilon);
            means[row] = mean;
            reciprocalStds[row] = scale;
            TLanes vectorMean = TLanes.Broadcast(mean), vectorScale = TLanes.Broadcast(scale);
            var i = 0;
            for (; i <= channels - TLanes.Count; i += TLanes.Count)
                TLanes.MultiplyAdd((TLanes.Load(x + i) - vectorMean) * vectorScale, TLanes.Load(weight + i), TLanes.Load(bias + i)).Store(y + i);
            for (; i < channels; i++) y[i] = MathF.FusedMultiplyAdd((x[i] - mean) * scale, weight[i], bias[i]);
        }
    }

    /// <summary>
    /// Mean and biased variance of a row in one read. Each lane runs Welford's update over its column of vectors (no
    /// Σx² − (Σx)² cancellation when the mean is far from zero); the lanes, which saw equal counts, are merged with
    /// Chan's formula, then the tail continues Welford's update.
    /// </summary>
    // Optimised from the first call: the decoder calls these thousands of times on tiny rows, where tier-0 code is 10× slower.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (float Mean, float Variance) RowMoments<TLanes>(float* x, int channels) where TLanes : unmanaged, ILanes<TLanes>
    {
        var vectors = channels / TLanes.Count;
        float mean = 0, squares = 0;
        if (vectors > 0)
        {
            TLanes laneMeans = TLanes.Zero, laneSquares = TLanes.Zero;
            for (var k = 0; k < vectors; k++)
            {
                var value = TLanes.Load(x + k * TLanes.Count);
                var delta = value - laneMeans;
                laneMeans = TLanes.MultiplyAdd(delta, TLanes.Broadcast(1f / (k + 1)), laneMeans);
                laneSquares = TLanes.MultiplyAdd(delta, value - laneMeans, laneSquares);
            }
            mean = laneMeans.Sum() / TLanes.Count;
            var spread = laneMeans - TLanes.Broadcast(mean);
            squares = laneSquares.Sum() + vectors * (spread * spread).Sum();
        }
        for (var i = vectors * TLanes.Count; i < channels; i++)
        {
            var delta = x[i] - mean;
            mean += delta / (i + 1);
            squares += delta * (x[i] - mean);
        }
        return (mean, squares / channels);
    }

    /// <summary>The tensors of one backward call, passed to its tasks as one value.</summary>
    private readonly struct LayerNormBackwardArguments(float* inputGradient, float* outputGradient, float* input,
        float* weight, float* mean, float* reciprocalStd, int channels)
    {
        public readonly float* InputGradient = inputGradient, OutputGradient = outputGradient, Input = input,
            Weight = weight, Mean = mean, ReciprocalStd = reciprocalStd;
        public readonly int Channels = channels;
    }

    private static void LayerNormBackwardRows(LayerNormBackwardArguments arguments, int first, int end, float* weightSums, float* biasSums, bool use512)
    {
        if (use512) LayerNormBackwardRows<Lanes512>(arguments, first, end, weightSums, biasSums);
        else LayerNormBackwardRows<Lanes256>(arguments, first, end, weightSums, biasSums);
    }

    // Optimised from the first call: the decoder calls these thousands of times on tiny rows, where tier-0 code is 10× slower.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void LayerNormBackwardRows<TLanes>(LayerNormBackwardArguments arguments, int first, int end, float* weightSums, float* biasSums)
        where TLanes : unmanaged, ILanes<TLanes>
    {
        var channels = arguments.Channels;
        var weight = arguments.Weight;
        for (var row = first; row < end; row++)
        {
            var offset = (long)row * channels;
            float* x = arguments.Input + offset, dy = arguments.OutputGradient + offset, dx = arguments.InputGradient + offset;
            float mean = arguments.Mean[row], scale = arguments.ReciprocalStd[row];
            TLanes vectorMean = TLanes.Broadcast(mean), vectorScale = TLanes.Broadcast(scale);

            // dnorm = weight·dy is the gradient of the normalised row n = (x − mean)·scale.
            TLanes dnormSums = TLanes.Zero, dnormNormSums = TLanes.Zero;
            var i = 0;
            for (; i <= channels - TLanes.Count; i += TLanes.Count)
            {
                var norm = (TLanes.Load(x + i) - vectorMean) * vectorScale;
                var dnorm = TLanes.Load(weight + i) * TLanes.Load(dy + i);
                dnormSums += dnorm;
                dnormNormSums = TLanes.MultiplyAdd(dnorm, norm, dnormNormSums);
            }
            float dnormSum = dnormSums.Sum(), dnormNormSum = dnormNormSums.Sum();
            for (; i < channels; i++)
            {
                var dnorm = weight[i] * dy[i];
                dnormSum += dnorm;
                dnormNormSum += dnorm * (x[i] - mean) * scale;
            }
            float dnormMean = dnormSum / channels, dnormNormMean = dnormNormSum / channels;

            TLanes vectorDnormMean = TLanes.Broadcast(dnormMean), vectorMinusDnormNormMean = TLanes.Broadcast(-dnormNormMean);
            for (i = 0; i <= channels - TLanes.Count; i += TLanes.Count)
            {
                var gradient = TLanes.Load(dy + i);
                var norm = (TLanes.Load(x + i) - vectorMean) * vectorScale;
                TLanes.MultiplyAdd(gradient, norm, TLanes.Load(weightSums + i)).Store(weightSums + i);
                (TLanes.Load(biasSums + i) + gradient).Store(biasSums + i);
                var centred = TLanes.MultiplyAdd(norm, vectorMinusDnormNormMean, TLanes.Load(weight + i) * gradient - vectorDnormMean);
                TLanes.MultiplyAdd(centred, vectorScale, TLanes.Load(dx + i)).Store(dx + i);
            }
            for (; i < channels; i++)
            {
                var norm = (x[i] - mean) * scale;
                weightSums[i] += dy[i] * norm;
                biasSums[i] += dy[i];
                dx[i] += (weight[i] * dy[i] - dnormMean - norm * dnormNormMean) * scale;
            }
        }
    }

    private static void AddInto(float* target, float* source, int count, bool use512)
    {
        if (use512) AddRange<Lanes512>(target, target, source, count);
        else AddRange<Lanes256>(target, target, source, count);
    }

    // Optimised from the first call: the decoder calls these thousands of times on tiny rows, where tier-0 code is 10× slower.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddRange<TLanes>(float* sum, float* a, float* b, long count) where TLanes : unmanaged, ILanes<TLanes>
    {
        long i = 0;
        for (; i <= count - TLanes.Count; i += TLanes.Count) (TLanes.Load(a + i) + TLanes.Load(b + i)).Store(sum + i);
        for (; i < count; i++) sum[i] = a[i] + b[i];
    }

    // GELU, tanh form: 0.5·x·(1 + tanh(u)), u = √(2/π)·(x + 0.044715·x³). Since 0.5·(1 + tanh(u)) = σ(2u), it is
    // computed as x / (1 + e) with e = exp(−2u): one exponential, no cancellation near tanh = ±1.
    private const float GeluScale = 0.7978845608028654f, GeluCubic = 0.044715f;

    /// <summary>
    /// The backward clamps −2u here, where exp would overflow and e·s = 1 − s become ∞·0 (x below about −10). The
    /// product is taken as (2x·u′·s)·(e·s): both factors stay finite, where 2x·u′·e alone can overflow.
    /// </summary>
    private const float GeluExponentLimit = 80f;

    // Optimised from the first call: the decoder calls these thousands of times on tiny rows, where tier-0 code is 10× slower.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GeluForwardRange<TLanes>(float* output, float* input, long count) where TLanes : unmanaged, ILanes<TLanes>
    {
        TLanes minusTwoScale = TLanes.Broadcast(-2 * GeluScale), cubic = TLanes.Broadcast(GeluCubic), one = TLanes.Broadcast(1);
        long i = 0;
        for (; i <= count - TLanes.Count; i += TLanes.Count)
        {
            var x = TLanes.Load(input + i);
            var minusTwoU = minusTwoScale * x * TLanes.MultiplyAdd(cubic * x, x, one);
            (x / (one + LanesMath.Exp(minusTwoU))).Store(output + i);
        }
        for (; i < count; i++)
        {
            var x = input[i];
            output[i] = x / (1 + MathF.Exp(-2 * GeluScale * x * (1 + GeluCubic * x * x)));
        }
    }

    /// <summary>d/dx [x·σ(2u)] = s + 2x·u′·s·(1 − s) with s = σ(2u) = 1/(1 + e) and 1 − s = e·s, added times dy.</summary>
    // Optimised from the first call: the decoder calls these thousands of times on tiny rows, where tier-0 code is 10× slower.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GeluBackwardRange<TLanes>(float* inputGradient, float* input, float* outputGradient, long count) where TLanes : unmanaged, ILanes<TLanes>
    {
        TLanes minusTwoScale = TLanes.Broadcast(-2 * GeluScale), twoScale = TLanes.Broadcast(2 * GeluScale), cubic = TLanes.Broadcast(GeluCubic),
            threeCubic = TLanes.Broadcast(3 * GeluCubic), one = TLanes.Broadcast(1), limit = TLanes.Broadcast(GeluExponentLimit);
        long i = 0;
        for (; i <= count - TLanes.Count; i += TLanes.Count)
        {
            var x = TLanes.Load(input + i);
            var squared = x * x;
            var e = LanesMath.Exp(TLanes.Min(minusTwoScale * x * TLanes.MultiplyAdd(cubic, squared, one), limit));
            var s = one / (one + e);
            var twoXDu = twoScale * x * TLanes.MultiplyAdd(threeCubic, squared, one);
            var derivative = TLanes.MultiplyAdd(twoXDu * s, e * s, s);
            TLanes.MultiplyAdd(derivative, TLanes.Load(outputGradient + i), TLanes.Load(inputGradient + i)).Store(inputGradient + i);
        }
        for (; i < count; i++)
        {
            var x = input[i];
            var e = MathF.Exp(MathF.Min(-2 * GeluScale * x * (1 + GeluCubic * x * x), GeluExponentLimit));
            var s = 1 / (1 + e);
            var derivative = s + 2 * GeluScale * x * (1 + 3 * GeluCubic * x * x) * s * (e * s);
            inputGradient[i] += derivative * outputGradient[i];
        }
    }
}
