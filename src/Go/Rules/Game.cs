namespace GoSeqZero.Go;

/// <summary>A move of a game record: who played where (or passed).</summary>
public readonly record struct Move(Color Color, Vertex Vertex)
{
    public override string ToString() => $"{Color.Letter()} {Vertex}";
}

/// <summary>
/// A game: its settings, an optional setup position, the moves played, and the board they lead to.
/// Undo replays the record, which keeps the board and its superko history exact.
/// </summary>
public sealed class Game
{
    private readonly List<Move> _moves = [];
    private Color[]? _setup;
    private Color _setupToMove = Color.Black;

    public Game(int size, double komi, int? moveCap = null)
    {
        Board = new Board(size, moveCap);
        Komi = komi;
    }

    public int Size => Board.Size;
    public double Komi { get; set; }
    public Board Board { get; }
    public IReadOnlyList<Move> Moves => _moves;
    /// <summary>The setup position (row-major from A1) the moves start from, or null for an empty board.</summary>
    public IReadOnlyList<Color>? Setup => _setup;
    public Color ToMove => Board.ToMove;
    public bool IsOver => Board.IsGameOver;

    /// <summary>Starts again from <paramref name="stones"/>; the moves played so far are dropped.</summary>
    public void SetSetup(ReadOnlySpan<Color> stones, Color toMove)
    {
        // Check on a scratch board first, so an illegal setup leaves this game as it was.
        new Board(Size).SetPosition(stones, toMove);
        _moves.Clear();
        _setup = stones.ToArray();
        _setupToMove = toMove;
        Board.SetPosition(_setup, toMove);
    }

    public void Clear()
    {
        _moves.Clear();
        _setup = null;
        _setupToMove = Color.Black;
        Board.Clear();
    }

    /// <summary>Plays and records a move; throws <see cref="IllegalMoveException"/> (and changes nothing) when illegal.</summary>
    public void Play(Color color, Vertex vertex)
    {
        Board.Play(color, vertex);
        _moves.Add(new Move(color, vertex));
    }

    public void Play(Move move) => Play(move.Color, move.Vertex);

    /// <summary>Takes back the last move; false when there is none.</summary>
    public bool Undo()
    {
        if (_moves.Count == 0) return false;
        _moves.RemoveAt(_moves.Count - 1);
        Board.Clear();
        if (_setup is not null) Board.SetPosition(_setup, _setupToMove);
        foreach (var move in _moves) Board.Play(move.Color, move.Vertex);
        return true;
    }

    /// <summary>Tromp-Taylor score, Black minus White minus komi.</summary>
    public double Score() => Board.Score(Komi);

    public string Result() => Board.ResultString(Score());
}
