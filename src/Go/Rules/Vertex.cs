namespace GoSeqZero.Go;

/// <summary>
/// A move's place on a board independent of its size: column X (0 = A) and row Y (0 = row 1, the bottom
/// row as GTP prints it), or a pass. GTP letters skip I: A..H, J..T.
/// </summary>
public readonly record struct Vertex(int X, int Y)
{
    public const int MaxSize = 19;
    internal const string ColumnLetters = "ABCDEFGHJKLMNOPQRSTUVWXYZ";

    public static readonly Vertex Pass = new(-1, -1);
    /// <summary>Not a place on the board: what a player answers when it gives up (GTP "resign").</summary>
    public static readonly Vertex Resign = new(-2, -2);

    public bool IsPass => this == Pass;
    public bool IsResign => this == Resign;

    public bool IsOnBoard(int size) => X >= 0 && Y >= 0 && X < size && Y < size;

    /// <summary>GTP form: "D4", "pass"; raw coordinates for a vertex no board has (a player's bad answer).</summary>
    public override string ToString() =>
        IsPass ? "pass"
        : IsResign ? "resign"
        : X >= 0 && X < ColumnLetters.Length && Y >= 0 ? $"{ColumnLetters[X]}{Y + 1}"
        : $"(x {X}, y {Y})";

    /// <summary>Parses a GTP vertex ("d4", "T19", "pass"; any case) and checks it lies on a size×size board.</summary>
    public static bool TryParse(string text, int size, out Vertex vertex)
    {
        vertex = Pass;
        if (string.Equals(text, "pass", StringComparison.OrdinalIgnoreCase)) return true;
        if (text.Length < 2 || text.Length > 3) return false;
        var column = ColumnLetters.IndexOf(char.ToUpperInvariant(text[0]));
        if (column < 0) return false;
        if (!int.TryParse(text.AsSpan(1), System.Globalization.NumberStyles.None, null, out var row)) return false;
        var candidate = new Vertex(column, row - 1);
        if (!candidate.IsOnBoard(size)) return false;
        vertex = candidate;
        return true;
    }

    public static Vertex Parse(string text, int size) =>
        TryParse(text, size, out var vertex)
            ? vertex
            : throw new FormatException($"'{text}' is not a vertex of a {size}x{size} board (expected e.g. A1..{ColumnLetters[size - 1]}{size}, or pass)");

    /// <summary>SGF form of a move: two lowercase letters column, row counted from the top; pass is empty.</summary>
    public string ToSgf(int size) => IsPass ? "" : $"{(char)('a' + X)}{(char)('a' + size - 1 - Y)}";
}
