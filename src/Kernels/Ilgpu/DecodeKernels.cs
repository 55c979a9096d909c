using System.Numerics;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace GoSeqZero.Kernels.Ilgpu;

/// <summary>
/// How <see cref="DecodeKernels.Attend"/> splits one (sequence, query, head) over a group. A <i>team</i> of
/// <see cref="TeamSize"/> lanes (a power of two dividing the warp) works on one key at a time: lane r holds dimensions
/// r, r+TeamSize, r+2·TeamSize... of the query and of its partial output (<see cref="DimensionsPerLane"/> of them), so
/// a team reads whole cache rows and neighbouring teams read neighbouring rows. A group holds GroupSize / TeamSize
/// teams that share the keys out round-robin, so a long cache keeps many threads busy (split-K inside the group).
/// </summary>
internal readonly record struct DecodeLaunch(int TeamSize, int DimensionsPerLane, int GroupSize)
{
    /// <summary>Each lane keeps up to four dimensions in registers, so a team of 32 covers a head of 128.</summary>
    private const int PreferredDimensionsPerLane = 4;

    /// <summary>Aim for this many keys per team at full capacity: enough work per lane to hide the merge, many lanes for long caches.</summary>
    private const int KeysPerTeam = 4;

    /// <summary>Larger groups only add merge work; 512 threads fill an SM with a handful of groups.</summary>
    private const int MaxGroupSize = 512;

    public static DecodeLaunch For(DecodeShape shape, int warpSize, int maxThreadsPerGroup)
    {
        var headSize = shape.HeadSize;
        var teamSize = Math.Min((int)BitOperations.RoundUpToPowerOf2((uint)((headSize + PreferredDimensionsPerLane - 1) / PreferredDimensionsPerLane)), warpSize);
        var dimensionsPerLane = (headSize + teamSize - 1) / teamSize;
        if (dimensionsPerLane > DecodeKernels.MaxDimensionsPerLane || warpSize % teamSize != 0)
            throw new NotSupportedException(
                $"decode attention with head size {headSize} needs warps of at least {headSize / DecodeKernels.MaxDimensionsPerLane} power-of-two lanes; this accelerator has {warpSize}");
        var limit = Math.Min(Math.Min(maxThreadsPerGroup, MaxGroupSize), DecodeKernels.MaxWarpsPerGroup * warpSize) / warpSize * warpSize;
        var wanted = (long)(shape.Capacity + KeysPerTeam - 1) / KeysPerTeam * teamSize;
        var groupSize = (int)Math.Clamp((wanted + warpSize - 1) / warpSize * warpSize, warpSize, Math.Max(limit, warpSize));
        return new DecodeLaunch(teamSize, dimensionsPerLane, groupSize);
    }
}

/// <summary>
/// The KV-cache kernels. Caches are [Batch, Heads, Capacity, HeadSize]; the chunk's qkv is [Batch, Queries, 3·Channels].
/// A sequence whose start and count do not fit (count outside 0..Queries, start &lt; 0, start + count &gt; Capacity) is the
/// caller's error, which a kernel cannot report: it gets no cache writes and NaN in every output row, never a stray write.
/// </summary>
internal static class DecodeKernels
{
    /// <summary>The most dimensions a lane may hold: a head of 128 on the emulator's warps of 4.</summary>
    public const int MaxDimensionsPerLane = AttentionShape.MaxHeadSize / 4;

    /// <summary>Bounds the shared merge buffer: 32 warps × (128 + 2) floats = 16.3 KiB, under CUDA's 48 KiB per group.</summary>
    public const int MaxWarpsPerGroup = 32;

    /// <summary>One warp's merged state in shared memory: running max, running sum, then the partial output.</summary>
    private const int MergeStride = AttentionShape.MaxHeadSize + 2;

    public static bool FitsCache(int start, int count, DecodeShape shape) =>
        count >= 0 && count <= shape.Queries && start >= 0 && start <= shape.Capacity - count;

    /// <summary>
    /// One thread per cache element written: index = ((part·Batch + b)·Queries + i)·Channels + c, part 0 for keys and
    /// 1 for values, so neighbouring threads read neighbouring qkv elements and write runs of HeadSize.
    /// </summary>
    public static void Append(Index1D index, ArrayView<float> keyCache, ArrayView<float> valueCache, ArrayView<float> qkv,
        ArrayView<int> starts, ArrayView<int> counts, DecodeShape shape)
    {
        int channels = shape.Channels, queries = shape.Queries, headSize = shape.HeadSize;
        var c = index.X % channels;
        var row = index.X / channels;
        var i = row % queries;
        var b = row / queries % shape.Batch;
        var part = row / (queries * shape.Batch);
        int start = starts[b], count = counts[b];
        if (i >= count || !FitsCache(start, count, shape)) return;
        var h = c / headSize;
        var target = (((long)b * shape.Heads + h) * shape.Capacity + start + i) * headSize + c - h * headSize;
        var value = qkv[((long)b * queries + i) * 3 * channels + (1 + part) * channels + c];
        if (part == 0) keyCache[target] = value;
        else valueCache[target] = value;
    }

    /// <summary>
    /// One group per (sequence b, query i, head h), h fastest. Each team runs an online softmax over its keys (a running
    /// max, a running sum and a partial output in registers); the teams of a warp then merge their states through
    /// shuffles, and the warps through shared memory with one barrier. Group sizes come from <see cref="DecodeLaunch"/>.
    /// </summary>
    public static void Attend(ArrayView<float> output, ArrayView<float> qkv, ArrayView<float> keyCache, ArrayView<float> valueCache,
        ArrayView<int> starts, ArrayView<int> counts, DecodeShape shape, SpecializedValue<int> teamSizeValue, SpecializedValue<int> dimensionsPerLaneValue)
    {
        int teamSize = teamSizeValue, dimensionsPerLane = dimensionsPerLaneValue;
        int heads = shape.Heads, queries = shape.Queries, channels = shape.Channels, headSize = shape.HeadSize;
        var h = Grid.IdxX % heads;
        var i = Grid.IdxX / heads % queries;
        var b = Grid.IdxX / (heads * queries);
        var outputRow = ((long)b * queries + i) * channels + h * headSize;
        int start = starts[b], count = counts[b];
        var fits = FitsCache(start, count, shape);
        if (!fits || i >= count)
        {
            // The same branch for the whole group, so no thread waits at the barrier below.
            var fill = fits ? 0f : float.NaN;
            for (var d = Group.IdxX; d < headSize; d += Group.DimX) output[outputRow + d] = fill;
            return;
        }

        var lane = Warp.LaneIdx;
        var teamLane = lane & (teamSize - 1);
        var team = Group.IdxX / teamSize;
        var teams = Group.DimX / teamSize;
        var scale = XMath.Rsqrt(headSize);
        var queryRow = ((long)b * queries + i) * 3 * channels + h * headSize;
        var query = LaneSlice.Scale(LaneSlice.Load(qkv, queryRow, teamLane, teamSize, dimensionsPerLane, headSize), scale);
        var partial = default(LaneSlice);
        // Dimensions past the first four of a lane: only on warps too narrow for the head (the emulator's 4 lanes).
        var queryRest = LocalMemory.Allocate1D<float>(MaxDimensionsPerLane - LaneSlice.Count);
        var partialRest = LocalMemory.Allocate1D<float>(MaxDimensionsPerLane - LaneSlice.Count);
        for (var k = LaneSlice.Count; k < dimensionsPerLane; k++)
        {
            var d = teamLane + k * teamSize;
            queryRest[k - LaneSlice.Count] = d < headSize ? qkv[queryRow + d] * scale : 0f;
            partialRest[k - LaneSlice.Count] = 0f;
        }

        var runningMax = float.NegativeInfinity;
        var runningSum = 0f;
        var cacheOffset = ((long)b * heads + h) * shape.Capacity * headSize;
        var visible = start + i + 1;
        // Every lane runs every round, with or without a key: a team's shuffles need the whole warp.
        var rounds = (visible + teams - 1) / teams;
        for (var round = 0; round < rounds; round++)
        {
            var key = round * teams + team;
            var hasKey = key < visible;
            var row = cacheOffset + (long)key * headSize;
            var score = 0f;
            if (hasKey)
            {
                score = LaneSlice.Dot(query, LaneSlice.Load(keyCache, row, teamLane, teamSize, dimensionsPerLane, headSize));
                for (var k = LaneSlice.Count; k < dimensionsPerLane; k++)
                {
                    var d = teamLane + k * teamSize;
                    if (d < headSize) score += queryRest[k - LaneSlice.Count] * keyCache[row + d];
                }
            }
            for (var offset = 1; offset < teamSize; offset <<= 1) score += Warp.ShuffleXor(score, offset);
            if (!hasKey) continue;

            // One exponential per key: either the new score or the old max is the larger.
            float keep, weight;
            if (score > runningMax)
            {
                keep = XMath.Exp(runningMax - score);
                weight = 1f;
                runningMax = score;
            }
            else
            {
                keep = 1f;
                weight = XMath.Exp(score - runningMax);
            }
            runningSum = runningSum * keep + weight;
            partial = LaneSlice.Combine(partial, keep, LaneSlice.Load(valueCache, row, teamLane, teamSize, dimensionsPerLane, headSize), weight);
            for (var k = LaneSlice.Count; k < dimensionsPerLane; k++)
            {
                var d = teamLane + k * teamSize;
                if (d < headSize) partialRest[k - LaneSlice.Count] = partialRest[k - LaneSlice.Count] * keep + weight * valueCache[row + d];
            }
        }

        // Merge the teams of a warp: after the butterfly every team holds the warp's state.
        for (var offset = teamSize; offset < Warp.WarpSize; offset <<= 1)
        {
            var otherMax = Warp.ShuffleXor(runningMax, offset);
            var otherSum = Warp.ShuffleXor(runningSum, offset);
            var mergedMax = XMath.Max(runningMax, otherMax);
            float keep = Rescale(runningMax, mergedMax), otherKeep = Rescale(otherMax, mergedMax);
            runningSum = runningSum * keep + otherSum * otherKeep;
            partial = LaneSlice.Combine(partial, keep, LaneSlice.ShuffleXor(partial, offset), otherKeep);
            for (var k = 0; k < dimensionsPerLane - LaneSlice.Count; k++)
                partialRest[k] = partialRest[k] * keep + Warp.ShuffleXor(partialRest[k], offset) * otherKeep;
            runningMax = mergedMax;
        }

        // Merge the warps: team 0 of each warp publishes its state, then the group writes the output row.
        var merge = SharedMemory.Allocate1D<float>(MaxWarpsPerGroup * MergeStride);
        var slot = Warp.WarpIdx * MergeStride;
        if (lane < teamSize)
        {
            if (lane == 0)
            {
                merge[slot] = runningMax;
                merge[slot + 1] = runningSum;
            }
            LaneSlice.Store(partial, merge, slot + 2, lane, teamSize, dimensionsPerLane, headSize);
            for (var k = LaneSlice.Count; k < dimensionsPerLane; k++)
            {
                var d = lane + k * teamSize;
                if (d < headSize) merge[slot + 2 + d] = partialRest[k - LaneSlice.Count];
            }
        }
        Group.Barrier();

        var warps = Group.DimX / Warp.WarpSize;
        // Warp 0 holds key 0, so the group's max is finite.
        var groupMax = float.NegativeInfinity;
        for (var w = 0; w < warps; w++) groupMax = XMath.Max(groupMax, merge[w * MergeStride]);
        var total = 0f;
        for (var w = 0; w < warps; w++) total += merge[w * MergeStride + 1] * Rescale(merge[w * MergeStride], groupMax);
        var reciprocal = 1f / total;
        for (var d = Group.IdxX; d < headSize; d += Group.DimX)
        {
            var sum = 0f;
            for (var w = 0; w < warps; w++) sum += merge[w * MergeStride + 2 + d] * Rescale(merge[w * MergeStride], groupMax);
            output[outputRow + d] = sum * reciprocal;
        }
    }

    /// <summary>exp(max − mergedMax), and 0 for a state that has seen no key yet (max −∞; its sum and output are 0).</summary>
    private static float Rescale(float max, float mergedMax) =>
        max == float.NegativeInfinity ? 0f : XMath.Exp(max - mergedMax);

    /// <summary>
    /// The first four dimensions a lane holds (k = 0..3, head dimension teamLane + k·teamSize), as four scalars so they
    /// stay in registers; ILGPU keeps a local array in local memory. Dimensions past the head or past the lane's count read as 0.
    /// </summary>
    private struct LaneSlice
    {
        public const int Count = 4;

        public float X0, X1, X2, X3;

        public static LaneSlice Load(ArrayView<float> values, long row, int teamLane, int teamSize, int dimensionsPerLane, int headSize) => new()
        {
            X0 = LoadDimension(values, row, teamLane, dimensionsPerLane > 0, headSize),
            X1 = LoadDimension(values, row, teamLane + teamSize, dimensionsPerLane > 1, headSize),
            X2 = LoadDimension(values, row, teamLane + 2 * teamSize, dimensionsPerLane > 2, headSize),
            X3 = LoadDimension(values, row, teamLane + 3 * teamSize, dimensionsPerLane > 3, headSize),
        };

        public static void Store(LaneSlice slice, ArrayView<float> values, long row, int teamLane, int teamSize, int dimensionsPerLane, int headSize)
        {
            StoreDimension(values, row, teamLane, dimensionsPerLane > 0, headSize, slice.X0);
            StoreDimension(values, row, teamLane + teamSize, dimensionsPerLane > 1, headSize, slice.X1);
            StoreDimension(values, row, teamLane + 2 * teamSize, dimensionsPerLane > 2, headSize, slice.X2);
            StoreDimension(values, row, teamLane + 3 * teamSize, dimensionsPerLane > 3, headSize, slice.X3);
        }

        public static float Dot(LaneSlice a, LaneSlice b) => a.X0 * b.X0 + a.X1 * b.X1 + a.X2 * b.X2 + a.X3 * b.X3;

        public static LaneSlice Scale(LaneSlice a, float factor) => new() { X0 = a.X0 * factor, X1 = a.X1 * factor, X2 = a.X2 * factor, X3 = a.X3 * factor };

        /// <summary>a·aWeight + b·bWeight.</summary>
        public static LaneSlice Combine(LaneSlice a, float aWeight, LaneSlice b, float bWeight) => new()
        {
            X0 = a.X0 * aWeight + b.X0 * bWeight,
            X1 = a.X1 * aWeight + b.X1 * bWeight,
            X2 = a.X2 * aWeight + b.X2 * bWeight,
            X3 = a.X3 * aWeight + b.X3 * bWeight,
        };

        public static LaneSlice ShuffleXor(LaneSlice a, int mask) => new()
        {
            X0 = Warp.ShuffleXor(a.X0, mask),
            X1 = Warp.ShuffleXor(a.X1, mask),
            X2 = Warp.ShuffleXor(a.X2, mask),
            X3 = Warp.ShuffleXor(a.X3, mask),
        };

        private static float LoadDimension(ArrayView<float> values, long row, int dimension, bool held, int headSize) =>
            held && dimension < headSize ? values[row + dimension] : 0f;

        private static void StoreDimension(ArrayView<float> values, long row, int dimension, bool held, int headSize, float value)
        {
            if (held && dimension < headSize) values[row + dimension] = value;
        }
    }
}
