using GoSeqZero.Kernels;
using GoSeqZero.Kernels.Simd;

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
    private static readonly Lazy<Device> Vector256Only = new(() =>
    {
        var device = Device.Create(DeviceKind.Cpu);
        ((SimdOps)device.Ops).Options = new() { Vector256Only = true };
        return device;
    });

    /// <summary>Theory data: the device names, as <c>--device</c> spells them.</summary>
    public static TheoryData<string> Both => new() { "cpu", "ilgpu-cpu" };

    /// <summary>A SIMD device of its own with the AVX-512 code turned off, so an AVX-512 machine also tests the Vector256 fallback.</summary>
    public static Device Vector256 => Vector256Only.Value;

    public static Device Get(string name) => DeviceKinds.Parse(name) switch
    {
        DeviceKind.Cpu => Simd.Value,
        DeviceKind.IlgpuCpu => Emulator.Value,
        _ => throw new ArgumentException($"kernel tests run on cpu and ilgpu-cpu, not {name}"),
    };
}

[CollectionDefinition("Kernels")]
public sealed class KernelCollection;
