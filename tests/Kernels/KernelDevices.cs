using GoSeqZero.Kernels;

namespace GoSeqZero.Tests.Kernels;

/// <summary>
/// The two implementations every kernel test runs on: the SIMD CPU path and the ILGPU kernels on ILGPU's CPU emulator.
/// One device of each is shared (kernel loading is slow on the emulator); tests that use them join the
/// <c>Kernels</c> collection so they run one at a time.
/// </summary>
public static class KernelDevices
{
    private static readonly Lazy<Device> Simd = new(() => Device.Create(DeviceKind.Cpu));
    private static readonly Lazy<Device> Emulator = new(() => Device.Create(DeviceKind.IlgpuCpu));

    /// <summary>Theory data: the device names, as <c>--device</c> spells them.</summary>
    public static TheoryData<string> Both => new() { "cpu", "ilgpu-cpu" };

    public static Device Get(string name) => DeviceKinds.Parse(name) switch
    {
        DeviceKind.Cpu => Simd.Value,
        DeviceKind.IlgpuCpu => Emulator.Value,
        _ => throw new ArgumentException($"kernel tests run on cpu and ilgpu-cpu, not {name}"),
    };
}

[CollectionDefinition("Kernels")]
public sealed class KernelCollection;
