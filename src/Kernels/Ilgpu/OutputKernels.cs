using ILGPU;
using ILGPU.Algorithms;

namespace GoSeqZero.Kernels.Ilgpu;

/// <summary>The shape of a row-wise output op: rows of <see cref="Vocabulary"/> logits and <see cref="MaskWords"/> mask words (0: no mask).</summary>
internal readonly struct OutputRows(int rows, int vocabulary, int maskWords)
{
    public readonly int Rows = rows;
    public readonly int Vocabulary = vocabulary;
    public readonly int MaskWords = maskWords;
}

/// <summary>
/// The ILGPU kernels of the output and optimizer ops.
/// <para>
/// Row ops (cross-entropy, softmax, sampling) give each row one warp: a vocabulary of a few hundred tokens is a handful
/// of coalesced loads per lane, and the row's max, sum or argmax is a shuffle butterfly with no shared memory and no
/// group barrier. A group holds several warps, hence several rows. Softmax and cross-entropy take two passes over the
/// row: an online max-and-sum (one exponential per token), then the write.
/// </para>
/// <para>
/// The sum of squares is a two-level reduction (grid-stride partial sums per group, then one group over the partials),
/// in double so that millions of squares keep fp32 accuracy; AdamW is a grid-stride elementwise update.
/// </para>
/// </summary>
internal static class OutputKernels
{
    /// <summary>Warps per group of the row kernels; more buys nothing, as warps share no data.</summary>
    public const int RowWarpsPerGroup = 8;

    /// <summary>Room for the per-warp totals of a group reduction: 1024 threads in warps of 32, or 32 on the emulator in warps of 4.</summary>
    private const int MaxWarpsPerGroup = 32;

    /// <summary>
    /// Losses and logit gradients (see <see cref="IOps.CrossEntropyForwardBackward"/>). <paramref name="gradients"/> may be
    /// <paramref name="logits"/>: a lane overwrites only the elements it has just read, and every lane reads the target's
    /// logit before the warp's first shuffle, after which the writes start.
    /// </summary>
    public static void CrossEntropy(ArrayView<float> losses, ArrayView<float> gradients, ArrayView<float> logits, ArrayView<int> targets,
        ArrayView<float> weights, ArrayView<uint> mask, OutputRows shape, float gradientScale)
    {
        var row = WarpRow();
        if (row >= shape.Rows) return;
        var vocabulary = shape.Vocabulary;
        var offset = (long)row * vocabulary;
        var maskOffset = (long)row * shape.MaskWords;
        var weight = weights[row];
        if (weight == 0)
        {
            for (var j = Warp.LaneIdx; j < vocabulary; j += Warp.WarpSize) gradients[offset + j] = 0;
            if (Warp.IsFirstLane) losses[row] = 0;
            return;
        }
        var target = targets[row];
        var targetAllowed = (uint)target < (uint)vocabulary && Allowed(mask, shape, maskOffset, target);
        var targetLogit = targetAllowed ? logits[offset + target] : float.NegativeInfinity;

        var max = float.NegativeInfinity;
        var sum = 0f;
        for (var j = Warp.LaneIdx; j < vocabulary; j += Warp.WarpSize)
            if (Allowed(mask, shape, maskOffset, j)) AddToOnlineSum(ref max, ref sum, logits[offset + j], 1);
        CombineOverWarp(ref max, ref sum, 1);

        if (max == float.NegativeInfinity)
        {
            for (var j = Warp.LaneIdx; j < vocabulary; j += Warp.WarpSize) gradients[offset + j] = 0;
            if (Warp.IsFirstLane) losses[row] = float.PositiveInfinity;
            return;
        }
        var coefficient = gradientScale * weight;
        var factor = coefficient / sum;
        for (var j = Warp.LaneIdx; j < vocabulary; j += Warp.WarpSize)
        {
            var gradient = 0f;
            if (Allowed(mask, shape, maskOffset, j))
            {
                gradient = XMath.Exp(logits[offset + j] - max) * factor;
                if (j == target) gradient -= coefficient;
            }
            gradients[offset + j] = gradient;
        }
        if (Warp.IsFirstLane) losses[row] = weight * (XMath.Log(sum) - (targetLogit - max));
    }

    /// <summary>Tempered softmax over the allowed tokens; disallowed tokens, and rows that allow none, get 0.</summary>
    public static void Softmax(ArrayView<float> probabilities, ArrayView<float> logits, ArrayView<uint> mask, OutputRows shape, float inverseTemperature)
    {
        var row = WarpRow();
        if (row >= shape.Rows) return;
        var vocabulary = shape.Vocabulary;
        var offset = (long)row * vocabulary;
        var maskOffset = (long)row * shape.MaskWords;
        var max = float.NegativeInfinity;
        var sum = 0f;
        for (var j = Warp.LaneIdx; j < vocabulary; j += Warp.WarpSize)
            if (Allowed(mask, shape, maskOffset, j)) AddToOnlineSum(ref max, ref sum, logits[offset + j], inverseTemperature);
        CombineOverWarp(ref max, ref sum, inverseTemperature);
        var anyAllowed = max > float.NegativeInfinity;
        var factor = 1 / sum;
        for (var j = Warp.LaneIdx; j < vocabulary; j += Warp.WarpSize)
        {
            var probability = 0f;
            if (anyAllowed && Allowed(mask, shape, maskOffset, j)) probability = XMath.Exp((logits[offset + j] - max) * inverseTemperature) * factor;
            probabilities[offset + j] = probability;
        }
    }

    /// <summary>
    /// One draw per row (see <see cref="OutputSampling"/>): each lane scores its candidates and the warp takes the argmax.
    /// A token is a top-k candidate when fewer than k allowed tokens rank before it, counted over the row (O(V) per
    /// token, with an early exit at k; cheap for the few hundred tokens here and free of any limit on k).
    /// </summary>
    public static void Sample(ArrayView<int> tokens, ArrayView<float> logits, ArrayView<uint> mask, OutputRows shape,
        float temperature, int topK, ulong seed)
    {
        var row = WarpRow();
        if (row >= shape.Rows) return;
        var vocabulary = shape.Vocabulary;
        var offset = (long)row * vocabulary;
        var maskOffset = (long)row * shape.MaskWords;
        var restricted = temperature > 0 && topK > 0 && topK < vocabulary;
        var best = -1;
        var bestScore = 0.0;
        for (var j = Warp.LaneIdx; j < vocabulary; j += Warp.WarpSize)
        {
            if (!Allowed(mask, shape, maskOffset, j)) continue;
            var logit = logits[offset + j];
            if (restricted && !InTopK(logits, mask, shape, offset, maskOffset, logit, j, topK)) continue;
            var score = OutputSampling.Score(logit, temperature, seed, row, j);
            if (OutputSampling.Beats(score, j, bestScore, best))
            {
                bestScore = score;
                best = j;
            }
        }
        for (var delta = Warp.WarpSize / 2; delta > 0; delta /= 2)
        {
            var otherScore = Warp.ShuffleXor(bestScore, delta);
            var other = Warp.ShuffleXor(best, delta);
            if (OutputSampling.Beats(otherScore, other, bestScore, best))
            {
                bestScore = otherScore;
                best = other;
            }
        }
        if (Warp.IsFirstLane) tokens[row] = best;
    }

    /// <summary>First level of Σ x²: each group's grid-stride share, summed in double, into <c>partials[group]</c>.</summary>
    public static void SumOfSquaresPartials(ArrayView<float> values, ArrayView<double> partials, long count)
    {
        var sum = 0.0;
        var stride = (long)Grid.DimX * Group.DimX;
        for (var i = (long)Grid.IdxX * Group.DimX + Group.IdxX; i < count; i += stride)
        {
            var x = values[i];
            sum += x * x;
        }
        sum = SumOverGroup(sum);
        if (Group.IsFirstThread) partials[Grid.IdxX] = sum;
    }

    /// <summary>Second level: one group adds the first <paramref name="count"/> partial sums into <c>total[0]</c>.</summary>
    public static void SumOfPartials(ArrayView<double> partials, ArrayView<double> total, int count)
    {
        var sum = 0.0;
        for (var i = Group.IdxX; i < count; i += Group.DimX) sum += partials[i];
        sum = SumOverGroup(sum);
        if (Group.IsFirstThread) total[0] = sum;
    }

    /// <summary>The update of <see cref="AdamWStep"/>, grid-stride over the buffers (coalesced, one element per thread per pass).</summary>
    public static void AdamW(ArrayView<float> parameters, ArrayView<float> gradients, ArrayView<float> firstMoments, ArrayView<float> secondMoments,
        long count, AdamWStep step)
    {
        var stride = (long)Grid.DimX * Group.DimX;
        for (var i = (long)Grid.IdxX * Group.DimX + Group.IdxX; i < count; i += stride)
        {
            var g = gradients[i] * step.GradientScale;
            var m = step.Beta1 * firstMoments[i] + step.OneMinusBeta1 * g;
            var v = step.Beta2 * secondMoments[i] + step.OneMinusBeta2 * g * g;
            var denominator = XMath.Sqrt(v) / step.BiasCorrection2Sqrt + step.Epsilon;
            parameters[i] = parameters[i] * step.Decay - step.StepSize * (m / denominator);
            firstMoments[i] = m;
            secondMoments[i] = v;
        }
    }

    /// <summary>The row of this warp: groups hold <c>Group.DimX / WarpSize</c> warps, one row each.</summary>
    private static int WarpRow() => Grid.IdxX * (Group.DimX / Warp.WarpSize) + Warp.WarpIdx;

    private static bool Allowed(ArrayView<uint> mask, OutputRows shape, long maskOffset, int token) =>
        shape.MaskWords == 0 || OutputSampling.IsAllowed(mask[maskOffset + (token >> 5)], token);

    /// <summary>Fewer than k allowed tokens of the row rank before (logit, token).</summary>
    private static bool InTopK(ArrayView<float> logits, ArrayView<uint> mask, OutputRows shape, long offset, long maskOffset, float logit, int token, int topK)
    {
        var ahead = 0;
        for (var i = 0; i < shape.Vocabulary; i++)
        {
            if (!Allowed(mask, shape, maskOffset, i) || !OutputSampling.RanksBefore(logits[offset + i], i, logit, token)) continue;
            if (++ahead >= topK) return false;
        }
        return true;
    }

    /// <summary>
    /// Online softmax normaliser: <paramref name="sum"/> = Σ exp((x − max)·inverseTemperature) over the values seen,
    /// rescaled whenever a larger value arrives. −∞ values add nothing.
    /// </summary>
    private static void AddToOnlineSum(ref float max, ref float sum, float x, float inverseTemperature)
    {
        if (x > max)
        {
            sum = sum * XMath.Exp((max - x) * inverseTemperature) + 1;
            max = x;
        }
        else if (x > float.NegativeInfinity) sum += XMath.Exp((x - max) * inverseTemperature);
    }

    /// <summary>Merges the lanes' (max, sum) pairs; the merge is symmetric, so every lane ends with the same pair.</summary>
    private static void CombineOverWarp(ref float max, ref float sum, float inverseTemperature)
    {
        for (var delta = Warp.WarpSize / 2; delta > 0; delta /= 2)
        {
            var otherMax = Warp.ShuffleXor(max, delta);
            var otherSum = Warp.ShuffleXor(sum, delta);
            var merged = XMath.Max(max, otherMax);
            sum = merged == float.NegativeInfinity
                ? 0
                : sum * XMath.Exp((max - merged) * inverseTemperature) + otherSum * XMath.Exp((otherMax - merged) * inverseTemperature);
            max = merged;
        }
    }

    private static double SumOverWarp(double value)
    {
        for (var delta = Warp.WarpSize / 2; delta > 0; delta /= 2) value += Warp.ShuffleXor(value, delta);
        return value;
    }

    /// <summary>The group's total, valid in its first thread: warp butterflies, then the first warp adds the warp totals.</summary>
    private static double SumOverGroup(double value)
    {
        var warpTotals = SharedMemory.Allocate<double>(MaxWarpsPerGroup);
        value = SumOverWarp(value);
        if (Warp.IsFirstLane) warpTotals[Warp.WarpIdx] = value;
        Group.Barrier();
        if (Warp.WarpIdx != 0) return 0;
        var sum = 0.0;
        for (var i = Warp.LaneIdx; i < Group.DimX / Warp.WarpSize; i += Warp.WarpSize) sum += warpTotals[i];
        return SumOverWarp(sum);
    }
}
