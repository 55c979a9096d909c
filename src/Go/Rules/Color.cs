namespace GoSeqZero.Go;

/// <summary>What occupies a point. <see cref="Border"/> only appears in the board's sentinel frame.</summary>
public enum Color : byte
{
    Empty = 0,
    Black = 1,
    White = 2,
    Border = 3,
}

public static class ColorExtensions
{
    /// <summary>Black ↔ White; other values are returned unchanged.</summary>
    public static Color Opponent(this Color color) => color switch
    {
        Color.Black => Color.White,
        Color.White => Color.Black,
        _ => color,
    };

    public static bool IsStone(this Color color) => color is Color.Black or Color.White;

    /// <summary>Single letter as GTP and SGF write it: B or W.</summary>
    public static char Letter(this Color color) => color switch
    {
        Color.Black => 'B',
        Color.White => 'W',
        _ => throw new ArgumentOutOfRangeException(nameof(color), color, "only Black and White have a letter"),
    };

    /// <summary>Parses a GTP colour: b, w, black, white (any case).</summary>
    public static bool TryParse(string text, out Color color)
    {
        switch (text.ToLowerInvariant())
        {
            case "b": case "black": color = Color.Black; return true;
            case "w": case "white": color = Color.White; return true;
            default: color = Color.Empty; return false;
        }
    }
}
