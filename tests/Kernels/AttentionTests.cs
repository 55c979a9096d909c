using GoSeqZero.Kernels;
using GoSeqZero.Kernels.Ilgpu;
using GoSeqZero.Kernels.Simd;
using GoSeqZero.Tests.Kernels.Checks;

namespace GoSeqZero.Tests.Kernels;

[Collection("Kernels")]
public class AttentionTests
{
    public static TheoryData<int, int, int, int, int> SimdTilingShapes() => new()
    {
        { 16, 1, 37, 32, 2 },    // three 16-token tiles, the last of 5 tokens; head size 16
        { 16, 2, 48, 40, 2 },    // exactly three tiles; head size 20 pads to the vector width
        { 16, 1, 70, 128, 1 },   // five tiles; head size 128
        { 16, 1, 17, 12, 3 },    // one full tile and a single-token tile; head size 4
        { 128, 1, 300, 256, 2 }, // the long-sequence tile: two full tiles and a partial one; head size 128
        { 128, 1, 129, 24, 1 },  // one full 128-token tile and a single-token tile; head size 24
    };

    /// <summary>
    /// The SIMD kernels with tiles other than the default for short sequences (16 tokens, so short sequences already span
    /// several full, partial and diagonal tiles; 128, the long-sequence tile), at both vector widths: the Vector256
    /// fallback is forced on, as an AVX-512 machine would never reach it.
    /// </summary>
    [Theory]
    [MemberData(nameof(SimdTilingShapes))]
    public void SimdTilesOtherThanTheDefaultMatchTheReferenceAtBothVectorWidths(int tile, int batch, int tokens, int channels, int heads)
    {
        var device = KernelDevices.Get("cpu");
        var shape = new AttentionShape(batch, tokens, channels, heads);
        foreach (var vector256 in new[] { false, true })
        {
            var ops = new SimdOps() { Options = new() { AttentionTile = tile, Vector256Only = vector256 } };
            AttentionChecks.Forward(device, ops, KernelCheck.NewSeed(), shape);
            AttentionChecks.Backward(device, ops, KernelCheck.NewSeed(), shape);
        }
    }

    /// <summary>
    /// With more threads than heads the backward deals each head's key tiles to several tasks; their dQ parts go
    /// through per-task buffers summed afterwards, and the sum must still equal the reference.
    /// </summary>
    [Theory]
    [InlineData(8)]
    [InlineData(3)]
    public void SimdBackwardSplittingAHeadsKeyTilesOverThreadsMatchesTheReference(int threads)
    {
        var device = KernelDevices.Get("cpu");
        var ops = new SimdOps() { Options = new() { AttentionTile = 16, Threads = threads } };
        AttentionChecks.Backward(device, ops, KernelCheck.NewSeed(), new AttentionShape(1, 90, 32, 2));
        AttentionChecks.FiniteDifferences(device, ops, KernelCheck.NewSeed(), new AttentionShape(1, 33, 16, 1));
    }

    /// <summary>
    /// The ILGPU kernels on the emulator with tilings shaped like a GPU's (several keys and head dimensions per lane,
    /// owned and streamed tiles of different sizes, one lane per row), not only the emulator's default 8×4 with 4 lanes.
    /// </summary>
    [Theory]
    [InlineData(8, 8, 2)]
    [InlineData(16, 4, 2)]
    [InlineData(4, 16, 1)]
    public void IlgpuKernelsWithGpuLikeTilingsMatchTheReferenceOnTheEmulator(int tile, int other, int lanes)
    {
        var device = KernelDevices.Get("ilgpu-cpu");
        var ops = new IlgpuOps(device) { AttentionTilingOverride = (tile, other, lanes) };
        var shape = new AttentionShape(1, 17, 24, 2);
        AttentionChecks.Forward(device, ops, KernelCheck.NewSeed(), shape);
        AttentionChecks.Backward(device, ops, KernelCheck.NewSeed(), shape);
    }

    [Fact]
    public void TheVector256FallbackMatchesTheFloat64ReferencesAtTheDefaultTile()
    {
        var device = KernelDevices.Get("cpu");
        var ops = new SimdOps() { Options = new() { Vector256Only = true } };
        var shape = new AttentionShape(1, 150, 128, 2);
        AttentionChecks.Forward(device, ops, KernelCheck.NewSeed(), shape);
        AttentionChecks.Backward(device, ops, KernelCheck.NewSeed(), shape);
        AttentionChecks.FlashVersusNaive(device, ops, KernelCheck.NewSeed(), shape);
    }

    [Theory]
    [MemberData(nameof(KernelDevices.Both), MemberType = typeof(KernelDevices))]
    public void TensorsShorterThanTheShapeAndHeadsAbove128AreRefusedWithTheSizes(string deviceName)
    {
        var device = KernelDevices.Get(deviceName);
        var shape = new AttentionShape(1, 4, 8, 2);
        using var qkv = device.Allocate<float>(1, 4, 24);
        using var output = device.Allocate<float>(1, 4, 8);
        using var shortLogSumExp = device.Allocate<float>(7);
        var error = Assert.Throws<ArgumentException>(() => device.Ops.AttentionForward(output, shortLogSumExp, qkv, shape));
        Assert.Contains("logSumExp has 7 elements, the shape needs 8", error.Message);

        using var logSumExp = device.Allocate<float>(1, 2, 4);
        using var shortGradient = device.Allocate<float>(95);
        error = Assert.Throws<ArgumentException>(() => device.Ops.AttentionBackward(shortGradient, output, output, logSumExp, qkv, shape));
        Assert.Contains("qkvGradient has 95 elements, the shape needs 96", error.Message);

        var wide = new AttentionShape(1, 1, 256, 1);
        using var wideQkv = device.Allocate<float>(1, 1, 768);
        using var wideOutput = device.Allocate<float>(1, 1, 256);
        error = Assert.Throws<ArgumentException>(() => device.Ops.AttentionForward(wideOutput, logSumExp, wideQkv, wide));
        Assert.Contains("head size 256 is above the supported 128", error.Message);
    }
}
