using ILGPU.Runtime;

namespace GoSeqZero.Kernels.Ilgpu;

/// <summary>
/// Tile sizes of one attention kernel launch. A group owns <see cref="Tile"/> rows (queries in the forward and the dQ
/// kernel, keys in the dK/dV kernel) and streams tiles of <see cref="Other"/> rows of the other side through shared
/// memory; each owned row is served by <see cref="Lanes"/> consecutive threads of one warp, which split the other side's
/// rows for the dot products and the head dimensions for the accumulations, and combine through warp shuffles.
/// </summary>
internal readonly record struct AttentionTiling(int Tile, int Other, int Lanes, int SharedFloats)
{
    /// <summary>CUDA's limit for a group's static and dynamic shared memory without opting in to more.</summary>
    public const int SharedMemoryBudget = 48 * 1024;

    /// <summary>Threads per group aimed for: enough warps to hide latency, few enough that registers never limit the launch.</summary>
    private const int TargetGroupSize = 256;

    public int GroupSize => Tile * Lanes;

    /// <summary>(owned rows, streamed rows), best first: bigger tiles reuse each staged row more often.</summary>
    private static readonly (int Tile, int Other)[] Candidates =
        [(64, 64), (64, 32), (32, 32), (32, 16), (16, 16), (16, 8), (8, 8), (8, 4), (4, 4)];

    /// <summary>
    /// The tiling <paramref name="chosen"/> when given (tests use it to run a GPU's kind of tiling, with several keys and
    /// dimensions per lane, on the emulator); else the largest candidate whose shared memory fits the budget. On ILGPU's CPU emulator (one OS thread per GPU thread,
    /// groups of up to 32) tiles of 8 owned by 4 lanes and streamed tiles of 4, so T ≤ 17 already crosses several tiles.
    /// </summary>
    public static AttentionTiling For(Accelerator accelerator, int headSize, Func<int, int, int, int> sharedFloats, (int Tile, int Other, int Lanes)? chosen = null)
    {
        if (chosen is var (chosenTile, chosenOther, chosenLanes))
        {
            if (chosenTile * chosenLanes > accelerator.MaxNumThreadsPerGroup || accelerator.WarpSize % chosenLanes != 0)
                throw new ArgumentException($"attention tiling {chosen}: lanes must divide the warp ({accelerator.WarpSize}) and tile·lanes fit a group ({accelerator.MaxNumThreadsPerGroup})");
            return Make(chosenTile, chosenOther, chosenLanes, headSize, sharedFloats);
        }
        if (accelerator.AcceleratorType == AcceleratorType.CPU)
            return Make(8, 4, Math.Min(4, accelerator.WarpSize), headSize, sharedFloats);
        var budget = Math.Min(SharedMemoryBudget, accelerator.MaxSharedMemoryPerGroup) / sizeof(float);
        foreach (var (tile, other) in Candidates)
        {
            var lanes = Math.Min(accelerator.WarpSize, Math.Max(1, TargetGroupSize / tile));
            if (tile * lanes > accelerator.MaxNumThreadsPerGroup) continue;
            var tiling = Make(tile, other, lanes, headSize, sharedFloats);
            if (tiling.SharedFloats <= budget) return tiling;
        }
        throw new InvalidOperationException($"{accelerator.Name}: no attention tile for head size {headSize} fits {budget * sizeof(float)} bytes of shared memory");
    }

    private static AttentionTiling Make(int tile, int other, int lanes, int headSize, Func<int, int, int, int> sharedFloats) =>
        new(tile, other, lanes, sharedFloats(tile, other, headSize));
}
