namespace GoSeqZero.Kernels;

/// <summary>
/// The host-side checks of the output and optimizer ops (cross-entropy, softmax, sampling, sum of squares, AdamW),
/// shared by both implementations: a tensor shorter than its op reads would read or write out of bounds, and a
/// temperature or top-k the kernels cannot honour is refused here, where the caller can still be told why.
/// </summary>
internal static class OutputArguments
{
    /// <summary>Words of an allowed-token bit set per row: one bit per token, 32 tokens a word.</summary>
    public static int MaskWordsPerRow(int vocabularySize) => (vocabularySize + 31) / 32;

    public static void CrossEntropy(Tensor<float> losses, Tensor<float> logitGradients, Tensor<float> logits, Tensor<int> targets,
        Tensor<float> weights, Tensor<uint>? allowedTokens, int rows, int vocabularySize, float gradientScale)
    {
        const string op = "cross-entropy";
        Rows(op, rows, vocabularySize, logits, allowedTokens);
        Need(op, "logitGradients", logitGradients, (long)rows * vocabularySize, "rows × vocabulary");
        Need(op, "losses", losses, rows, "the rows");
        Need(op, "targets", targets, rows, "the rows");
        Need(op, "weights", weights, rows, "the rows");
        if (!float.IsFinite(gradientScale)) throw new ArgumentException($"{op}: the gradient scale must be finite, not {gradientScale}");
    }

    public static void Softmax(Tensor<float> probabilities, Tensor<float> logits, Tensor<uint>? allowedTokens, int rows, int vocabularySize, float temperature)
    {
        const string op = "softmax";
        Rows(op, rows, vocabularySize, logits, allowedTokens);
        Need(op, "probabilities", probabilities, (long)rows * vocabularySize, "rows × vocabulary");
        if (!(temperature > 0) || !float.IsFinite(temperature))
            throw new ArgumentException($"{op}: the temperature must be a positive finite number, not {temperature} (use Sample with temperature 0 for the argmax)");
    }

    public static void Sample(Tensor<int> tokens, Tensor<float> logits, Tensor<uint>? allowedTokens, int rows, int vocabularySize, SamplingSettings settings)
    {
        const string op = "sample";
        Rows(op, rows, vocabularySize, logits, allowedTokens);
        Need(op, "tokens", tokens, rows, "the rows");
        if (!(settings.Temperature >= 0) || !float.IsFinite(settings.Temperature))
            throw new ArgumentException($"{op}: the temperature must be 0 (argmax) or a positive finite number, not {settings.Temperature}");
        if (settings.TopK < 0) throw new ArgumentException($"{op}: top-k must be 0 (every token) or positive, not {settings.TopK}");
    }

    public static void AdamW(Tensor<float> parameters, Tensor<float> gradients, Tensor<float> firstMoments, Tensor<float> secondMoments,
        AdamWSettings settings, int step, float gradientScale)
    {
        const string op = "AdamW";
        var count = parameters.Length;
        if (gradients.Length != count || firstMoments.Length != count || secondMoments.Length != count)
            throw new ArgumentException($"{op}: parameters ({count}), gradients ({gradients.Length}), first moments ({firstMoments.Length}) " +
                $"and second moments ({secondMoments.Length}) must have the same length");
        if (step < 1) throw new ArgumentException($"{op}: steps count from 1, got {step}");
        if (!float.IsFinite(gradientScale)) throw new ArgumentException($"{op}: the gradient scale must be finite, not {gradientScale}");
        if (!float.IsFinite(settings.LearningRate) || !float.IsFinite(settings.WeightDecay) || !(settings.Epsilon > 0) ||
            !(settings.Beta1 >= 0 && settings.Beta1 < 1) || !(settings.Beta2 >= 0 && settings.Beta2 < 1))
            throw new ArgumentException($"{op}: bad settings {settings}: betas must lie in [0, 1), epsilon must be positive, the rest finite");
    }

    private static void Rows(string op, int rows, int vocabularySize, Tensor<float> logits, Tensor<uint>? allowedTokens)
    {
        if (rows < 0 || vocabularySize < 1)
            throw new ArgumentException($"{op}: rows ({rows}) must not be negative and the vocabulary ({vocabularySize}) must be positive");
        Need(op, "logits", logits, (long)rows * vocabularySize, "rows × vocabulary");
        if (allowedTokens is not null)
            Need(op, "allowedTokens", allowedTokens, (long)rows * MaskWordsPerRow(vocabularySize), $"rows × ⌈{vocabularySize}/32⌉ mask words");
    }

    private static void Need<T>(string op, string name, Tensor<T> tensor, long needed, string why) where T : unmanaged
    {
        if (tensor.Length < needed) throw new ArgumentException($"{op}: {name} has {tensor.Length} elements, {why} need {needed}");
    }
}

/// <summary>
/// The per-step scalars of <c>torch.optim.AdamW</c>, computed once in double on the host (as PyTorch computes them in
/// Python) and rounded to float for the elementwise kernels:
/// <c>p ← p·Decay; m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²; p ← p − StepSize·m / (√v / BiasCorrection2Sqrt + ε)</c>
/// with <c>g = gradient·GradientScale</c>.
/// </summary>
internal readonly record struct AdamWStep(float Decay, float Beta1, float OneMinusBeta1, float Beta2, float OneMinusBeta2,
    float StepSize, float BiasCorrection2Sqrt, float Epsilon, float GradientScale)
{
    public static AdamWStep Create(AdamWSettings settings, int step, float gradientScale)
    {
        double beta1 = settings.Beta1, beta2 = settings.Beta2, learningRate = settings.LearningRate;
        var biasCorrection1 = 1 - Math.Pow(beta1, step);
        var biasCorrection2 = 1 - Math.Pow(beta2, step);
        return new AdamWStep(
            Decay: (float)(1 - learningRate * settings.WeightDecay),
            Beta1: settings.Beta1, OneMinusBeta1: (float)(1 - beta1),
            Beta2: settings.Beta2, OneMinusBeta2: (float)(1 - beta2),
            StepSize: (float)(learningRate / biasCorrection1),
            BiasCorrection2Sqrt: (float)Math.Sqrt(biasCorrection2),
            Epsilon: settings.Epsilon,
            GradientScale: gradientScale);
    }
}
