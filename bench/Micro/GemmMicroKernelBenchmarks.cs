using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using GoSeqZero.Kernels;
using GoSeqZero.Kernels.Simd;

namespace GoSeqZero.Bench.Micro;

/// <summary>
/// One full register tile of the GEMM micro-kernel the machine runs (12×32 with AVX-512, else 6×16) over one depth
/// block, from packed panels that stay in L1: the kernel's own speed, without packing or threads. A tile does
/// 2·rows·columns·depth flops, so GFLOP/s is that over the time.
/// </summary>
[MemoryDiagnoser]
public unsafe class GemmMicroKernelBenchmarks
{
    /// <summary>The depth the GEMM driver hands the kernel in every block but the last.</summary>
    [Params(GemmDriver<GemmKernel512>.DepthBlock)]
    public int Depth { get; set; }

    private float* _packedA, _packedB, _c, _edgeTile;

    [GlobalSetup]
    public void PackRandomPanels()
    {
        // Sized for the larger kernel, so either fits.
        var random = new Random(20261129);
        _packedA = Allocate(GemmKernel512.Rows * Depth, random);
        _packedB = Allocate(GemmKernel512.Columns * Depth, random);
        _c = Allocate(GemmKernel512.Rows * GemmKernel512.Columns, random);
        _edgeTile = Allocate(GemmKernel512.Rows * GemmKernel512.Columns, random);
    }

    [GlobalCleanup]
    public void Free()
    {
        foreach (var pointer in new[] { _packedA, _packedB, _c, _edgeTile }) NativeMemory.AlignedFree(pointer);
    }

    [Benchmark]
    public void FullTile()
    {
        if (SimdCapabilities.HasVector512)
            GemmKernel512.Run(Depth, _packedA, _packedB, _c, GemmKernel512.Columns, new GemmStore(1, 0, null), GemmKernel512.Rows, GemmKernel512.Columns, _edgeTile);
        else
            GemmKernel256.Run(Depth, _packedA, _packedB, _c, GemmKernel256.Columns, new GemmStore(1, 0, null), GemmKernel256.Rows, GemmKernel256.Columns, _edgeTile);
    }

    /// <summary>Random values, 64-byte aligned like the driver's panels.</summary>
    private static float* Allocate(int floats, Random random)
    {
        var pointer = (float*)NativeMemory.AlignedAlloc((nuint)floats * sizeof(float), 64);
        for (var i = 0; i < floats; i++) pointer[i] = random.NextSingle() - 0.5f;
        return pointer;
    }
}
