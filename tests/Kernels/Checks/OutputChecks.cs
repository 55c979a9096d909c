using GoSeqZero.Kernels;
using GoSeqZero.Tests.Kernels.Reference;

namespace GoSeqZero.Tests.Kernels.Checks;

/// <summary>
/// Checks of the output and optimizer ops against <see cref="OutputReference"/>: cross-entropy (masks, zero-weight rows,
/// in place, finite differences), softmax, sampling (argmax, candidates, the exact draw, frequencies), the sum of squares
/// and AdamW over three steps.
/// </summary>
public static class OutputChecks
{
    public static IEnumerable<KernelCase> Cases(bool large)
    {
        var (rows, vocabulary) = large ? (4096, 512) : (6, 45);
        yield return new($"cross-entropy {rows}x{vocabulary} masked, zero weights", (d, s) => CrossEntropy(d, s, rows, vocabulary, masked: true, inPlace: false));
        yield return new($"cross-entropy {rows}x{vocabulary} masked, in place", (d, s) => CrossEntropy(d, s, rows, vocabulary, masked: true, inPlace: true));
        var (plainRows, plainVocabulary) = large ? (1000, 362) : (3, 70);
        yield return new($"cross-entropy {plainRows}x{plainVocabulary} unmasked", (d, s) => CrossEntropy(d, s, plainRows, plainVocabulary, masked: false, inPlace: false));
        yield return new("cross-entropy 3x37 gradient matches finite differences", (d, s) => CrossEntropyFiniteDifferences(d, s, 3, 37));
        yield return new("cross-entropy of a disallowed target is +infinity", CrossEntropyOfDisallowedTarget);

        yield return new($"softmax {rows}x{vocabulary} masked, tempered", (d, s) => Softmax(d, s, rows, vocabulary, masked: true));
        yield return new($"softmax {plainRows}x{plainVocabulary} unmasked, tempered", (d, s) => Softmax(d, s, plainRows, plainVocabulary, masked: false));

        yield return new($"sample {rows}x{vocabulary} at temperature 0 is the first argmax", (d, s) => SampleArgmax(d, s, rows, vocabulary));
        yield return new($"sample {rows}x{vocabulary} draws the reference token among the top k", (d, s) => SampleDraws(d, s, rows, vocabulary));
        // The emulator spends milliseconds per group, so it draws fewer rows; the reference-draw check shows it draws what the SIMD path draws.
        yield return new("sample frequencies match the tempered top-k softmax", (d, s) =>
            SampleFrequencies(d, s, large ? 1 << 20 : d.Kind == DeviceKind.IlgpuCpu ? 2000 : 100_000));

        var values = large ? 5_000_011 : 1_003;
        yield return new($"sum of squares of {values} values", (d, s) => SumOfSquares(d, s, values));
        yield return new($"AdamW on {values} parameters, steps 1-3 from zero moments", (d, s) => AdamW(d, s, values, firstStep: 1, warm: false));
        yield return new($"AdamW on {values} parameters, steps 40-42 from warm moments", (d, s) => AdamW(d, s, values, firstStep: 40, warm: true));
    }

    private static void CrossEntropy(Device device, int seed, int rows, int vocabulary, bool masked, bool inPlace)
    {
        var random = new Random(seed);
        var what = $"cross-entropy {rows}x{vocabulary} (masked {masked}, in place {inPlace}), seed {seed}";
        var logits = KernelCheck.Uniform(random, (long)rows * vocabulary, -4, 4);
        var mask = masked ? RandomMask(random, rows, vocabulary, 0.6) : null;
        var (targets, weights) = TargetsAndWeights(random, mask, rows, vocabulary);
        var gradientScale = 0.25f + random.NextSingle();

        var (losses, gradients) = RunCrossEntropy(device, logits, mask, targets, weights, rows, vocabulary, gradientScale, inPlace);

        var (expectedLosses, expectedGradients) = OutputReference.CrossEntropy(KernelCheck.ToDouble(logits), targets, weights, mask, rows, vocabulary, gradientScale);
        KernelCheck.AssertClose(expectedLosses, losses, KernelCheck.Rtol, 1e-5, what + ": losses");
        KernelCheck.AssertClose(expectedGradients, gradients, KernelCheck.Rtol, 1e-6 * gradientScale, what + ": logit gradients");
    }

    /// <summary>Central differences in float64 of L = Σ losses, times the gradient scale, against the kernel's gradients.</summary>
    private static void CrossEntropyFiniteDifferences(Device device, int seed, int rows, int vocabulary)
    {
        var random = new Random(seed);
        var what = $"cross-entropy {rows}x{vocabulary} against finite differences, seed {seed}";
        var logits = KernelCheck.Uniform(random, (long)rows * vocabulary, -3, 3);
        var mask = RandomMask(random, rows, vocabulary, 0.7);
        var (targets, weights) = TargetsAndWeights(random, mask, rows, vocabulary);
        var gradientScale = 0.5f + random.NextSingle();

        var gradients = RunCrossEntropy(device, logits, mask, targets, weights, rows, vocabulary, gradientScale).Gradients;

        double TotalLoss(double[] x) => OutputReference.CrossEntropy(x, targets, weights, mask, rows, vocabulary, 1).Losses.Sum();
        var numeric = KernelCheck.FiniteDifferences(TotalLoss, KernelCheck.ToDouble(logits), step: 1e-5).Select(derivative => gradientScale * derivative).ToArray();
        KernelCheck.AssertClose(numeric, gradients, KernelCheck.Rtol, 1e-6 * gradientScale, what);
    }

    /// <summary>A weighted row whose target the mask forbids has p[target] = 0: loss +∞, gradient scale·w·p; a row that allows nothing gets +∞ and zeros.</summary>
    private static void CrossEntropyOfDisallowedTarget(Device device, int seed)
    {
        const int rows = 2, vocabulary = 40;
        var random = new Random(seed);
        var what = $"cross-entropy of a disallowed target, seed {seed}";
        var logits = KernelCheck.Uniform(random, rows * vocabulary, -2, 2);
        var mask = RandomMask(random, rows, vocabulary, 0.5);
        mask[0] &= ~1u;
        mask[2] = mask[3] = 0;
        var targets = new[] { 0, 5 };
        var weights = new[] { 1.5f, 1f };

        var (actualLosses, gradients) = RunCrossEntropy(device, logits, mask, targets, weights, rows, vocabulary, 1);
        if (!float.IsPositiveInfinity(actualLosses[0]) || !float.IsPositiveInfinity(actualLosses[1]))
            throw new KernelCheckException($"{what}: losses {actualLosses[0]} and {actualLosses[1]}, expected +∞ for both");
        var expected = OutputReference.CrossEntropy(KernelCheck.ToDouble(logits), targets, weights, mask, rows, vocabulary, 1).Gradients;
        KernelCheck.AssertClose(expected, gradients, KernelCheck.Rtol, 1e-6, what + ": gradients");
    }

    /// <summary>
    /// The op on fresh tensors, its outputs poisoned first (in place: the gradients overwrite the logits); returns the
    /// losses and gradients it wrote.
    /// </summary>
    private static (float[] Losses, float[] Gradients) RunCrossEntropy(Device device, float[] logits, uint[]? mask, int[] targets, float[] weights,
        int rows, int vocabulary, float gradientScale, bool inPlace = false)
    {
        using var logitTensor = device.Upload<float>(logits, rows, vocabulary);
        using var gradientTensor = inPlace ? null : KernelCheck.Poisoned(device, rows, vocabulary);
        using var losses = KernelCheck.Poisoned(device, rows);
        using var targetTensor = device.Upload<int>(targets, rows);
        using var weightTensor = device.Upload<float>(weights, rows);
        using var maskTensor = mask is null ? null : device.Upload<uint>(mask, mask.Length);
        var gradients = gradientTensor ?? logitTensor;
        device.Ops.CrossEntropyForwardBackward(losses, gradients, logitTensor, targetTensor, weightTensor, maskTensor, rows, vocabulary, gradientScale);
        return (losses.ToArray(), gradients.ToArray());
    }

    private static void Softmax(Device device, int seed, int rows, int vocabulary, bool masked)
    {
        var random = new Random(seed);
        var temperature = 0.5f + 1.5f * random.NextSingle();
        var what = $"softmax {rows}x{vocabulary} at temperature {temperature} (masked {masked}), seed {seed}";
        var logits = KernelCheck.Uniform(random, (long)rows * vocabulary, -4, 4);
        var mask = masked ? RandomMask(random, rows, vocabulary, 0.6) : null;
        if (mask is not null) ClearRow(mask, rows - 1, vocabulary);

        using var logitTensor = device.Upload<float>(logits, rows, vocabulary);
        using var probabilities = KernelCheck.Poisoned(device, rows, vocabulary);
        using var maskTensor = mask is null ? null : device.Upload<uint>(mask, mask.Length);
        device.Ops.Softmax(probabilities, logitTensor, maskTensor, rows, vocabulary, temperature);
        KernelCheck.AssertClose(OutputReference.Softmax(logits, mask, rows, vocabulary, temperature), probabilities, KernelCheck.Rtol, 1e-7, what);
    }

    /// <summary>Logits on a coarse grid, so ties are common: the draw must be the lowest index of the allowed maximum.</summary>
    private static void SampleArgmax(Device device, int seed, int rows, int vocabulary)
    {
        var random = new Random(seed);
        var logits = Array.ConvertAll(KernelCheck.Integers(random, (long)rows * vocabulary, -3, 4), v => v * 0.5f);
        var mask = RandomMask(random, rows, vocabulary, 0.5);
        ClearRow(mask, rows - 1, vocabulary);
        var settings = new SamplingSettings(0, random.Next(0, 4));
        var tokens = RunSample(device, logits, mask, rows, vocabulary, settings, (ulong)random.NextInt64());
        for (var r = 0; r < rows; r++)
        {
            var expected = OutputReference.Draw(logits, mask, r, vocabulary, settings, 0);
            if (tokens[r] != expected)
                throw new KernelCheckException($"sample at temperature 0, row {r}: drew {tokens[r]}, the first allowed argmax is {expected}; seed {seed}");
        }
    }

    /// <summary>Each draw is allowed, among the top k, and exactly the reference's Gumbel-max draw; rows that allow nothing get −1.</summary>
    private static void SampleDraws(Device device, int seed, int rows, int vocabulary)
    {
        var random = new Random(seed);
        var logits = KernelCheck.Uniform(random, (long)rows * vocabulary, -3, 3);
        var mask = RandomMask(random, rows, vocabulary, 0.6);
        ClearRow(mask, rows - 1, vocabulary);
        SamplingSettings[] settingsToTry = [new(1, 0), new(0.7f, 3), new(1.5f, 1), new(1, vocabulary + 3), new(0.3f, 8)];
        foreach (var settings in settingsToTry)
        {
            var drawSeed = (ulong)random.NextInt64();
            var tokens = RunSample(device, logits, mask, rows, vocabulary, settings, drawSeed);
            for (var r = 0; r < rows; r++)
            {
                var where = $"sample {settings}, seed {drawSeed}, row {r} (check seed {seed})";
                var candidates = OutputReference.Candidates(logits, mask, r, vocabulary, settings);
                var token = tokens[r];
                if (!candidates.Contains(true))
                {
                    if (token != -1) throw new KernelCheckException($"{where}: nothing is allowed, yet it drew {token} instead of -1");
                    continue;
                }
                if (token < 0 || token >= vocabulary || !OutputReference.IsAllowed(mask, r, vocabulary, token))
                    throw new KernelCheckException($"{where}: drew {token}, which is not an allowed token");
                if (!candidates[token]) throw new KernelCheckException($"{where}: drew {token}, which is outside the top {settings.TopK}");
                var expected = OutputReference.Draw(logits, mask, r, vocabulary, settings, drawSeed);
                if (token != expected) throw new KernelCheckException($"{where}: drew {token}, the reference draw is {expected}");
            }
        }
    }

    /// <summary>
    /// Every row has the same logits and mask, so the rows are independent draws from one distribution: a chi-square test
    /// of the counts against the reference probabilities, at a threshold a correct sampler exceeds about once in 10⁹ runs.
    /// </summary>
    private static void SampleFrequencies(Device device, int seed, int rows)
    {
        const int vocabulary = 9;
        var random = new Random(seed);
        var rowLogits = KernelCheck.Uniform(random, vocabulary, -1.5f, 1.5f);
        var settings = new SamplingSettings(0.8f + 0.7f * random.NextSingle(), random.Next(2) == 0 ? 0 : 5);
        const uint rowMask = 0b1_1101_1011;
        var logits = new float[rows * vocabulary];
        for (var r = 0; r < rows; r++) rowLogits.CopyTo(logits, r * vocabulary);
        var mask = new uint[rows];
        Array.Fill(mask, rowMask | 0xFFFF_FE00u);

        var tokens = RunSample(device, logits, mask, rows, vocabulary, settings, (ulong)random.NextInt64());
        var probabilities = OutputReference.DrawProbabilities(rowLogits, [rowMask], 0, vocabulary, settings);
        var counts = new int[vocabulary];
        foreach (var token in tokens)
        {
            if (token < 0 || token >= vocabulary || probabilities[token] == 0)
                throw new KernelCheckException($"sample frequencies {settings}: drew {token}, which has probability 0; seed {seed}");
            counts[token]++;
        }
        var chiSquare = 0.0;
        var categories = 0;
        for (var j = 0; j < vocabulary; j++)
        {
            if (probabilities[j] == 0) continue;
            var expected = rows * probabilities[j];
            chiSquare += (counts[j] - expected) * (counts[j] - expected) / expected;
            categories++;
        }
        var threshold = ChiSquareQuantile(categories - 1, z: 6);
        if (chiSquare > threshold)
            throw new KernelCheckException($"sample frequencies {settings} over {rows} rows: chi-square {chiSquare:F1} > {threshold:F1} " +
                $"(counts {string.Join(' ', counts)}, expected {string.Join(' ', probabilities.Select(p => (p * rows).ToString("F0")))}); seed {seed}");
    }

    private static void SumOfSquares(Device device, int seed, int count)
    {
        var random = new Random(seed);
        var values = KernelCheck.Uniform(random, count, -2, 2);
        using var tensor = device.Upload<float>(values, count);
        var actual = device.Ops.SumOfSquares(tensor);
        KernelCheck.AssertClose([OutputReference.SumOfSquares(values)], [actual], KernelCheck.Rtol, 0, $"sum of squares of {count} values, seed {seed}");
    }

    private static void AdamW(Device device, int seed, int count, int firstStep, bool warm)
    {
        var random = new Random(seed);
        var settings = new AdamWSettings(LearningRate: 1e-3f + 9e-3f * random.NextSingle(), WeightDecay: warm ? 0 : 0.1f);
        var gradientScale = 0.3f + 0.7f * random.NextSingle();
        var what = $"AdamW {settings}, gradient scale {gradientScale}, steps {firstStep}-{firstStep + 2} on {count} values, seed {seed}";
        var parameters = KernelCheck.Uniform(random, count);
        var firstMoments = warm ? KernelCheck.Uniform(random, count, -0.1f, 0.1f) : new float[count];
        var secondMoments = new float[count];
        if (warm)
            for (var i = 0; i < count; i++) secondMoments[i] = firstMoments[i] * firstMoments[i] + 0.01f * random.NextSingle();
        var gradients = Enumerable.Range(0, 3).Select(_ => KernelCheck.Uniform(random, count)).ToList();

        using var parameterTensor = device.Upload<float>(parameters, count);
        using var gradientTensor = device.Allocate<float>(count);
        using var firstMomentTensor = device.Upload<float>(firstMoments, count);
        using var secondMomentTensor = device.Upload<float>(secondMoments, count);
        for (var step = 0; step < 3; step++)
        {
            gradientTensor.CopyFrom(gradients[step]);
            device.Ops.AdamW(parameterTensor, gradientTensor, firstMomentTensor, secondMomentTensor, settings, firstStep + step, gradientScale);
        }

        var expected = OutputReference.AdamW(parameters, firstMoments, secondMoments, gradients, settings, firstStep, gradientScale);
        KernelCheck.AssertClose(expected.FirstMoments, firstMomentTensor, KernelCheck.Rtol, 2e-7, what + ": first moments");
        KernelCheck.AssertClose(expected.SecondMoments, secondMomentTensor, KernelCheck.Rtol, 1e-9, what + ": second moments");
        KernelCheck.AssertClose(expected.Parameters, parameterTensor, KernelCheck.Rtol, 1e-6, what + ": parameters");
    }

    private static int[] RunSample(Device device, float[] logits, uint[]? mask, int rows, int vocabulary, SamplingSettings settings, ulong seed)
    {
        using var logitTensor = device.Upload<float>(logits, rows, vocabulary);
        using var maskTensor = mask is null ? null : device.Upload<uint>(mask, mask.Length);
        using var tokens = device.Upload<int>(Enumerable.Repeat(int.MinValue, rows).ToArray(), rows);
        device.Ops.Sample(tokens, logitTensor, maskTensor, rows, vocabulary, settings, seed);
        return tokens.ToArray();
    }

    /// <summary>Random allowed-token masks (each token with the given probability) whose unused high bits are set, to be ignored.</summary>
    private static uint[] RandomMask(Random random, int rows, int vocabulary, double allowedProbability)
    {
        var words = (vocabulary + 31) / 32;
        var mask = new uint[rows * words];
        for (var r = 0; r < rows; r++)
        for (var j = 0; j < words * 32; j++)
            if (j >= vocabulary || random.NextDouble() < allowedProbability)
                mask[r * words + j / 32] |= 1u << (j % 32);
        return mask;
    }

    private static void ClearRow(uint[] mask, int row, int vocabulary)
    {
        var words = (vocabulary + 31) / 32;
        Array.Clear(mask, row * words, words);
    }

    /// <summary>
    /// A target per row and its weight: a quarter of the rows have weight 0 and a target of −1 or past the vocabulary,
    /// which the op must ignore; the rest have an allowed target (made allowed if the mask forbade it) and a weight in [0.2, 2).
    /// </summary>
    private static (int[] Targets, float[] Weights) TargetsAndWeights(Random random, uint[]? mask, int rows, int vocabulary)
    {
        var targets = new int[rows];
        var weights = new float[rows];
        var words = (vocabulary + 31) / 32;
        for (var r = 0; r < rows; r++)
        {
            if (r % 4 == 1)
            {
                targets[r] = random.Next(2) == 0 ? -1 : vocabulary + 7;
                continue;
            }
            weights[r] = 0.2f + 1.8f * random.NextSingle();
            targets[r] = random.Next(vocabulary);
            if (mask is not null) mask[r * words + targets[r] / 32] |= 1u << (targets[r] % 32);
        }
        return (targets, weights);
    }

    /// <summary>The chi-square quantile with <paramref name="degrees"/> degrees of freedom at z standard deviations (Wilson–Hilferty).</summary>
    private static double ChiSquareQuantile(int degrees, double z)
    {
        var a = 2.0 / (9 * degrees);
        return degrees * Math.Pow(1 - a + z * Math.Sqrt(a), 3);
    }
}
