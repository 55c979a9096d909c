using GoSeqZero.Go;

namespace GoSeqZero.Tests.Go.Rules;

/// <summary>
/// The rules written as plainly as possible, for checking <see cref="Board"/>: a grid, flood fills for chains
/// and liberties, a set of every position seen as strings. Slow and obviously right.
/// </summary>
internal sealed class ReferenceBoard
{
    public int Size { get; }
    private readonly Color[,] _grid;
    private readonly HashSet<string> _seen = [];
    public int CapturedByBlack { get; private set; }
    public int CapturedByWhite { get; private set; }

    public ReferenceBoard(int size)
    {
        Size = size;
        _grid = new Color[size, size];
        _seen.Add(Key(_grid));
    }

    public Color this[int x, int y] => _grid[x, y];

    public bool IsLegal(Color color, int x, int y) => TryPlay(color, x, y, commit: false);

    public void Play(Color color, int x, int y)
    {
        if (!TryPlay(color, x, y, commit: true)) throw new InvalidOperationException($"reference: {color} {x},{y} is illegal");
    }

    private bool TryPlay(Color color, int x, int y, bool commit)
    {
        if (_grid[x, y] != Color.Empty) return false;
        var next = (Color[,])_grid.Clone();
        next[x, y] = color;
        var captured = 0;
        foreach (var (nx, ny) in Neighbours(x, y))
        {
            if (next[nx, ny] == color.Opponent() && Liberties(next, nx, ny) == 0)
                captured += RemoveChain(next, nx, ny);
        }
        if (Liberties(next, x, y) == 0) return false;
        var key = Key(next);
        if (_seen.Contains(key)) return false;
        if (commit)
        {
            Array.Copy(next, _grid, next.Length);
            _seen.Add(key);
            if (color == Color.Black) CapturedByBlack += captured; else CapturedByWhite += captured;
        }
        return true;
    }

    /// <summary>Tromp-Taylor: stones plus empty regions that reach only one colour.</summary>
    public int AreaScore()
    {
        var score = 0;
        for (var x = 0; x < Size; x++)
            for (var y = 0; y < Size; y++)
            {
                if (_grid[x, y] == Color.Black) score++;
                else if (_grid[x, y] == Color.White) score--;
                else
                {
                    var (region, reaches) = Flood(_grid, x, y);
                    _ = region;
                    var black = reaches.Contains(Color.Black);
                    var white = reaches.Contains(Color.White);
                    if (black && !white) score++;
                    else if (white && !black) score--;
                }
            }
        return score;
    }

    /// <summary>The Tromp-Taylor owner of an empty point: the one colour its region reaches, else Empty; Empty for stones.</summary>
    public Color Owner(int x, int y)
    {
        if (_grid[x, y] != Color.Empty) return Color.Empty;
        var (_, reaches) = Flood(_grid, x, y);
        var black = reaches.Contains(Color.Black);
        var white = reaches.Contains(Color.White);
        return black == white ? Color.Empty : black ? Color.Black : Color.White;
    }

    private IEnumerable<(int, int)> Neighbours(int x, int y)
    {
        if (x > 0) yield return (x - 1, y);
        if (x < Size - 1) yield return (x + 1, y);
        if (y > 0) yield return (x, y - 1);
        if (y < Size - 1) yield return (x, y + 1);
    }

    private (List<(int, int)> Region, HashSet<Color> Reaches) Flood(Color[,] grid, int x, int y)
    {
        var color = grid[x, y];
        var region = new List<(int, int)> { (x, y) };
        var seen = new HashSet<(int, int)> { (x, y) };
        var reaches = new HashSet<Color>();
        for (var i = 0; i < region.Count; i++)
            foreach (var n in Neighbours(region[i].Item1, region[i].Item2))
            {
                var c = grid[n.Item1, n.Item2];
                if (c == color) { if (seen.Add(n)) region.Add(n); }
                else reaches.Add(c);
            }
        return (region, reaches);
    }

    private int Liberties(Color[,] grid, int x, int y)
    {
        var (region, _) = Flood(grid, x, y);
        var liberties = new HashSet<(int, int)>();
        foreach (var (sx, sy) in region)
            foreach (var n in Neighbours(sx, sy))
                if (grid[n.Item1, n.Item2] == Color.Empty) liberties.Add(n);
        return liberties.Count;
    }

    private int RemoveChain(Color[,] grid, int x, int y)
    {
        var (region, _) = Flood(grid, x, y);
        foreach (var (sx, sy) in region) grid[sx, sy] = Color.Empty;
        return region.Count;
    }

    private static string Key(Color[,] grid)
    {
        var chars = new char[grid.Length];
        var i = 0;
        foreach (var c in grid) chars[i++] = (char)('0' + (int)c);
        return new string(chars);
    }
}
