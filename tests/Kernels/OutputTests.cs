using GoSeqZero.Kernels;
using GoSeqZero.Kernels.Ilgpu;
using GoSeqZero.Tests.Kernels.Checks;
using GoSeqZero.Tests.Kernels.Reference;

namespace GoSeqZero.Tests.Kernels;

[Collection("Kernels")]
public class OutputTests
{
    [Fact]
    public void SampleDrawsTheSameTokensOnTheSimdPathAndInTheIlgpuKernel()
    {
        const int rows = 24, vocabulary = 45;
        var seed = KernelCheck.NewSeed();
        var random = new Random(seed);
        var logits = KernelCheck.Uniform(random, rows * vocabulary, -2, 2);
        var mask = KernelCheck.Integers(random, rows * 2, int.MinValue, int.MaxValue).Select(w => (uint)w).ToArray();
        foreach (var settings in new SamplingSettings[] { new(1, 0), new(0.8f, 4), new(0, 0) })
        {
            var drawSeed = (ulong)random.NextInt64();
            var simd = Draw(KernelDevices.Get("cpu"), logits, mask, rows, vocabulary, settings, drawSeed);
            var ilgpu = Draw(KernelDevices.Get("ilgpu-cpu"), logits, mask, rows, vocabulary, settings, drawSeed);
            Assert.True(simd.SequenceEqual(ilgpu), $"{settings}, draw seed {drawSeed}, seed {seed}: cpu drew {string.Join(' ', simd)}, ilgpu-cpu {string.Join(' ', ilgpu)}");
        }
    }

    [Fact]
    public void OutputKernelsCompileToPtxForAHopperGpu()
    {
        Delegate[] kernels =
        [
            OutputKernels.CrossEntropy, OutputKernels.Softmax, OutputKernels.Sample,
            OutputKernels.SumOfSquaresPartials, OutputKernels.SumOfPartials, OutputKernels.AdamW,
        ];
        foreach (var kernel in kernels) Assert.Contains(".entry", Ptx.Compile(kernel.Method));
    }

    [Fact]
    public void SampleDrawsDependOnTheSeedAndTheRow()
    {
        const int rows = 64, vocabulary = 32;
        var device = KernelDevices.Get("cpu");
        var logits = new float[rows * vocabulary];
        var first = Draw(device, logits, null, rows, vocabulary, new SamplingSettings(1, 0), 1);
        var second = Draw(device, logits, null, rows, vocabulary, new SamplingSettings(1, 0), 2);
        Assert.Equal(first, Draw(device, logits, null, rows, vocabulary, new SamplingSettings(1, 0), 1));
        Assert.NotEqual(first, second);
        Assert.True(first.Distinct().Count() > 16, $"64 uniform draws from 32 tokens gave only {first.Distinct().Count()} distinct tokens");
    }

    [Fact]
    public void TheSharedLogarithmAgreesWithMathLog()
    {
        var random = new Random(KernelCheck.NewSeed());
        foreach (var x in Enumerable.Range(0, 10_000).Select(_ => Math.Exp(-38 + 42 * random.NextDouble())).Append(1).Append(5.6e-17))
            Assert.True(Math.Abs(OutputSampling.NaturalLog(x) - Math.Log(x)) <= 4e-16 * Math.Max(1, Math.Abs(Math.Log(x))), $"ln {x:R}");
    }

    [Theory]
    [MemberData(nameof(KernelDevices.Both), MemberType = typeof(KernelDevices))]
    public void SoftmaxAndSampleRefuseTemperaturesAndTopKTheyCannotHonour(string deviceName)
    {
        var device = KernelDevices.Get(deviceName);
        using var logits = device.Allocate<float>(2, 5);
        using var probabilities = device.Allocate<float>(2, 5);
        using var tokens = device.Allocate<int>(2);
        Assert.Contains("temperature must be a positive", Assert.Throws<ArgumentException>(() => device.Ops.Softmax(probabilities, logits, null, 2, 5, 0)).Message);
        Assert.Contains("temperature must be 0", Assert.Throws<ArgumentException>(() => device.Ops.Sample(tokens, logits, null, 2, 5, new(-1, 0), 1)).Message);
        Assert.Contains("top-k must be 0", Assert.Throws<ArgumentException>(() => device.Ops.Sample(tokens, logits, null, 2, 5, new(1, -2), 1)).Message);
    }

    [Theory]
    [MemberData(nameof(KernelDevices.Both), MemberType = typeof(KernelDevices))]
    public void ShortTensorsAndStepZeroAreRefusedWithTheirSizes(string deviceName)
    {
        var device = KernelDevices.Get(deviceName);
        using var logits = device.Allocate<float>(3, 40);
        using var losses = device.Allocate<float>(3);
        using var targets = device.Allocate<int>(3);
        using var shortMask = device.Allocate<uint>(3);
        Assert.Contains("allowedTokens has 3 elements", Assert.Throws<ArgumentException>(() =>
            device.Ops.CrossEntropyForwardBackward(losses, logits, logits, targets, losses, shortMask, 3, 40, 1)).Message);
        Assert.Contains("logits has 120 elements", Assert.Throws<ArgumentException>(() =>
            device.Ops.Softmax(logits, logits, null, 4, 40, 1)).Message);
        using var values = device.Allocate<float>(6);
        using var shorter = device.Allocate<float>(5);
        Assert.Contains("same length", Assert.Throws<ArgumentException>(() => device.Ops.AdamW(values, shorter, values, values, new(1e-3f), 1, 1)).Message);
        Assert.Contains("steps count from 1", Assert.Throws<ArgumentException>(() => device.Ops.AdamW(values, values, values, values, new(1e-3f), 0, 1)).Message);
    }

    [Theory]
    [MemberData(nameof(KernelDevices.Both), MemberType = typeof(KernelDevices))]
    public void SumOfSquaresOfAnEmptyTensorIsZero(string deviceName)
    {
        var device = KernelDevices.Get(deviceName);
        using var empty = device.Allocate<float>(0);
        Assert.Equal(0f, device.Ops.SumOfSquares(empty));
    }

    private static int[] Draw(Device device, float[] logits, uint[]? mask, int rows, int vocabulary, SamplingSettings settings, ulong seed)
    {
        using var logitTensor = device.Upload<float>(logits, rows, vocabulary);
        using var maskTensor = mask is null ? null : device.Upload<uint>(mask, mask.Length);
        using var tokens = device.Allocate<int>(rows);
        device.Ops.Sample(tokens, logitTensor, maskTensor, rows, vocabulary, settings, seed);
        var drawn = tokens.ToArray();
        for (var r = 0; r < rows; r++)
            Assert.Equal(OutputReference.Draw(logits, mask, r, vocabulary, settings, seed), drawn[r]);
        return drawn;
    }
}
