namespace GoSeqZero.Kernels.Simd;

/// <summary>
/// The switches of the SIMD kernels, all in one place. The defaults are what production runs; tests and the bench
/// change them to reach a fallback path, a tiling or a thread count the machine would not pick by itself. Immutable: a
/// <see cref="SimdOps"/> reads its options once per call, so a call never sees half of a change. Change them with
/// <c>ops.Options = ops.Options with { … }</c>, or for a while with <see cref="SimdOps.UseOptions"/>.
/// </summary>
internal sealed record SimdOptions
{
    /// <summary>
    /// Runs the Vector256 code of every op even where AVX-512 is present, so tests on an AVX-512 machine also check the
    /// fallback. Off by default: the widest vectors the machine accelerates.
    /// </summary>
    public bool Vector256Only { get; init; }

    /// <summary>
    /// Threads one GEMM or attention call may use (the bench sets it to compare at equal thread counts). The memory-bound
    /// ops (rows, outputs, bias sums) split by the core count regardless. Defaults to the processor count.
    /// </summary>
    public int Threads
    {
        get;
        init => field = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), $"{value} threads: at least 1 is needed");
    } = Environment.ProcessorCount;

    /// <summary>
    /// Queries (and keys) per attention tile, a multiple of 16 so tiles are whole vectors at either width; null picks by
    /// length: 128 from T = 1024 on (measured 20–30% faster there, one thread, head sizes 64 and 128), else 64 (less work
    /// wasted in the half-masked diagonal tiles, more tiles to share out). Tests set it low to reach many tiles at small T.
    /// Scratch per thread stays within a core's L2: under 700 KB at tile 128 and head size 128.
    /// </summary>
    public int? AttentionTile
    {
        get;
        init => field = value is null or >= 16 and <= 128 && value % 16 == 0
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), $"attention tile {value} is not a multiple of 16 from 16 to 128");
    }

    /// <summary>Whether the ops run their Vector512 code: the machine accelerates it and <see cref="Vector256Only"/> is off.</summary>
    public bool UsesVector512 => SimdCapabilities.HasVector512 && !Vector256Only;

    public int AttentionTileFor(AttentionShape shape) => AttentionTile ?? (shape.Tokens >= 1024 ? 128 : 64);
}
