namespace GoSeqZero.Go.Sgf;

/// <summary>
/// SGF points: two lower-case letters, column then row, with "aa" the top-left corner. <see cref="Vertex"/>
/// counts rows from the bottom, so the row letter flips. This is the inverse of <see cref="Vertex.ToSgf"/>.
/// </summary>
internal static class SgfCoordinates
{
    /// <summary>Parses a point such as "dd" and checks it lies on a size×size board. Passes are not points.</summary>
    public static bool TryParsePoint(ReadOnlySpan<char> text, int size, out Vertex vertex)
    {
        vertex = Vertex.Pass;
        if (text.Length != 2) return false;
        int column = text[0] - 'a', rowFromTop = text[1] - 'a';
        if (column < 0 || column >= size || rowFromTop < 0 || rowFromTop >= size) return false;
        vertex = new Vertex(column, size - 1 - rowFromTop);
        return true;
    }

    /// <summary>
    /// Parses a move value: a point, or a pass written as an empty value or, on boards up to 19x19, as "tt"
    /// (the FF[3] convention, still common).
    /// </summary>
    public static bool TryParseMove(ReadOnlySpan<char> text, int size, out Vertex vertex)
    {
        if (text.Length == 0 || (size <= 19 && text.SequenceEqual("tt")))
        {
            vertex = Vertex.Pass;
            return true;
        }
        return TryParsePoint(text, size, out vertex);
    }

    /// <summary>
    /// The points of one value of a point list: a single point, or a rectangle "aa:cc" given by two opposite
    /// corners. Returns false (and adds nothing) when a corner is not a point of the board.
    /// </summary>
    public static bool TryParsePointList(string text, int size, List<Vertex> points)
    {
        var colon = text.IndexOf(':');
        if (colon < 0)
        {
            if (!TryParsePoint(text, size, out var point)) return false;
            points.Add(point);
            return true;
        }
        if (!TryParsePoint(text.AsSpan(0, colon), size, out var first) || !TryParsePoint(text.AsSpan(colon + 1), size, out var second))
            return false;
        for (var y = Math.Max(first.Y, second.Y); y >= Math.Min(first.Y, second.Y); y--)
            for (var x = Math.Min(first.X, second.X); x <= Math.Max(first.X, second.X); x++)
                points.Add(new Vertex(x, y));
        return true;
    }

    /// <summary>What a reader should have seen instead of a bad point, for error messages.</summary>
    public static string DescribePoint(int size) =>
        $"a point of a {size}x{size} board (two letters a..{(char)('a' + size - 1)}, column then row from the top)";
}
