namespace GoSeqZero.Go.Sgf;

/// <summary>A move of a record with its comment and, when read from SGF, where its value stood.</summary>
public readonly record struct RecordedMove(Move Move, string? Comment = null, SgfPosition Position = default);

/// <summary>
/// The main line of one SGF game tree: game information, an optional setup position, and the moves with their
/// comments. <see cref="Tree"/> keeps the tree it was read from, so variations and unknown properties survive.
/// </summary>
public sealed class GameRecord
{
    public const string OurRules = "Chinese";

    public int Size { get; init; } = 19;
    /// <summary>The KM property; 0 when the file has none, as SGF readers commonly assume.</summary>
    public double Komi { get; init; }
    /// <summary>The RU property; null when the file has none.</summary>
    public string? Rules { get; init; }
    public string? BlackPlayer { get; init; }
    public string? WhitePlayer { get; init; }
    /// <summary>The RE property as written: "B+3.5", "W+R", "0", "Void", ….</summary>
    public string? Result { get; init; }
    public string? Date { get; init; }
    /// <summary>The position the moves start from, row-major from A1 (size² entries); null for an empty board.</summary>
    public Color[]? Setup { get; init; }
    /// <summary>Who moves first from <see cref="Setup"/> (SGF PL).</summary>
    public Color PlayerToMove { get; init; } = Color.Black;
    public IReadOnlyList<RecordedMove> Moves { get; init; } = [];
    /// <summary>Comments on the nodes before the first move.</summary>
    public string? RootComment { get; init; }
    /// <summary>The root of the game tree this record was read from; null for a record built from a game.</summary>
    public SgfNode? Tree { get; init; }
    /// <summary>The file (or other source) the record was read from, for error messages.</summary>
    public string? SourceName { get; init; }
    /// <summary>Where the setup was given (its last setup property), for error messages.</summary>
    public SgfPosition SetupPosition { get; init; }

    /// <summary>
    /// The record of <paramref name="game"/> under our rules. Without a <paramref name="result"/>, a finished game
    /// gets its Tromp-Taylor result and an unfinished one none.
    /// </summary>
    public static GameRecord FromGame(
        Game game, string? blackPlayer = null, string? whitePlayer = null, string? result = null, string? date = null, string? rootComment = null) => new()
    {
        Size = game.Size,
        Komi = game.Komi,
        Rules = OurRules,
        BlackPlayer = blackPlayer,
        WhitePlayer = whitePlayer,
        Result = result ?? (game.IsOver ? game.Result() : null),
        Date = date,
        Setup = game.Setup?.ToArray(),
        PlayerToMove = game.Moves.Count > 0 ? game.Moves[0].Color : game.ToMove,
        Moves = game.Moves.Select(move => new RecordedMove(move)).ToArray(),
        RootComment = rootComment,
    };

    /// <summary>
    /// Replays the record onto a new <see cref="Game"/>: the setup, then the first <paramref name="moveCount"/>
    /// moves (all of them when null or larger than the record). An illegal setup or move throws
    /// <see cref="SgfFormatException"/> naming where it stood in the SGF text.
    /// </summary>
    public Game ToGame(int? moveCap = null, int? moveCount = null)
    {
        if (moveCount < 0) throw new ArgumentOutOfRangeException(nameof(moveCount), moveCount, "the number of moves to replay cannot be negative");
        var game = new Game(Size, Komi, moveCap);
        if (Setup is not null)
        {
            if (Setup.Length != Size * Size)
                throw new SgfFormatException($"the setup has {Setup.Length} points; expected {Size * Size} for a {Size}x{Size} board", SetupPosition, SourceName);
            try
            {
                game.SetSetup(Setup, PlayerToMove);
            }
            catch (ArgumentException exception)
            {
                throw new SgfFormatException($"the setup position is not legal: {exception.Message}", SetupPosition, SourceName, exception);
            }
        }
        var count = Math.Min(moveCount ?? Moves.Count, Moves.Count);
        for (var i = 0; i < count; i++)
        {
            var (move, _, position) = Moves[i];
            if (!move.Color.IsStone())
                throw new SgfFormatException($"move {i + 1} is by {move.Color}; expected Black or White", position, SourceName);
            if (!move.Vertex.IsPass && !move.Vertex.IsOnBoard(Size))
                throw new SgfFormatException($"move {i + 1} ({move}) is off the {Size}x{Size} board", position, SourceName);
            try
            {
                game.Play(move);
            }
            catch (IllegalMoveException illegal)
            {
                throw new SgfFormatException(
                    $"move {i + 1}, {move.Color.Letter()}[{move.Vertex.ToSgf(Size)}] ({move}), is illegal: {illegal.Reason}; "
                    + "expected a move to an empty point that is not suicide and does not repeat a position (positional superko)",
                    position, SourceName);
            }
        }
        return game;
    }
}
