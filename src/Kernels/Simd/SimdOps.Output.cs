using System.Buffers;
using System.Runtime.CompilerServices;

namespace GoSeqZero.Kernels.Simd;

/// <summary>
/// The output and optimizer ops on the CPU: masked softmax and cross-entropy a row at a time (three vectorised passes over a
/// row that stays in L1: max, exponentials, scale), Gumbel-max sampling (<see cref="OutputSampling"/>), a sum of squares
/// accumulated in float within blocks and in double across them, and an elementwise AdamW. Rows, chunks or blocks go
/// to Parallel.For when the work is big enough to pay for it. The hot loops are compiled fully optimised on first use
/// (AggressiveOptimization): until tiering recompiles them, unoptimised generic code calls every vector operation out of
/// line and runs several times slower (measured on a busy machine, where tier-up came late).
/// </summary>
internal sealed unsafe partial class SimdOps
{
    /// <summary>Elements below which an op runs on the calling thread: a Parallel.For costs a few microseconds.</summary>
    private const long OutputParallelThreshold = 1L << 15;

    /// <summary>Elements per task of the elementwise ops (sum of squares, AdamW): large enough to amortise scheduling.</summary>
    private const int OutputChunk = 1 << 16;

    /// <summary>Vocabularies up to this size keep their top-k keys on the stack.</summary>
    private const int StackKeyLimit = 4096;

    public void CrossEntropyForwardBackward(Tensor<float> losses, Tensor<float> logitGradients, Tensor<float> logits, Tensor<int> targets,
        Tensor<float> weights, Tensor<uint>? allowedTokens, int rows, int vocabularySize, float gradientScale)
    {
        OutputArguments.CrossEntropy(losses, logitGradients, logits, targets, weights, allowedTokens, rows, vocabularySize, gradientScale);
        if (rows == 0) return;
        var rowPointers = new RowPointers(logits, logitGradients, allowedTokens, vocabularySize);
        nint lossAddress = (nint)losses.Pointer, targetAddress = (nint)targets.Pointer, weightAddress = (nint)weights.Pointer;
        var wide = Options.UsesVector512;
        ForEachRowBlock(rows, vocabularySize, (start, end) =>
        {
            for (var row = start; row < end; row++)
            {
                var target = ((int*)targetAddress)[row];
                var weight = ((float*)weightAddress)[row];
                ((float*)lossAddress)[row] = wide
                    ? CrossEntropyRow<Lanes512>(rowPointers.Output(row), rowPointers.Input(row), rowPointers.Mask(row), vocabularySize, target, weight, gradientScale)
                    : CrossEntropyRow<Lanes256>(rowPointers.Output(row), rowPointers.Input(row), rowPointers.Mask(row), vocabularySize, target, weight, gradientScale);
            }
        });
    }

    public void Softmax(Tensor<float> probabilities, Tensor<float> logits, Tensor<uint>? allowedTokens, int rows, int vocabularySize, float temperature)
    {
        OutputArguments.Softmax(probabilities, logits, allowedTokens, rows, vocabularySize, temperature);
        if (rows == 0) return;
        var rowPointers = new RowPointers(logits, probabilities, allowedTokens, vocabularySize);
        var inverseTemperature = 1 / temperature;
        var wide = Options.UsesVector512;
        ForEachRowBlock(rows, vocabularySize, (start, end) =>
        {
            for (var row = start; row < end; row++)
            {
                if (wide) SoftmaxRow<Lanes512>(rowPointers.Output(row), rowPointers.Input(row), rowPointers.Mask(row), vocabularySize, inverseTemperature);
                else SoftmaxRow<Lanes256>(rowPointers.Output(row), rowPointers.Input(row), rowPointers.Mask(row), vocabularySize, inverseTemperature);
            }
        });
    }

    public void Sample(Tensor<int> tokens, Tensor<float> logits, Tensor<uint>? allowedTokens, int rows, int vocabularySize,
        SamplingSettings settings, ulong seed)
    {
        OutputArguments.Sample(tokens, logits, allowedTokens, rows, vocabularySize, settings);
        if (rows == 0) return;
        var rowPointers = new RowPointers(logits, logits, allowedTokens, vocabularySize);
        nint tokenAddress = (nint)tokens.Pointer;
        ForEachRowBlock(rows, vocabularySize, (start, end) =>
        {
            var pooled = vocabularySize > StackKeyLimit ? ArrayPool<ulong>.Shared.Rent(vocabularySize) : null;
            Span<ulong> keys = pooled is null ? stackalloc ulong[vocabularySize] : pooled;
            for (var row = start; row < end; row++)
            {
                ((int*)tokenAddress)[row] = SampleRow(rowPointers.Input(row), rowPointers.Mask(row), vocabularySize, row, settings, seed, keys);
            }
            if (pooled is not null) ArrayPool<ulong>.Shared.Return(pooled);
        });
    }

    public float SumOfSquares(Tensor<float> values) =>
        (float)(Options.UsesVector512 ? SumOfSquares<Lanes512>(values.Pointer, values.Length) : SumOfSquares<Lanes256>(values.Pointer, values.Length));

    public void AdamW(Tensor<float> parameters, Tensor<float> gradients, Tensor<float> firstMoments, Tensor<float> secondMoments,
        AdamWSettings settings, int step, float gradientScale)
    {
        OutputArguments.AdamW(parameters, gradients, firstMoments, secondMoments, settings, step, gradientScale);
        var count = parameters.Length;
        if (count == 0) return;
        var coefficients = AdamWStep.Create(settings, step, gradientScale);
        nint p = (nint)parameters.Pointer, g = (nint)gradients.Pointer, m = (nint)firstMoments.Pointer, v = (nint)secondMoments.Pointer;
        var wide = Options.UsesVector512;
        var chunks = (count + OutputChunk - 1) / OutputChunk;
        if (count < OutputParallelThreshold || chunks == 1)
        {
            AdamWRange(wide, (float*)p, (float*)g, (float*)m, (float*)v, count, coefficients);
            return;
        }
        Parallel.For(0, chunks, chunk =>
        {
            var offset = chunk * OutputChunk;
            AdamWRange(wide, (float*)p + offset, (float*)g + offset, (float*)m + offset, (float*)v + offset,
                Math.Min(OutputChunk, count - offset), coefficients);
        });
    }

    /// <summary>Rows [start, end) in blocks over the thread pool when rows × vocabulary is large, else all on this thread.</summary>
    private static void ForEachRowBlock(int rows, int vocabularySize, Action<int, int> rowsBody)
    {
        var blocks = Math.Min(rows, 4 * Environment.ProcessorCount);
        if (blocks <= 1 || (long)rows * vocabularySize < OutputParallelThreshold)
        {
            rowsBody(0, rows);
            return;
        }
        Parallel.For(0, blocks, block => rowsBody((int)((long)rows * block / blocks), (int)((long)rows * (block + 1) / blocks)));
    }

    /// <summary>Where row r of a [rows, vocabulary] input, its output and its mask words start (no mask: null).</summary>
    private readonly struct RowPointers(Tensor<float> input, Tensor<float> output, Tensor<uint>? mask, int vocabularySize)
    {
        private readonly nint _input = (nint)input.Pointer, _output = (nint)output.Pointer;
        private readonly nint _mask = mask is null ? 0 : (nint)mask.Pointer;
        private readonly int _words = OutputArguments.MaskWordsPerRow(vocabularySize);

        public float* Input(int row) => (float*)_input + (long)row * vocabularySize;

        public float* Output(int row) => (float*)_output + (long)row * vocabularySize;

        public uint* Mask(int row) => _mask == 0 ? null : (uint*)_mask + (long)row * _words;
    }

    private static bool Allowed(uint* mask, int token) => mask == null || OutputSampling.IsAllowed(mask[token >> 5], token);

    /// <summary>
    /// Writes <c>gradientScale·weight·(p − onehot(target))</c> over <paramref name="output"/> and returns the row's loss
    /// <c>−weight·log p[target]</c>. <paramref name="output"/> may be <paramref name="logits"/>: each element is read
    /// before it is overwritten and the target's logit is saved first. A weighted row whose target is not an allowed
    /// token (or that allows nothing) gets loss +∞: p[target] is 0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float CrossEntropyRow<TLanes>(float* output, float* logits, uint* mask, int vocabularySize, int target, float weight, float gradientScale)
        where TLanes : unmanaged, ILanes<TLanes>
    {
        if (weight == 0)
        {
            new Span<float>(output, vocabularySize).Clear();
            return 0;
        }
        var max = AllowedMax<TLanes>(logits, mask, vocabularySize);
        var targetAllowed = (uint)target < (uint)vocabularySize && Allowed(mask, target);
        var targetLogit = targetAllowed ? logits[target] : float.NegativeInfinity;
        if (max == float.NegativeInfinity)
        {
            new Span<float>(output, vocabularySize).Clear();
            return float.PositiveInfinity;
        }
        var sum = WriteExponentials<TLanes>(output, logits, mask, vocabularySize, max, 1);
        var coefficient = gradientScale * weight;
        Scale<TLanes>(output, vocabularySize, coefficient / sum);
        if (targetAllowed) output[target] -= coefficient;
        return weight * (MathF.Log(sum) - (targetLogit - max));
    }

    /// <summary>Writes the tempered softmax of the allowed tokens; disallowed tokens, and every token of a row that allows none, get 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SoftmaxRow<TLanes>(float* output, float* logits, uint* mask, int vocabularySize, float inverseTemperature)
        where TLanes : unmanaged, ILanes<TLanes>
    {
        var max = AllowedMax<TLanes>(logits, mask, vocabularySize);
        if (max == float.NegativeInfinity)
        {
            new Span<float>(output, vocabularySize).Clear();
            return;
        }
        var sum = WriteExponentials<TLanes>(output, logits, mask, vocabularySize, max, inverseTemperature);
        Scale<TLanes>(output, vocabularySize, 1 / sum);
    }

    /// <summary>The largest allowed logit, −∞ when no token is allowed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float AllowedMax<TLanes>(float* logits, uint* mask, int vocabularySize) where TLanes : unmanaged, ILanes<TLanes>
    {
        var lowest = TLanes.Broadcast(float.NegativeInfinity);
        var best = lowest;
        var j = 0;
        for (; j <= vocabularySize - TLanes.Count; j += TLanes.Count)
        {
            var x = TLanes.Load(logits + j);
            best = TLanes.Max(best, mask == null ? x : TLanes.SelectByBits(mask[j >> 5] >> (j & 31), x, lowest));
        }
        var max = best.Maximum();
        for (; j < vocabularySize; j++)
            if (Allowed(mask, j)) max = MathF.Max(max, logits[j]);
        return max;
    }

    /// <summary>Writes <c>exp((x − max)·inverseTemperature)</c> for allowed tokens and 0 for the rest; returns their sum.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float WriteExponentials<TLanes>(float* output, float* logits, uint* mask, int vocabularySize, float max, float inverseTemperature)
        where TLanes : unmanaged, ILanes<TLanes>
    {
        var shift = TLanes.Broadcast(max);
        var scale = TLanes.Broadcast(inverseTemperature);
        var zero = TLanes.Broadcast(0);
        var sums = zero;
        var j = 0;
        for (; j <= vocabularySize - TLanes.Count; j += TLanes.Count)
        {
            var e = LanesMath.Exp((TLanes.Load(logits + j) - shift) * scale);
            if (mask != null) e = TLanes.SelectByBits(mask[j >> 5] >> (j & 31), e, zero);
            e.Store(output + j);
            sums += e;
        }
        var sum = sums.Sum();
        for (; j < vocabularySize; j++)
        {
            var e = Allowed(mask, j) ? MathF.Exp((logits[j] - max) * inverseTemperature) : 0;
            output[j] = e;
            sum += e;
        }
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Scale<TLanes>(float* values, int count, float factor) where TLanes : unmanaged, ILanes<TLanes>
    {
        var f = TLanes.Broadcast(factor);
        var j = 0;
        for (; j <= count - TLanes.Count; j += TLanes.Count) (TLanes.Load(values + j) * f).Store(values + j);
        for (; j < count; j++) values[j] *= factor;
    }

    /// <summary>One row's draw (see <see cref="OutputSampling"/>); <paramref name="keys"/> has room for the vocabulary.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int SampleRow(float* logits, uint* mask, int vocabularySize, int row, SamplingSettings settings, ulong seed, Span<ulong> keys)
    {
        // With fewer than k allowed tokens every allowed token is a candidate; otherwise the k-th largest rank key is the bar.
        var bar = 0UL;
        if (settings.Temperature > 0 && settings.TopK > 0 && settings.TopK < vocabularySize)
        {
            var allowed = 0;
            for (var j = 0; j < vocabularySize; j++)
                if (Allowed(mask, j)) keys[allowed++] = RankKey(logits[j], j);
            if (allowed > settings.TopK)
            {
                var used = keys[..allowed];
                used.Sort();
                bar = used[allowed - settings.TopK];
            }
        }
        var best = -1;
        var bestScore = 0.0;
        for (var j = 0; j < vocabularySize; j++)
        {
            if (!Allowed(mask, j) || (bar != 0 && RankKey(logits[j], j) < bar)) continue;
            var score = OutputSampling.Score(logits[j], settings.Temperature, seed, row, j);
            if (OutputSampling.Beats(score, j, bestScore, best)) (bestScore, best) = (score, j);
        }
        return best;
    }

    /// <summary>
    /// A key whose unsigned order is <see cref="OutputSampling.RanksBefore"/>: the logit's bits made order-preserving
    /// (−0 folded into +0, as float comparison does) above the inverted token index. Never 0.
    /// </summary>
    private static ulong RankKey(float logit, int token)
    {
        var bits = BitConverter.SingleToUInt32Bits(logit + 0f);
        var ordered = (bits & 0x8000_0000u) != 0 ? ~bits : bits | 0x8000_0000u;
        return ((ulong)ordered << 32) | (uint.MaxValue - (uint)token);
    }

    /// <summary>Σ x² over chunks of the buffer, in parallel when it is large; partial sums are added in chunk order, so the result is reproducible.</summary>
    private static double SumOfSquares<TLanes>(float* values, long count) where TLanes : unmanaged, ILanes<TLanes>
    {
        var chunks = (int)((count + OutputChunk - 1) / OutputChunk);
        if (count < OutputParallelThreshold || chunks <= 1) return SumOfSquaresRange<TLanes>(values, count);
        var partials = ArrayPool<double>.Shared.Rent(chunks);
        nint address = (nint)values;
        Parallel.For(0, chunks, chunk =>
        {
            var offset = (long)chunk * OutputChunk;
            partials[chunk] = SumOfSquaresRange<TLanes>((float*)address + offset, Math.Min(OutputChunk, count - offset));
        });
        var total = 0.0;
        for (var chunk = 0; chunk < chunks; chunk++) total += partials[chunk];
        ArrayPool<double>.Shared.Return(partials);
        return total;
    }

    /// <summary>
    /// Four float accumulators over blocks of 64 registers (each lane adds at most 16 squares, so the float error stays
    /// near 16 ulp), each block's total added in double: millions of values keep fp32 accuracy at full vector speed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double SumOfSquaresRange<TLanes>(float* values, long count) where TLanes : unmanaged, ILanes<TLanes>
    {
        var width = TLanes.Count;
        var block = 64 * width;
        var zero = TLanes.Broadcast(0);
        var total = 0.0;
        long i = 0;
        for (; i + block <= count; i += block)
        {
            TLanes a0 = zero, a1 = zero, a2 = zero, a3 = zero;
            for (var k = i; k < i + block; k += 4 * width)
            {
                var x0 = TLanes.Load(values + k);
                var x1 = TLanes.Load(values + k + width);
                var x2 = TLanes.Load(values + k + 2 * width);
                var x3 = TLanes.Load(values + k + 3 * width);
                a0 = TLanes.MultiplyAdd(x0, x0, a0);
                a1 = TLanes.MultiplyAdd(x1, x1, a1);
                a2 = TLanes.MultiplyAdd(x2, x2, a2);
                a3 = TLanes.MultiplyAdd(x3, x3, a3);
            }
            total += ((a0 + a1) + (a2 + a3)).Sum();
        }
        var rest = zero;
        for (; i + width <= count; i += width)
        {
            var x = TLanes.Load(values + i);
            rest = TLanes.MultiplyAdd(x, x, rest);
        }
        total += rest.Sum();
        for (; i < count; i++) total += (double)values[i] * values[i];
        return total;
    }

    private static void AdamWRange(bool wide, float* parameters, float* gradients, float* firstMoments, float* secondMoments, long count, AdamWStep step)
    {
        if (wide) AdamWRange<Lanes512>(parameters, gradients, firstMoments, secondMoments, count, step);
        else AdamWRange<Lanes256>(parameters, gradients, firstMoments, secondMoments, count, step);
    }

    /// <summary>The update of <see cref="AdamWStep"/>, a register at a time, then the tail with the same formula in scalars.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AdamWRange<TLanes>(float* parameters, float* gradients, float* firstMoments, float* secondMoments, long count, AdamWStep step)
        where TLanes : unmanaged, ILanes<TLanes>
    {
        var decay = TLanes.Broadcast(step.Decay);
        var beta1 = TLanes.Broadcast(step.Beta1);
        var oneMinusBeta1 = TLanes.Broadcast(step.OneMinusBeta1);
        var beta2 = TLanes.Broadcast(step.Beta2);
        var oneMinusBeta2 = TLanes.Broadcast(step.OneMinusBeta2);
        var negativeStepSize = TLanes.Broadcast(-step.StepSize);
        var correction2 = TLanes.Broadcast(step.BiasCorrection2Sqrt);
        var epsilon = TLanes.Broadcast(step.Epsilon);
        var gradientScale = TLanes.Broadcast(step.GradientScale);
        long i = 0;
        for (; i + TLanes.Count <= count; i += TLanes.Count)
        {
            var g = TLanes.Load(gradients + i) * gradientScale;
            var m = TLanes.MultiplyAdd(beta1, TLanes.Load(firstMoments + i), oneMinusBeta1 * g);
            var v = TLanes.MultiplyAdd(beta2, TLanes.Load(secondMoments + i), oneMinusBeta2 * g * g);
            var denominator = TLanes.Sqrt(v) / correction2 + epsilon;
            var p = TLanes.MultiplyAdd(negativeStepSize, m / denominator, TLanes.Load(parameters + i) * decay);
            m.Store(firstMoments + i);
            v.Store(secondMoments + i);
            p.Store(parameters + i);
        }
        for (; i < count; i++)
        {
            var g = gradients[i] * step.GradientScale;
            var m = MathF.FusedMultiplyAdd(step.Beta1, firstMoments[i], step.OneMinusBeta1 * g);
            var v = MathF.FusedMultiplyAdd(step.Beta2, secondMoments[i], step.OneMinusBeta2 * g * g);
            var denominator = MathF.Sqrt(v) / step.BiasCorrection2Sqrt + step.Epsilon;
            parameters[i] = MathF.FusedMultiplyAdd(-step.StepSize, m / denominator, parameters[i] * step.Decay);
            firstMoments[i] = m;
            secondMoments[i] = v;
        }
    }
}
