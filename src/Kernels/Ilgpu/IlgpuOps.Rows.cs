using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace GoSeqZero.Kernels.Ilgpu;

/// <summary>
/// The row-wise ops on a GPU. LayerNorm gives each row to one warp (shuffle reductions, no barriers); the elementwise
/// ops and the embeddings are grid-stride loops over one wave of groups, with consecutive threads on consecutive
/// floats. Gradients that many rows share are summed without races: LayerNorm's weight and bias per group in shared
/// memory, then across groups; the embedding tables by float atomics.
/// </summary>
internal sealed partial class IlgpuOps
{
    private const float LayerNormEpsilon = 1e-5f;

    // GELU, tanh form, computed as x·σ(2u) = x / (1 + exp(−2u)): one exponential, no cancellation (see SimdOps.Rows).
    private const float GeluScale = 0.7978845608028654f, GeluCubic = 0.044715f, GeluExponentLimit = 80f;

    private Action<KernelConfig, ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        int, int, Index3D>? _embeddingForward, _embeddingBackward;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int>? _layerNormForward;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int>?
        _layerNormBackward;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, long>? _geluForward, _accumulate;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, long>? _geluBackward, _add;

    /// <summary>LayerNorm backward's per-group weight and bias sums; grown on demand, freed with the accelerator.</summary>
    private Tensor<float>? _layerNormPartials;
    private readonly Lock _layerNormPartialsLock = new();

    public void EmbeddingForward(Tensor<float> output, Tensor<int> tokens, Tensor<int> positions, Tensor<int> pointIds,
        Tensor<float> tokenTable, Tensor<float> positionTable, Tensor<float> pointTable, int rows, int channels)
    {
        const string op = nameof(EmbeddingForward);
        if (!RowsArguments.Embedding(op, output, "output", tokens, positions, pointIds, rows, channels)) return;
        var tableRows = new Index3D(RowsArguments.TableRows(op, "token table", tokenTable, channels),
            RowsArguments.TableRows(op, "position table", positionTable, channels), RowsArguments.TableRows(op, "point table", pointTable, channels));
        _embeddingForward ??= Accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<int>,
            ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, Index3D>(EmbeddingForwardKernel);
        _embeddingForward(RowGroups(rows), output.View.BaseView, tokens.View.BaseView, positions.View.BaseView, pointIds.View.BaseView,
            tokenTable.View.BaseView, positionTable.View.BaseView, pointTable.View.BaseView, rows, channels, tableRows);
    }

    public void EmbeddingBackward(Tensor<float> tokenTableGradient, Tensor<float> positionTableGradient, Tensor<float> pointTableGradient,
        Tensor<float> outputGradient, Tensor<int> tokens, Tensor<int> positions, Tensor<int> pointIds, int rows, int channels)
    {
        const string op = nameof(EmbeddingBackward);
        if (!RowsArguments.Embedding(op, outputGradient, "output gradient", tokens, positions, pointIds, rows, channels)) return;
        var tableRows = new Index3D(RowsArguments.TableRows(op, "token table gradient", tokenTableGradient, channels),
            RowsArguments.TableRows(op, "position table gradient", positionTableGradient, channels),
            RowsArguments.TableRows(op, "point table gradient", pointTableGradient, channels));
        _embeddingBackward ??= Accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<int>,
            ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, Index3D>(EmbeddingBackwardKernel);
        _embeddingBackward(RowGroups(rows), outputGradient.View.BaseView, tokens.View.BaseView, positions.View.BaseView, pointIds.View.BaseView,
            tokenTableGradient.View.BaseView, positionTableGradient.View.BaseView, pointTableGradient.View.BaseView, rows, channels, tableRows);
    }

    public void LayerNormForward(Tensor<float> output, Tensor<float> mean, Tensor<float> reciprocalStd,
        Tensor<float> input, Tensor<float> weight, Tensor<float> bias, int rows, int channels)
    {
        if (!RowsArguments.LayerNormForward(output, mean, reciprocalStd, input, weight, bias, rows, channels)) return;
        _layerNormForward ??= Accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>, int, int>(LayerNormForwardKernel);
        var warpsPerGroup = WarpsPerGroup(8);
        var groups = Math.Min((rows + warpsPerGroup - 1) / warpsPerGroup, ResidentGroups(warpsPerGroup * Accelerator.WarpSize, minimumPerMultiprocessor: 1));
        _layerNormForward(new KernelConfig(groups, warpsPerGroup * Accelerator.WarpSize), output.View.BaseView, mean.View.BaseView,
            reciprocalStd.View.BaseView, input.View.BaseView, weight.View.BaseView, bias.View.BaseView, rows, channels);
    }

    /// <summary>
    /// Two kernels: warps take rows and add into the input gradient, while each group sums its rows' weight and bias
    /// gradients in shared memory and writes them as one row of partials; then <see cref="BiasBackward"/> adds the
    /// partials' column sums into the weight and bias gradients. The partials buffer is shared, so the two launches of
    /// one call are queued under a lock.
    /// </summary>
    public void LayerNormBackward(Tensor<float> inputGradient, Tensor<float> weightGradient, Tensor<float> biasGradient,
        Tensor<float> outputGradient, Tensor<float> input, Tensor<float> weight, Tensor<float> mean, Tensor<float> reciprocalStd,
        int rows, int channels)
    {
        if (!RowsArguments.LayerNormBackward(inputGradient, weightGradient, biasGradient, outputGradient, input, weight, mean, reciprocalStd, rows, channels))
            return;
        if (2L * channels * sizeof(float) > Accelerator.MaxSharedMemoryPerGroup)
            throw new NotSupportedException($"{nameof(LayerNormBackward)}: {channels} channels need {2L * channels * sizeof(float)} bytes of shared memory per group, " +
                $"more than the {Accelerator.MaxSharedMemoryPerGroup} this GPU has");
        _layerNormBackward ??= Accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int>(LayerNormBackwardKernel);

        // Large groups: the barriers come only at the start and the end, and fewer groups mean fewer partial rows to sum.
        // At least two per multiprocessor, so one group's zeroing and final write overlap another's rows.
        var warpsPerGroup = WarpsPerGroup(32);
        var groupSize = warpsPerGroup * Accelerator.WarpSize;
        var groups = Math.Min((rows + warpsPerGroup - 1) / warpsPerGroup, ResidentGroups(groupSize, minimumPerMultiprocessor: 2));
        var config = new KernelConfig(groups, groupSize, SharedMemoryConfig.RequestDynamic<float>(2 * channels));
        lock (_layerNormPartialsLock)
        {
            var partials = LayerNormPartials(2L * groups * channels);
            _layerNormBackward(config, inputGradient.View.BaseView, outputGradient.View.BaseView, input.View.BaseView, weight.View.BaseView,
                mean.View.BaseView, reciprocalStd.View.BaseView, partials.View.BaseView, rows, channels);
            BiasBackward(weightGradient, partials.Slice(0, groups, channels), groups, channels);
            BiasBackward(biasGradient, partials.Slice((long)groups * channels, groups, channels), groups, channels);
        }
    }

    public void GeluForward(Tensor<float> output, Tensor<float> input, long count)
    {
        const string op = nameof(GeluForward);
        if (!RowsArguments.Elementwise(op, count, (output, "output"), (input, "input"))) return;
        _geluForward ??= Accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, long>(GeluForwardKernel);
        _geluForward(ElementwiseGroups(count), output.View.BaseView, input.View.BaseView, count);
    }

    public void GeluBackward(Tensor<float> inputGradient, Tensor<float> input, Tensor<float> outputGradient, long count)
    {
        const string op = nameof(GeluBackward);
        if (!RowsArguments.Elementwise(op, count, (inputGradient, "input gradient"), (input, "input"), (outputGradient, "output gradient"))) return;
        _geluBackward ??= Accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, long>(GeluBackwardKernel);
        _geluBackward(ElementwiseGroups(count), inputGradient.View.BaseView, input.View.BaseView, outputGradient.View.BaseView, count);
    }

    public void Add(Tensor<float> output, Tensor<float> a, Tensor<float> b, long count)
    {
        const string op = nameof(Add);
        if (!RowsArguments.Elementwise(op, count, (output, "output"), (a, "a"), (b, "b"))) return;
        _add ??= Accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, long>(AddKernel);
        _add(ElementwiseGroups(count), output.View.BaseView, a.View.BaseView, b.View.BaseView, count);
    }

    public void Accumulate(Tensor<float> target, Tensor<float> source, long count)
    {
        const string op = nameof(Accumulate);
        if (!RowsArguments.Elementwise(op, count, (target, "target"), (source, "source"))) return;
        _accumulate ??= Accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, long>(AccumulateKernel);
        _accumulate(ElementwiseGroups(count), target.View.BaseView, source.View.BaseView, count);
    }

    /// <summary>Up to <paramref name="wanted"/> warps per group, as many as the accelerator's group limit allows.</summary>
    private int WarpsPerGroup(int wanted) => Math.Max(1, Math.Min(wanted, Accelerator.MaxNumThreadsPerGroup / Accelerator.WarpSize));

    /// <summary>Groups of <paramref name="groupSize"/> threads that fit on the accelerator at once: one wave, for grid-stride loops.</summary>
    private int ResidentGroups(int groupSize, int minimumPerMultiprocessor) =>
        Accelerator.NumMultiprocessors * Math.Max(minimumPerMultiprocessor, Accelerator.MaxNumThreadsPerMultiprocessor / groupSize);

    private int ElementwiseGroupSize => Math.Min(256, Accelerator.MaxNumThreadsPerGroup);

    /// <summary>One wave of groups, or fewer when the count is small; each thread then strides over the rest.</summary>
    private KernelConfig ElementwiseGroups(long count)
    {
        var groupSize = ElementwiseGroupSize;
        var groups = (int)Math.Min((count + groupSize - 1) / groupSize, ResidentGroups(groupSize, minimumPerMultiprocessor: 1));
        return new KernelConfig(groups, groupSize);
    }

    /// <summary>A group per row (grid-stride over rows), its threads across the row's channels.</summary>
    private KernelConfig RowGroups(int rows)
    {
        var groupSize = ElementwiseGroupSize;
        return new KernelConfig(Math.Min(rows, ResidentGroups(groupSize, minimumPerMultiprocessor: 1)), groupSize);
    }

    private Tensor<float> LayerNormPartials(long length)
    {
        if (_layerNormPartials is null || _layerNormPartials.Length < length)
        {
            // Kernels queued earlier may still read the old buffer.
            _device.Synchronize();
            _layerNormPartials?.Dispose();
            _layerNormPartials = _device.Allocate<float>(checked((int)length));
        }
        return _layerNormPartials;
    }

    /// <summary>The sum over the warp, returned to every lane (butterfly of xor shuffles).</summary>
    private static float WarpSum(float value)
    {
        for (var distance = Warp.WarpSize / 2; distance > 0; distance /= 2) value += Warp.ShuffleXor(value, distance);
        return value;
    }

    /// <summary>
    /// <paramref name="tableRows"/> holds the row counts of the token, position and point tables (X, Y, Z). A row whose
    /// index falls outside its table gets NaN: a kernel cannot throw, and NaN shows where it went wrong.
    /// </summary>
    private static void EmbeddingForwardKernel(ArrayView<float> output, ArrayView<int> tokens, ArrayView<int> positions, ArrayView<int> pointIds,
        ArrayView<float> tokenTable, ArrayView<float> positionTable, ArrayView<float> pointTable, int rows, int channels, Index3D tableRows)
    {
        for (var row = Grid.IdxX; row < rows; row += Grid.DimX)
        {
            int token = tokens[row], position = positions[row], point = pointIds[row];
            var inside = (uint)token < (uint)tableRows.X && (uint)position < (uint)tableRows.Y && (uint)point < (uint)tableRows.Z;
            long target = (long)row * channels, tokenRow = (long)token * channels, positionRow = (long)position * channels, pointRow = (long)point * channels;
            for (var channel = Group.IdxX; channel < channels; channel += Group.DimX)
                output[target + channel] = inside
                    ? tokenTable[tokenRow + channel] + positionTable[positionRow + channel] + pointTable[pointRow + channel]
                    : float.NaN;
        }
    }

    /// <summary>
    /// Float atomics into the tables: rows that share a table row (common tokens, the "no point" id) add into the same
    /// floats. A row with an index outside its table adds nothing (its forward output was NaN).
    /// </summary>
    private static void EmbeddingBackwardKernel(ArrayView<float> outputGradient, ArrayView<int> tokens, ArrayView<int> positions, ArrayView<int> pointIds,
        ArrayView<float> tokenGradient, ArrayView<float> positionGradient, ArrayView<float> pointGradient, int rows, int channels, Index3D tableRows)
    {
        for (var row = Grid.IdxX; row < rows; row += Grid.DimX)
        {
            int token = tokens[row], position = positions[row], point = pointIds[row];
            if ((uint)token >= (uint)tableRows.X || (uint)position >= (uint)tableRows.Y || (uint)point >= (uint)tableRows.Z) continue;
            long source = (long)row * channels, tokenRow = (long)token * channels, positionRow = (long)position * channels, pointRow = (long)point * channels;
            for (var channel = Group.IdxX; channel < channels; channel += Group.DimX)
            {
                var gradient = outputGradient[source + channel];
                Atomic.Add(ref tokenGradient[tokenRow + channel], gradient);
                Atomic.Add(ref positionGradient[positionRow + channel], gradient);
                Atomic.Add(ref pointGradient[pointRow + channel], gradient);
            }
        }
    }

    /// <summary>
    /// One warp per row. The variance takes a second pass over the row (from cache) around the mean, so it does not
    /// suffer the cancellation of Σx² − (Σx)²/n when the mean is far from zero.
    /// </summary>
    private static void LayerNormForwardKernel(ArrayView<float> output, ArrayView<float> means, ArrayView<float> reciprocalStds,
        ArrayView<float> input, ArrayView<float> weight, ArrayView<float> bias, int rows, int channels)
    {
        var warpsPerGroup = Group.DimX / Warp.WarpSize;
        var lane = Warp.LaneIdx;
        for (var row = Grid.IdxX * warpsPerGroup + Warp.WarpIdx; row < rows; row += Grid.DimX * warpsPerGroup)
        {
            var offset = (long)row * channels;
            var sum = 0f;
            for (var channel = lane; channel < channels; channel += Warp.WarpSize) sum += input[offset + channel];
            var mean = WarpSum(sum) / channels;
            var squares = 0f;
            for (var channel = lane; channel < channels; channel += Warp.WarpSize)
            {
                var centred = input[offset + channel] - mean;
                squares += centred * centred;
            }
            var scale = XMath.Rsqrt(WarpSum(squares) / channels + LayerNormEpsilon);
            for (var channel = lane; channel < channels; channel += Warp.WarpSize)
                output[offset + channel] = (input[offset + channel] - mean) * scale * weight[channel] + bias[channel];
            if (lane == 0)
            {
                means[row] = mean;
                reciprocalStds[row] = scale;
            }
        }
    }

    /// <summary>
    /// One warp per row for the input gradient (llm.c's two row reductions by shuffles). The weight and bias gradients
    /// of the group's rows gather in shared memory (atomics: the group's warps share channels), then the group writes
    /// them as its row of <paramref name="partials"/>: weight sums at [group, channel], bias sums at [groups + group, channel].
    /// </summary>
    private static void LayerNormBackwardKernel(ArrayView<float> inputGradient, ArrayView<float> outputGradient, ArrayView<float> input,
        ArrayView<float> weight, ArrayView<float> means, ArrayView<float> reciprocalStds, ArrayView<float> partials, int rows, int channels)
    {
        var sums = SharedMemory.GetDynamic<float>();
        for (var index = Group.IdxX; index < 2 * channels; index += Group.DimX) sums[index] = 0;
        Group.Barrier();

        var warpsPerGroup = Group.DimX / Warp.WarpSize;
        var lane = Warp.LaneIdx;
        for (var row = Grid.IdxX * warpsPerGroup + Warp.WarpIdx; row < rows; row += Grid.DimX * warpsPerGroup)
        {
            var offset = (long)row * channels;
            float mean = means[row], scale = reciprocalStds[row];
            float dnormSum = 0, dnormNormSum = 0;
            for (var channel = lane; channel < channels; channel += Warp.WarpSize)
            {
                var dnorm = weight[channel] * outputGradient[offset + channel];
                dnormSum += dnorm;
                dnormNormSum += dnorm * (input[offset + channel] - mean) * scale;
            }
            float dnormMean = WarpSum(dnormSum) / channels, dnormNormMean = WarpSum(dnormNormSum) / channels;
            for (var channel = lane; channel < channels; channel += Warp.WarpSize)
            {
                var gradient = outputGradient[offset + channel];
                var norm = (input[offset + channel] - mean) * scale;
                Atomic.Add(ref sums[channel], gradient * norm);
                Atomic.Add(ref sums[channels + channel], gradient);
                inputGradient[offset + channel] += (weight[channel] * gradient - dnormMean - norm * dnormNormMean) * scale;
            }
        }

        Group.Barrier();
        for (var channel = Group.IdxX; channel < channels; channel += Group.DimX)
        {
            partials[(long)Grid.IdxX * channels + channel] = sums[channel];
            partials[((long)Grid.DimX + Grid.IdxX) * channels + channel] = sums[channels + channel];
        }
    }

    private static void GeluForwardKernel(ArrayView<float> output, ArrayView<float> input, long count)
    {
        for (long i = Grid.GlobalIndex.X; i < count; i += (long)Grid.DimX * Group.DimX)
        {
            var x = input[i];
            output[i] = x / (1 + XMath.Exp(-2 * GeluScale * x * (1 + GeluCubic * x * x)));
        }
    }

    /// <summary>
    /// d/dx [x·σ(2u)] = s + (2x·u′·s)·(e·s) with s = 1/(1 + e), e = exp(−2u) clamped so that e·s = 1 − s is never ∞·0;
    /// the grouping keeps both factors finite.
    /// </summary>
    private static void GeluBackwardKernel(ArrayView<float> inputGradient, ArrayView<float> input, ArrayView<float> outputGradient, long count)
    {
        for (long i = Grid.GlobalIndex.X; i < count; i += (long)Grid.DimX * Group.DimX)
        {
            var x = input[i];
            var squared = x * x;
            var e = XMath.Exp(XMath.Min(-2 * GeluScale * x * (1 + GeluCubic * squared), GeluExponentLimit));
            var s = 1 / (1 + e);
            var derivative = s + 2 * GeluScale * x * (1 + 3 * GeluCubic * squared) * s * (e * s);
            inputGradient[i] += derivative * outputGradient[i];
        }
    }

    private static void AddKernel(ArrayView<float> output, ArrayView<float> a, ArrayView<float> b, long count)
    {
        for (long i = Grid.GlobalIndex.X; i < count; i += (long)Grid.DimX * Group.DimX) output[i] = a[i] + b[i];
    }

    private static void AccumulateKernel(ArrayView<float> target, ArrayView<float> source, long count)
    {
        for (long i = Grid.GlobalIndex.X; i < count; i += (long)Grid.DimX * Group.DimX) target[i] += source[i];
    }
}
