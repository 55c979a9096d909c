using System.Reflection;
using ILGPU;
using ILGPU.Runtime;

namespace GoSeqZero.Kernels.Ilgpu;

/// <summary>
/// The tile sizes of <see cref="GemmKernel"/> as compile-time constants: each tiling is a struct whose properties return
/// literals, so after ILGPU inlines them the shared-memory sizes are constant and the per-thread loops unroll, which
/// turns the per-thread accumulator arrays into registers.
/// </summary>
internal interface IGemmTileSizes
{
    /// <summary>Rows of C one group computes.</summary>
    int TileM { get; }

    /// <summary>Columns of C one group computes.</summary>
    int TileN { get; }

    /// <summary>Depth of the A and B tiles staged in shared memory per step along K.</summary>
    int TileK { get; }

    /// <summary>Rows of C one thread accumulates (its register block is ThreadM × ThreadN).</summary>
    int ThreadM { get; }

    int ThreadN { get; }
}

/// <summary>GPU tiling for big products: 256 threads with 8×8 accumulators each, 17 KB of shared memory.</summary>
internal readonly struct Tiles128x128x16 : IGemmTileSizes
{
    public int TileM => 128;
    public int TileN => 128;
    public int TileK => 16;
    public int ThreadM => 8;
    public int ThreadN => 8;
}

/// <summary>GPU tiling for products too small to fill the GPU with 128×128 tiles: 256 threads with 4×4 each.</summary>
internal readonly struct Tiles64x64x16 : IGemmTileSizes
{
    public int TileM => 64;
    public int TileN => 64;
    public int TileK => 16;
    public int ThreadM => 4;
    public int ThreadN => 4;
}

/// <summary>
/// GPU tiling for products with few tiles and a long K (a weight gradient: 256×768 summed over 4096 tokens makes 48
/// groups of 64×64 on a GPU with 132 multiprocessors): 256 threads with 2×2 each.
/// </summary>
internal readonly struct Tiles32x32x16 : IGemmTileSizes
{
    public int TileM => 32;
    public int TileN => 32;
    public int TileK => 16;
    public int ThreadM => 2;
    public int ThreadN => 2;
}

/// <summary>Emulator tiling with the GPU's 8×8 register block: 16 threads, so it fits the emulator's groups of 32.</summary>
internal readonly struct Tiles32x32x4 : IGemmTileSizes
{
    public int TileM => 32;
    public int TileN => 32;
    public int TileK => 4;
    public int ThreadM => 8;
    public int ThreadN => 8;
}

/// <summary>Emulator tiling for tiny products: 16 threads with 2×2 each, so a 24×24 product already spans nine groups.</summary>
internal readonly struct Tiles8x8x8 : IGemmTileSizes
{
    public int TileM => 8;
    public int TileN => 8;
    public int TileK => 8;
    public int ThreadM => 2;
    public int ThreadN => 2;
}

/// <summary>One tiling as the host sees it: its sizes (for the launch) and how to load its kernel.</summary>
internal sealed class GemmTiling
{
    /// <summary>Tilings for GPUs (256 threads a group), largest first.</summary>
    public static readonly GemmTiling[] ForGpus = [Create<Tiles128x128x16>(), Create<Tiles64x64x16>(), Create<Tiles32x32x16>()];

    /// <summary>Tilings for accelerators with small groups (ILGPU's CPU emulator: 32 threads at most), largest first.</summary>
    public static readonly GemmTiling[] ForSmallGroups = [Create<Tiles32x32x4>(), Create<Tiles8x8x8>()];

    private GemmTiling(IGemmTileSizes sizes, Action<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmArguments> kernel)
    {
        (TileM, TileN, TileK, ThreadM, ThreadN) = (sizes.TileM, sizes.TileN, sizes.TileK, sizes.ThreadM, sizes.ThreadN);
        Kernel = kernel.Method;
        Load = accelerator => accelerator.LoadStreamKernel(kernel).Invoke;
        if (TileM % ThreadM != 0 || TileN % ThreadN != 0 || TileM * TileK % Threads != 0 || TileN * TileK % Threads != 0)
            throw new InvalidOperationException($"GEMM tiling {this}: the tiles must split evenly over the threads");
        if (ThreadM > GemmKernel.MaxUnrolled || ThreadN > GemmKernel.MaxUnrolled || TileM * TileK / Threads > GemmKernel.MaxUnrolled || TileN * TileK / Threads > GemmKernel.MaxUnrolled)
            throw new InvalidOperationException($"GEMM tiling {this}: the kernel unrolls at most {GemmKernel.MaxUnrolled} rows, columns or loads per thread");
    }

    public int TileM { get; }
    public int TileN { get; }
    public int TileK { get; }
    public int ThreadM { get; }
    public int ThreadN { get; }

    public int Threads => TileM / ThreadM * (TileN / ThreadN);

    public int SharedMemoryBytes => sizeof(float) * TileK * (TileM + TileN + 2 * GemmKernel.Padding);

    /// <summary><see cref="GemmKernel.Run{TSizes}"/> for these sizes (tests compile it to PTX).</summary>
    public MethodInfo Kernel { get; }

    public Func<Accelerator, GemmLauncher> Load { get; }

    /// <summary>The groups a product needs: tiles of C times batches.</summary>
    public long Groups(GemmSpec spec) => (long)Ceiling(spec.M, TileM) * Ceiling(spec.N, TileN) * spec.BatchCount;

    public bool Fits(Accelerator accelerator) =>
        Threads <= accelerator.MaxNumThreadsPerGroup && SharedMemoryBytes <= accelerator.MaxSharedMemoryPerGroup;

    public override string ToString() => $"{TileM}×{TileN}×{TileK} tiles, {ThreadM}×{ThreadN} per thread";

    public static int Ceiling(int size, int tile) => (size + tile - 1) / tile;

    private static GemmTiling Create<TSizes>() where TSizes : struct, IGemmTileSizes => new(default(TSizes), GemmKernel.Run<TSizes>);
}

/// <summary>A loaded <see cref="GemmKernel.Run{TSizes}"/>: launch configuration, A, B, C, bias, the scalar arguments.</summary>
internal delegate void GemmLauncher(KernelConfig config, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<float> bias, GemmArguments arguments);
