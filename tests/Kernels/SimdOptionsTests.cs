using GoSeqZero.Kernels;
using GoSeqZero.Kernels.Simd;

namespace GoSeqZero.Tests.Kernels;

public class SimdOptionsTests
{
    [Fact]
    public void TheDefaultsAreWhatTheMachineWouldPickByItself()
    {
        var options = new SimdOptions();
        Assert.Equal(SimdCapabilities.HasVector512, options.UsesVector512);
        Assert.Equal(Environment.ProcessorCount, options.Threads);
        Assert.Equal(64, options.AttentionTileFor(new AttentionShape(1, 1023, 16, 1)));
        Assert.Equal(128, options.AttentionTileFor(new AttentionShape(1, 1024, 16, 1)));
    }

    [Fact]
    public void Vector256OnlyTurnsTheWideCodeOffEvenWhereItRuns() =>
        Assert.False(new SimdOptions { Vector256Only = true }.UsesVector512);

    [Fact]
    public void AScopePutsThePreviousOptionsBackWhenDisposed()
    {
        using var device = Device.Create(DeviceKind.Cpu);
        var ops = (SimdOps)device.Ops;
        var before = ops.Options;
        using (ops.UseOptions(before with { Threads = 1, AttentionTile = 16 }))
            Assert.Equal((1, 16), (ops.Options.Threads, ops.Options.AttentionTile));
        Assert.Same(before, ops.Options);
    }

    [Theory]
    [InlineData(0, null)]
    [InlineData(1, 8)]
    [InlineData(1, 24)]
    [InlineData(1, 144)]
    public void ThreadCountsBelowOneAndTilesOffTheSixteensAreRefused(int threads, int? tile) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new SimdOptions { Threads = threads, AttentionTile = tile });
}
