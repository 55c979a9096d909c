using System.Collections.Concurrent;
using ILGPU;
using ILGPU.Runtime;

namespace GoSeqZero.Kernels.Ilgpu;

internal sealed partial class IlgpuOps
{
    private readonly ConcurrentDictionary<GemmTiling, GemmLauncher> _gemmKernels = new();
    private GemmTiling[]? _gemmTilings;

    public void Gemm(GemmSpec spec, Tensor<float> a, Tensor<float> b, Tensor<float> c, Tensor<float>? bias = null) =>
        Gemm(ChooseGemmTiling(spec), spec, a, b, c, bias);

    /// <summary>The GEMM with a given tiling, so tests can run every tiling the accelerator fits.</summary>
    internal void Gemm(GemmTiling tiling, GemmSpec spec, Tensor<float> a, Tensor<float> b, Tensor<float> c, Tensor<float>? bias = null)
    {
        spec.Validate(a.Length, b.Length, c.Length, bias?.Length ?? -1);
        if (!tiling.Fits(Accelerator)) throw new ArgumentException($"GEMM tiling {tiling} does not fit {Accelerator.Name}");
        if (spec.M == 0 || spec.N == 0) return;
        int tilesN = GemmTiling.Ceiling(spec.N, tiling.TileN), tilesM = GemmTiling.Ceiling(spec.M, tiling.TileM);
        var maxGrid = Accelerator.MaxGridSize;
        if (tilesN > maxGrid.X || tilesM > maxGrid.Y || spec.BatchCount > maxGrid.Z)
            throw new ArgumentException($"{spec} needs a grid of {tilesN}×{tilesM}×{spec.BatchCount} groups of {tiling}; {Accelerator.Name} allows {maxGrid}");
        var launch = _gemmKernels.GetOrAdd(tiling, static (tiling, accelerator) => tiling.Load(accelerator), Accelerator);
        var config = new KernelConfig(new Index3D(tilesN, tilesM, spec.BatchCount), new Index3D(tiling.Threads, 1, 1));
        launch(config, a.View.BaseView, b.View.BaseView, c.View.BaseView, bias is null ? ArrayView<float>.Empty : bias.View.BaseView,
            new GemmArguments(spec, bias is not null));
    }

    /// <summary>The tilings this accelerator runs: GPU tilings where groups of 256 threads fit, the small ones otherwise.</summary>
    internal IReadOnlyList<GemmTiling> GemmTilings => _gemmTilings ??=
        GemmTiling.ForGpus.All(tiling => tiling.Fits(Accelerator)) ? GemmTiling.ForGpus
        : GemmTiling.ForSmallGroups.Where(tiling => tiling.Fits(Accelerator)).ToArray() is { Length: > 0 } small ? small
        : throw new NotSupportedException($"no GEMM tiling fits {Accelerator.Name} (groups of {Accelerator.MaxNumThreadsPerGroup} threads, {Accelerator.MaxSharedMemoryPerGroup} bytes of shared memory)");

    /// <summary>
    /// The largest tiling that still gives every multiprocessor two groups (so a wave's tail costs little); the smallest
    /// when none does, since then the GPU is underused anyway and smaller tiles spread the work widest.
    /// </summary>
    private GemmTiling ChooseGemmTiling(GemmSpec spec)
    {
        var tilings = GemmTilings;
        foreach (var tiling in tilings)
            if (tiling.Groups(spec) >= 2L * Accelerator.NumMultiprocessors) return tiling;
        return tilings[^1];
    }
}
