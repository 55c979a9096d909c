using GoSeqZero.Kernels;
using GoSeqZero.Tests.Kernels.Checks;

namespace GoSeqZero.Tests.Kernels;

[Collection("Kernels")]
public class DeviceTests
{
    [Theory]
    [MemberData(nameof(KernelDevices.Both), MemberType = typeof(KernelDevices))]
    public void TensorsRoundTripAndSlicesShareMemory(string deviceName)
    {
        var device = KernelDevices.Get(deviceName);
        var values = KernelCheck.Uniform(new Random(KernelCheck.NewSeed()), 24);
        using var tensor = device.Upload<float>(values, 2, 3, 4);
        Assert.Equal(values, tensor.ToArray());

        var row = tensor.Slice(12, 3, 4);
        device.Ops.Fill(row, 7);
        var expected = values[..12].Concat(Enumerable.Repeat(7f, 12)).ToArray();
        Assert.Equal(expected, tensor.ToArray());
        Assert.Equal(new[] { 6, 4 }, tensor.Reshape(6, 4).Shape);
    }

    [Theory]
    [MemberData(nameof(KernelDevices.Both), MemberType = typeof(KernelDevices))]
    public void BadShapesAndSlicesAreRefusedWithTheSizes(string deviceName)
    {
        var device = KernelDevices.Get(deviceName);
        using var tensor = device.Allocate<float>(2, 3);
        Assert.Contains("does not fit", Assert.Throws<ArgumentOutOfRangeException>(() => tensor.Slice(4, 3)).Message);
        Assert.Contains("cannot reshape [2, 3]", Assert.Throws<ArgumentException>(() => tensor.Reshape(4, 2)).Message);
        Assert.Contains("5 values for a tensor of 6", Assert.Throws<ArgumentException>(() => tensor.CopyFrom(new float[5])).Message);
    }

    [Fact]
    public void DeviceNamesParseAndUnknownOnesSayWhatIsExpected()
    {
        Assert.Equal(DeviceKind.IlgpuCpu, DeviceKinds.Parse("ilgpu-cpu"));
        Assert.Equal(DeviceKind.Auto, DeviceKinds.Parse(" AUTO "));
        Assert.Contains("auto, cpu, cuda, ilgpu-cpu", Assert.Throws<ArgumentException>(() => DeviceKinds.Parse("gpu")).Message);
    }

    [Fact]
    public void AutoPicksTheSimdPathWhenThereIsNoGpu()
    {
        using var device = Device.Create(DeviceKind.Auto);
        Assert.True(device.Kind is DeviceKind.Cpu or DeviceKind.Cuda);
        Assert.Contains(device.Kind.Name(), device.Description);
    }
}
