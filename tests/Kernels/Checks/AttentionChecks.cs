using System.Runtime.CompilerServices;
using GoSeqZero.Kernels;
using GoSeqZero.Tests.Kernels.Reference;
using ILGPU;
using ILGPU.Runtime;
using Device = GoSeqZero.Kernels.Device;

namespace GoSeqZero.Tests.Kernels.Checks;

/// <summary>
/// Checks of fused causal attention against <see cref="AttentionReference"/>: the forward's output and log-sum-exp,
/// the backward adding into a gradient that starts from random values, central differences of the backward, and the
/// fused kernel against a naive attention that materialises the T×T scores on the same device. Token counts are
/// deliberately not multiples of any tile (1, 5, 17, 257...), so partial tiles and the diagonal masks run.
/// </summary>
public static class AttentionChecks
{
    /// <summary>
    /// Tiny shapes (T ≤ 17, one or two heads) for the ILGPU emulator, where every barrier costs milliseconds; head sizes
    /// 4 to 16, some not a multiple of 4 or 8. Large shapes have head sizes 8 to 128 and T up to 1030.
    /// </summary>
    public static IEnumerable<KernelCase> Cases(bool large)
    {
        AttentionShape[] shapes = large
            ? [new(2, 257, 256, 2), new(1, 300, 256, 4), new(1, 200, 96, 3), new(2, 129, 64, 4), new(1, 150, 64, 8), new(1, 1, 128, 1), new(1, 1030, 64, 2)]
            : [new(1, 1, 8, 1), new(2, 5, 16, 2), new(1, 17, 24, 2), new(1, 16, 16, 1), new(1, 9, 4, 1)];
        foreach (var shape in shapes)
        {
            yield return new($"AttentionForward {Describe(shape)}", (device, seed) => Forward(device, device.Ops, seed, shape));
            yield return new($"AttentionBackward {Describe(shape)} adds", (device, seed) => Backward(device, device.Ops, seed, shape));
        }
        var naiveShape = large ? new AttentionShape(1, 600, 128, 2) : new AttentionShape(1, 13, 16, 2);
        yield return new($"AttentionForward {Describe(naiveShape)} flash vs naive materialised attention on the same device",
            (device, seed) => FlashVersusNaive(device, device.Ops, seed, naiveShape));
        var differenceShape = large ? new AttentionShape(1, 12, 32, 2) : new AttentionShape(1, 6, 8, 2);
        yield return new($"AttentionBackward {Describe(differenceShape)} vs finite differences",
            (device, seed) => FiniteDifferences(device, device.Ops, seed, differenceShape));
    }

    public static string Describe(AttentionShape shape) =>
        $"B{shape.Batch} T{shape.Tokens} C{shape.Channels} heads {shape.Heads} (head size {shape.HeadSize})";

    /// <summary>
    /// The output is a convex combination of values weighted by exponentials of dot products of headSize terms, so
    /// its error grows with headSize, not with T; so does the log-sum-exp's. Inputs in [−2, 2] give scores of a few
    /// units: the softmax is peaked enough for the running max to matter. (Measured on the SIMD path: errors are 5–10%
    /// of these tolerances, leaving room for a GPU's approximate exp.)
    /// </summary>
    public static (double Rtol, double OutputAtol, double LogSumExpAtol) ForwardTolerances(AttentionShape shape) =>
        (KernelCheck.Rtol, KernelCheck.AtolForSum(shape.HeadSize), KernelCheck.AtolForSum(shape.HeadSize));

    /// <summary>A gradient element sums up to T terms, each with dot products of headSize terms inside.</summary>
    public static double BackwardAtol(AttentionShape shape) => KernelCheck.AtolForSum(shape.HeadSize + shape.Tokens);

    public static void Forward(Device device, IOps ops, int seed, AttentionShape shape)
    {
        var qkv = RandomQkv(new Random(seed), shape);
        var (output, logSumExp) = RunForward(device, ops, qkv, shape);
        var (expectedOutput, expectedLogSumExp) = AttentionReference.Forward(qkv, shape);
        var (rtol, outputAtol, logSumExpAtol) = ForwardTolerances(shape);
        var what = $"AttentionForward {Describe(shape)} on {device.Kind.Name()}";
        KernelCheck.AssertClose(expectedOutput, output, rtol, outputAtol, $"{what} output (seed {seed})");
        KernelCheck.AssertClose(expectedLogSumExp, logSumExp, rtol, logSumExpAtol, $"{what} log-sum-exp (seed {seed})");
    }

    public static void Backward(Device device, IOps ops, int seed, AttentionShape shape)
    {
        var random = new Random(seed);
        var qkv = RandomQkv(random, shape);
        var outputGradient = KernelCheck.Uniform(random, (long)shape.Batch * shape.Tokens * shape.Channels);
        var start = KernelCheck.Uniform(random, qkv.Length);
        var actual = RunBackward(device, ops, qkv, outputGradient, start, shape);

        var expected = AttentionReference.Backward(qkv, outputGradient, shape);
        for (var i = 0; i < expected.Length; i++) expected[i] += start[i];
        KernelCheck.AssertClose(expected, actual, KernelCheck.Rtol, BackwardAtol(shape),
            $"AttentionBackward {Describe(shape)} on {device.Kind.Name()}: start + qkv gradient (seed {seed})");
    }

    /// <summary>
    /// Central differences of <c>L = Σ dOut ∘ Forward(qkv)</c> in float64. The inputs lie on a grid of 2⁻¹² and the step
    /// is 2⁻¹⁰, so qkv ± step is exact in the float inputs the reference takes; the step's truncation error is ~1e-7.
    /// </summary>
    public static void FiniteDifferences(Device device, IOps ops, int seed, AttentionShape shape)
    {
        const double step = 1.0 / 1024;
        var random = new Random(seed);
        var qkv = Array.ConvertAll(RandomQkv(random, shape), x => MathF.Round(x * 4096) / 4096);
        var outputGradient = KernelCheck.Uniform(random, (long)shape.Batch * shape.Tokens * shape.Channels);
        var start = KernelCheck.Uniform(random, qkv.Length);
        var actual = RunBackward(device, ops, qkv, outputGradient, start, shape);

        var expected = new double[qkv.Length];
        var point = (float[])qkv.Clone();
        for (var i = 0; i < qkv.Length; i++)
        {
            point[i] = (float)(qkv[i] + step);
            var up = AttentionReference.Loss(point, outputGradient, shape);
            point[i] = (float)(qkv[i] - step);
            var down = AttentionReference.Loss(point, outputGradient, shape);
            point[i] = qkv[i];
            expected[i] = start[i] + (up - down) / (2 * step);
        }
        KernelCheck.AssertClose(expected, actual, 1e-4, 2e-5,
            $"AttentionBackward {Describe(shape)} on {device.Kind.Name()} vs central differences: start + qkv gradient (seed {seed})");
    }

    /// <summary>
    /// The fused kernel and a naive attention that materialises the T×T probabilities, both in fp32 on the same device:
    /// each matches the float64 reference, and they match each other within the same tolerance.
    /// </summary>
    public static void FlashVersusNaive(Device device, IOps ops, int seed, AttentionShape shape)
    {
        var qkv = RandomQkv(new Random(seed), shape);
        var (flashOutput, flashLogSumExp) = RunForward(device, ops, qkv, shape);
        var (naiveOutput, naiveLogSumExp) = NaiveAttention.Forward(device, qkv, shape);
        var (expectedOutput, expectedLogSumExp) = AttentionReference.Forward(qkv, shape);
        var (rtol, outputAtol, logSumExpAtol) = ForwardTolerances(shape);
        var what = $"AttentionForward {Describe(shape)} on {device.Kind.Name()}";
        KernelCheck.AssertClose(expectedOutput, naiveOutput, rtol, outputAtol, $"{what}: naive output vs reference (seed {seed})");
        KernelCheck.AssertClose(expectedLogSumExp, naiveLogSumExp, rtol, logSumExpAtol, $"{what}: naive log-sum-exp vs reference (seed {seed})");
        KernelCheck.AssertClose(expectedOutput, flashOutput, rtol, outputAtol, $"{what}: flash output vs reference (seed {seed})");
        KernelCheck.AssertClose(KernelCheck.ToDouble(naiveOutput), flashOutput, rtol, outputAtol, $"{what}: flash output vs naive (seed {seed})");
        KernelCheck.AssertClose(KernelCheck.ToDouble(naiveLogSumExp), flashLogSumExp, rtol, logSumExpAtol, $"{what}: flash log-sum-exp vs naive (seed {seed})");
    }

    public static float[] RandomQkv(Random random, AttentionShape shape) =>
        KernelCheck.Uniform(random, 3L * shape.Batch * shape.Tokens * shape.Channels, -2, 2);

    public static (float[] Output, float[] LogSumExp) RunForward(Device device, IOps ops, float[] qkv, AttentionShape shape)
    {
        using var qkvTensor = device.Upload<float>(qkv, shape.Batch, shape.Tokens, 3 * shape.Channels);
        using var output = KernelCheck.Poisoned(device, shape.Batch, shape.Tokens, shape.Channels);
        using var logSumExp = KernelCheck.Poisoned(device, shape.Batch, shape.Heads, shape.Tokens);
        ops.AttentionForward(output, logSumExp, qkvTensor, shape);
        return (output.ToArray(), logSumExp.ToArray());
    }

    /// <summary>Runs our forward (for the output and log-sum-exp the backward takes), then our backward onto <paramref name="start"/>.</summary>
    public static float[] RunBackward(Device device, IOps ops, float[] qkv, float[] outputGradient, float[] start, AttentionShape shape)
    {
        using var qkvTensor = device.Upload<float>(qkv, shape.Batch, shape.Tokens, 3 * shape.Channels);
        using var output = KernelCheck.Poisoned(device, shape.Batch, shape.Tokens, shape.Channels);
        using var logSumExp = KernelCheck.Poisoned(device, shape.Batch, shape.Heads, shape.Tokens);
        using var dOut = device.Upload<float>(outputGradient, shape.Batch, shape.Tokens, shape.Channels);
        using var gradient = device.Upload<float>(start, shape.Batch, shape.Tokens, 3 * shape.Channels);
        ops.AttentionForward(output, logSumExp, qkvTensor, shape);
        ops.AttentionBackward(gradient, dOut, output, logSumExp, qkvTensor, shape);
        return gradient.ToArray();
    }
}

/// <summary>
/// Attention the obvious way, in fp32 on the device under test: every row's scores written out in a T×T buffer, then
/// softmax, then the weighted sum of values, one kernel thread per (sequence, head, query). ILGPU devices launch it;
/// the SIMD path's device runs the same body as a plain loop on the CPU.
/// </summary>
public static class NaiveAttention
{
    private static readonly ConditionalWeakTable<Accelerator, Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, NaiveShape>> Kernels = new();

    public static (float[] Output, float[] LogSumExp) Forward(Device device, float[] qkv, AttentionShape shape)
    {
        var naiveShape = new NaiveShape(shape.Tokens, shape.Channels, shape.Heads, shape.HeadSize, 1 / MathF.Sqrt(shape.HeadSize));
        var rows = shape.Batch * shape.Heads * shape.Tokens;
        using var qkvTensor = device.Upload<float>(qkv, qkv.Length);
        using var scoresTensor = device.Allocate<float>(rows * shape.Tokens);
        using var outputTensor = KernelCheck.Poisoned(device, shape.Batch * shape.Tokens * shape.Channels);
        using var logSumExpTensor = KernelCheck.Poisoned(device, rows);
        if (device.Kind == DeviceKind.Cpu)
        {
            // The SIMD path's buffers are host memory, which ILGPU views can index from plain C#.
            for (var row = 0; row < rows; row++) Kernel(row, qkvTensor.View, scoresTensor.View, outputTensor.View, logSumExpTensor.View, naiveShape);
        }
        else
        {
            var kernel = Kernels.GetValue(device.Accelerator, accelerator => accelerator.LoadAutoGroupedStreamKernel<
                Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, NaiveShape>(Kernel));
            kernel(rows, qkvTensor.View, scoresTensor.View, outputTensor.View, logSumExpTensor.View, naiveShape);
        }
        return (outputTensor.ToArray(), logSumExpTensor.ToArray());
    }

    public readonly record struct NaiveShape(int Tokens, int Channels, int Heads, int HeadSize, float Scale);

    private static void Kernel(Index1D row, ArrayView<float> qkv, ArrayView<float> scores, ArrayView<float> output, ArrayView<float> logSumExp, NaiveShape shape)
    {
        int tokens = shape.Tokens, channels = shape.Channels, headSize = shape.HeadSize;
        int t = row % tokens, head = row / tokens % shape.Heads, batch = row / tokens / shape.Heads;
        var queryOffset = (batch * tokens + t) * 3 * channels + head * headSize;
        var scoreRow = row * tokens;
        var max = float.NegativeInfinity;
        for (var s = 0; s <= t; s++)
        {
            var keyOffset = (batch * tokens + s) * 3 * channels + channels + head * headSize;
            var dot = 0f;
            for (var d = 0; d < headSize; d++) dot += qkv[queryOffset + d] * qkv[keyOffset + d];
            scores[scoreRow + s] = dot * shape.Scale;
            max = MathF.Max(max, scores[scoreRow + s]);
        }
        var sum = 0f;
        for (var s = 0; s <= t; s++)
        {
            scores[scoreRow + s] = MathF.Exp(scores[scoreRow + s] - max);
            sum += scores[scoreRow + s];
        }
        logSumExp[row] = max + MathF.Log(sum);
        var outputOffset = (batch * tokens + t) * channels + head * headSize;
        for (var d = 0; d < headSize; d++)
        {
            var value = 0f;
            for (var s = 0; s <= t; s++) value += scores[scoreRow + s] * qkv[(batch * tokens + s) * 3 * channels + 2 * channels + head * headSize + d];
            output[outputOffset + d] = value / sum;
        }
    }
}
