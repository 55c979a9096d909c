namespace GoSeqZero.Go;

/// <summary>Fixed 64-bit keys per (colour, grid index), so a position's hash is the same in every process.</summary>
internal static class Zobrist
{
    private const int MaxGrid = (Vertex.MaxSize + 2) * (Vertex.MaxSize + 2);
    private static readonly ulong[] Keys = CreateKeys();

    private static ulong[] CreateKeys()
    {
        var keys = new ulong[3 * MaxGrid + Vertex.MaxSize + 1];
        var state = 0x9E3779B97F4A7C15UL;
        for (var i = 0; i < keys.Length; i++)
        {
            // SplitMix64 from a fixed seed: the same keys in every process, never zero in practice.
            state += 0x9E3779B97F4A7C15UL;
            keys[i] = FastRandom.Mix(state);
        }
        return keys;
    }

    public static ulong Stone(Color color, int point) => Keys[(int)color * MaxGrid + point];

    /// <summary>Non-zero per size, so zero can mark an empty slot in <see cref="PositionHistory"/>.</summary>
    public static ulong EmptyBoard(int size) => Keys[3 * MaxGrid + size] | 1;
}
