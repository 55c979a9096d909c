using GoSeqZero.Kernels.Ilgpu;
using GoSeqZero.Kernels.Simd;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;

namespace GoSeqZero.Kernels;

/// <summary>
/// An accelerator, the buffers it owns and the op implementation that runs on them.
/// Model code allocates tensors here and calls <see cref="Ops"/>; it never knows which implementation ran.
/// </summary>
public sealed class Device : IDisposable
{
    /// <summary>
    /// ILGPU's CPU accelerator runs one OS thread per GPU thread, so tests use small groups:
    /// warps of 4 threads and groups of up to 32, enough to exercise shuffles, barriers and shared memory.
    /// </summary>
    internal const int EmulatorWarpSize = 4, EmulatorWarpsPerGroup = 8;

    private readonly Context _context;

    private Device(DeviceKind kind, Context context, Accelerator accelerator)
    {
        Kind = kind;
        _context = context;
        Accelerator = accelerator;
        Ops = kind == DeviceKind.Cpu ? new SimdOps() : new IlgpuOps(this);
    }

    /// <summary>The resolved kind: never <see cref="DeviceKind.Auto"/>.</summary>
    public DeviceKind Kind { get; }

    public Accelerator Accelerator { get; }

    public IOps Ops { get; }

    /// <summary>True when tensors live in host memory and can be read through pointers (the SIMD path and the emulator).</summary>
    public bool IsHostMemory => Kind != DeviceKind.Cuda;

    /// <summary>A line for logs and benchmark tables: the kind and the hardware.</summary>
    public string Description => Kind switch
    {
        DeviceKind.Cpu => $"cpu (SIMD: {SimdCapabilities.Describe()}, {Environment.ProcessorCount} threads)",
        DeviceKind.Cuda => $"cuda ({Accelerator.Name}, {Accelerator.MemorySize / (1L << 30)} GiB)",
        _ => $"ilgpu-cpu (ILGPU CPU emulator, warp {Accelerator.WarpSize}, groups of up to {Accelerator.MaxNumThreadsPerGroup})",
    };

    public static Device Create(DeviceKind kind)
    {
        var context = Context.Create(builder => builder
            .CPU(new CPUDevice(EmulatorWarpSize, EmulatorWarpsPerGroup, numMultiprocessors: 1))
            .Cuda()
            .EnableAlgorithms());
        try
        {
            var cuda = context.GetCudaDevices();
            if (kind == DeviceKind.Auto) kind = cuda.Count > 0 ? DeviceKind.Cuda : DeviceKind.Cpu;
            Accelerator accelerator = kind switch
            {
                // The SIMD path needs host buffers only; the implicit accelerator owns them without emulator threads.
                DeviceKind.Cpu => context.GetImplicitCPUAccelerator(),
                DeviceKind.IlgpuCpu => context.CreateCPUAccelerator(0),
                DeviceKind.Cuda when cuda.Count > 0 => cuda[0].CreateAccelerator(context),
                _ => throw new InvalidOperationException("--device cuda: no CUDA GPU was found (is the NVIDIA driver loaded? try --device cpu)"),
            };
            return new Device(kind, context, accelerator);
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    public static Device Create(string kind) => Create(DeviceKinds.Parse(kind));

    /// <summary>An uninitialised tensor of the given shape.</summary>
    public Tensor<T> Allocate<T>(params int[] shape) where T : unmanaged
    {
        var length = Tensor<T>.CheckShape(shape);
        return new Tensor<T>(this, Accelerator.Allocate1D<T>(Math.Max(length, 1)), 0, shape, ownsBuffer: true);
    }

    /// <summary>A tensor of the given shape holding a copy of <paramref name="data"/>.</summary>
    public Tensor<T> Upload<T>(ReadOnlySpan<T> data, params int[] shape) where T : unmanaged
    {
        var tensor = Allocate<T>(shape);
        tensor.CopyFrom(data);
        return tensor;
    }

    /// <summary>Waits for every queued kernel.</summary>
    public void Synchronize() => Accelerator.Synchronize();

    public void Dispose()
    {
        (Ops as IDisposable)?.Dispose();
        if (Kind != DeviceKind.Cpu) Accelerator.Dispose();
        _context.Dispose();
    }

    public override string ToString() => Description;
}
