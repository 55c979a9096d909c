namespace GoSeqZero.Kernels;

/// <summary>Where the ops run: <c>--device auto|cpu|cuda|ilgpu-cpu</c>.</summary>
public enum DeviceKind
{
    /// <summary>CUDA when a CUDA GPU is present, else the SIMD CPU path.</summary>
    Auto,
    /// <summary>The SIMD C# kernels (AVX-512/AVX2, Parallel.For): the CPU path users run.</summary>
    Cpu,
    /// <summary>The ILGPU kernels on the first CUDA GPU.</summary>
    Cuda,
    /// <summary>The ILGPU kernels on ILGPU's CPU accelerator, an emulator for testing them at tiny shapes.</summary>
    IlgpuCpu,
}

public static class DeviceKinds
{
    public static readonly IReadOnlyList<string> Names = ["auto", "cpu", "cuda", "ilgpu-cpu"];

    public static DeviceKind Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "auto" => DeviceKind.Auto,
        "cpu" => DeviceKind.Cpu,
        "cuda" => DeviceKind.Cuda,
        "ilgpu-cpu" => DeviceKind.IlgpuCpu,
        _ => throw new ArgumentException($"unknown device '{text}'; expected one of {string.Join(", ", Names)}"),
    };

    public static string Name(this DeviceKind kind) => Names[(int)kind];
}
