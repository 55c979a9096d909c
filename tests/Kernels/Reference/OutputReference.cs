using GoSeqZero.Kernels;

namespace GoSeqZero.Tests.Kernels.Reference;

/// <summary>
/// The float64 definitions the output and optimizer kernels are checked against: masked softmax and cross-entropy,
/// the top-k candidates and the draw of <see cref="IOps.Sample"/>, the sum of squares and PyTorch's AdamW, loop by loop.
/// Masks are <c>⌈V/32⌉</c> words per row, bit <c>j % 32</c> of word <c>j / 32</c> for token j; null allows every token.
/// </summary>
public static class OutputReference
{
    public static bool IsAllowed(uint[]? mask, int row, int vocabularySize, int token) =>
        mask is null || ((mask[row * ((vocabularySize + 31) / 32) + token / 32] >> (token % 32)) & 1) != 0;

    /// <summary>
    /// <c>losses[r] = −w_r·log p[r, t_r]</c> and <c>gradients[r, j] = scale·w_r·(p[r, j] − [j = t_r])</c> over the allowed
    /// tokens (0 elsewhere); rows of weight 0 get 0 and 0; a weighted row whose target is not allowed has loss +∞.
    /// </summary>
    public static (double[] Losses, double[] Gradients) CrossEntropy(double[] logits, int[] targets, float[] weights, uint[]? mask,
        int rows, int vocabularySize, double gradientScale)
    {
        var losses = new double[rows];
        var gradients = new double[rows * vocabularySize];
        for (var r = 0; r < rows; r++)
        {
            double weight = weights[r];
            if (weight == 0) continue;
            var p = RowSoftmax(logits, mask, r, vocabularySize, 1);
            var target = targets[r];
            var targetAllowed = target >= 0 && target < vocabularySize && IsAllowed(mask, r, vocabularySize, target);
            losses[r] = targetAllowed ? -weight * Math.Log(p[target]) : double.PositiveInfinity;
            for (var j = 0; j < vocabularySize; j++)
            {
                if (!IsAllowed(mask, r, vocabularySize, j)) continue;
                gradients[r * vocabularySize + j] = gradientScale * weight * (p[j] - (j == target ? 1 : 0));
            }
        }
        return (losses, gradients);
    }

    /// <summary>Softmax of logit / temperature over the allowed tokens of every row; 0 for the rest and for rows that allow none.</summary>
    public static double[] Softmax(float[] logits, uint[]? mask, int rows, int vocabularySize, double temperature)
    {
        var asDouble = Array.ConvertAll(logits, x => (double)x);
        var result = new double[rows * vocabularySize];
        for (var r = 0; r < rows; r++) RowSoftmax(asDouble, mask, r, vocabularySize, temperature).CopyTo(result, r * vocabularySize);
        return result;
    }

    /// <summary>
    /// Whether each token of the row may be drawn: allowed, and at temperature > 0 with 0 &lt; k among the k allowed tokens
    /// of largest logit (ties to the lower index).
    /// </summary>
    public static bool[] Candidates(float[] logits, uint[]? mask, int row, int vocabularySize, SamplingSettings settings)
    {
        var allowed = Enumerable.Range(0, vocabularySize).Where(j => IsAllowed(mask, row, vocabularySize, j)).ToList();
        var candidates = new bool[vocabularySize];
        var ranked = allowed.OrderByDescending(j => logits[row * vocabularySize + j]).ThenBy(j => j).ToList();
        var keep = settings.Temperature > 0 && settings.TopK > 0 ? Math.Min(settings.TopK, ranked.Count) : ranked.Count;
        foreach (var j in ranked.Take(keep)) candidates[j] = true;
        return candidates;
    }

    /// <summary>The probability of drawing each token of the row at a positive temperature: softmax(logit / T) over the candidates.</summary>
    public static double[] DrawProbabilities(float[] logits, uint[]? mask, int row, int vocabularySize, SamplingSettings settings)
    {
        var candidates = Candidates(logits, mask, row, vocabularySize, settings);
        var max = double.NegativeInfinity;
        for (var j = 0; j < vocabularySize; j++)
            if (candidates[j]) max = Math.Max(max, logits[row * vocabularySize + j] / (double)settings.Temperature);
        var p = new double[vocabularySize];
        var sum = 0.0;
        for (var j = 0; j < vocabularySize; j++)
            if (candidates[j]) sum += p[j] = Math.Exp(logits[row * vocabularySize + j] / (double)settings.Temperature - max);
        for (var j = 0; j < vocabularySize; j++) p[j] /= sum;
        return p;
    }

    /// <summary>
    /// The token <see cref="IOps.Sample"/> must draw: the argmax (lowest index on ties) over the candidates of the logit at
    /// temperature 0, else of <c>logit / T + G</c> with G the Gumbel noise of (seed, row, token) that both paths share; −1 when none.
    /// </summary>
    public static int Draw(float[] logits, uint[]? mask, int row, int vocabularySize, SamplingSettings settings, ulong seed)
    {
        var candidates = Candidates(logits, mask, row, vocabularySize, settings);
        var best = -1;
        var bestScore = double.NegativeInfinity;
        for (var j = 0; j < vocabularySize; j++)
        {
            if (!candidates[j]) continue;
            double logit = logits[row * vocabularySize + j];
            var score = settings.Temperature == 0 ? logit : logit / settings.Temperature + OutputSampling.Gumbel(seed, row, j);
            if (best < 0 || score > bestScore) (best, bestScore) = (j, score);
        }
        return best;
    }

    public static double SumOfSquares(float[] values)
    {
        var sum = 0.0;
        foreach (var x in values) sum += (double)x * x;
        return sum;
    }

    /// <summary>
    /// torch.optim.AdamW from the given state over one gradient per step, steps <paramref name="firstStep"/>, +1, …:
    /// <c>p ← p·(1 − lr·wd); m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²; p ← p − lr/(1−β1^t)·m / (√v/√(1−β2^t) + ε)</c>
    /// with <c>g = gradient·gradientScale</c>.
    /// </summary>
    public static (double[] Parameters, double[] FirstMoments, double[] SecondMoments) AdamW(float[] parameters, float[] firstMoments,
        float[] secondMoments, IReadOnlyList<float[]> gradientsPerStep, AdamWSettings settings, int firstStep, float gradientScale)
    {
        var p = Array.ConvertAll(parameters, x => (double)x);
        var m = Array.ConvertAll(firstMoments, x => (double)x);
        var v = Array.ConvertAll(secondMoments, x => (double)x);
        double lr = settings.LearningRate, beta1 = settings.Beta1, beta2 = settings.Beta2, epsilon = settings.Epsilon;
        for (var s = 0; s < gradientsPerStep.Count; s++)
        {
            var t = firstStep + s;
            var correction1 = 1 - Math.Pow(beta1, t);
            var correction2 = 1 - Math.Pow(beta2, t);
            for (var i = 0; i < p.Length; i++)
            {
                var g = (double)gradientsPerStep[s][i] * gradientScale;
                p[i] *= 1 - lr * settings.WeightDecay;
                m[i] = beta1 * m[i] + (1 - beta1) * g;
                v[i] = beta2 * v[i] + (1 - beta2) * g * g;
                p[i] -= lr / correction1 * m[i] / (Math.Sqrt(v[i]) / Math.Sqrt(correction2) + epsilon);
            }
        }
        return (p, m, v);
    }

    private static double[] RowSoftmax(double[] logits, uint[]? mask, int row, int vocabularySize, double temperature)
    {
        var p = new double[vocabularySize];
        var max = double.NegativeInfinity;
        for (var j = 0; j < vocabularySize; j++)
            if (IsAllowed(mask, row, vocabularySize, j)) max = Math.Max(max, logits[row * vocabularySize + j]);
        if (double.IsNegativeInfinity(max)) return p;
        var sum = 0.0;
        for (var j = 0; j < vocabularySize; j++)
            if (IsAllowed(mask, row, vocabularySize, j)) sum += p[j] = Math.Exp((logits[row * vocabularySize + j] - max) / temperature);
        for (var j = 0; j < vocabularySize; j++) p[j] /= sum;
        return p;
    }
}
