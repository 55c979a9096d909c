namespace GoSeqZero.Trainer.Sequences;

/// <summary>
/// The one vocabulary of every board size 5–19 (docs/sequence-format.md): control, sizes, modes, segment markers, side
/// to move, point states, one move per point of the 19×19 grid (a point keeps its token on every board size, counted
/// from A1, the bottom-left corner) and pass, value buckets, ILLEGAL, outcomes (B_WINS, W_WINS, and DRAW for integer
/// komi) and PASSED. Each board-point token also carries an embedding point id (<see cref="EmbeddingPointId"/>) in its
/// own embedding; <see cref="BoardCodec"/> maps an n×n board's moves and colours onto these ids.
/// <para>
/// Two kinds of access, by where a token's id sits: every token before the value buckets has the same id in every
/// vocabulary, so it is a <c>const</c> (<c>Vocabulary.Est</c>, <c>Vocabulary.Pass</c>), usable in switch patterns and
/// without an instance; every token after them (ILLEGAL, the outcomes, PASSED) has an id that depends on the bucket
/// count, so it is a property of the instance (<c>vocabulary.Illegal</c>, <c>vocabulary.Passed</c>), as are the value
/// tokens themselves. PASSED is a marker like EST but was added after the outcomes, and checkpoints fix every id, so it
/// stays at the end, read through the instance.
/// </para>
/// </summary>
internal sealed class Vocabulary
{
    public const int MinBoardSize = 5, MaxBoardSize = 19, DefaultValueBuckets = 64;
    private const int GridPoints = MaxBoardSize * MaxBoardSize;

    // ---- the same id in every vocabulary ----------------------------------------------------------------
    public const int Pad = 0, Bos = 1, Eos = 2;
    private const int FirstSize = 3;
    public const int ModeTree = FirstSize + MaxBoardSize - MinBoardSize + 1, ModeRollout = ModeTree + 1;
    public const int Root = ModeRollout + 1, Child = Root + 1, Improved = Child + 1, Rollout = Improved + 1, Result = Rollout + 1, Est = Result + 1;
    public const int ToMoveBlack = Est + 1, ToMoveWhite = ToMoveBlack + 1;
    public const int Empty = ToMoveWhite + 1, Black = Empty + 1, White = Black + 1;
    private const int FirstMove = White + 1;
    public const int Pass = FirstMove + GridPoints;
    private const int FirstValue = Pass + 1;

    /// <summary>ILLEGAL, B_WINS, W_WINS, DRAW and PASSED, after the value buckets.</summary>
    private const int TokensAfterBuckets = 5;

    /// <summary>Embedding point ids: 0 for tokens that name no point, 1..361 for the grid, 362 for pass.</summary>
    public const int NoPoint = 0, PassPointId = GridPoints + 1, PointIdCount = GridPoints + 2;

    public Vocabulary(int valueBuckets = DefaultValueBuckets)
    {
        if (valueBuckets is < 2 or > 1024) throw new ArgumentOutOfRangeException(nameof(valueBuckets), $"value buckets must be 2..1024, not {valueBuckets}");
        ValueBuckets = valueBuckets;
        Illegal = FirstValue + valueBuckets;
        BlackWins = Illegal + 1;
        WhiteWins = Illegal + 2;
        Draw = Illegal + 3;
        Passed = Illegal + 4;
        Count = Illegal + TokensAfterBuckets;
    }

    /// <summary>The vocabulary of a model with <paramref name="tokenCount"/> tokens (the bucket count is what is left).</summary>
    public static Vocabulary ForTokenCount(int tokenCount)
    {
        var buckets = tokenCount - FirstValue - TokensAfterBuckets;
        if (buckets < 2) throw new ArgumentException($"a model with {tokenCount} tokens cannot hold this sequence format (at least {FirstValue + 2 + TokensAfterBuckets} are needed)");
        return new Vocabulary(buckets);
    }

    public int ValueBuckets { get; }

    // ---- after the value buckets: the id depends on the bucket count ------------------------------------
    public int Illegal { get; }
    public int BlackWins { get; }
    public int WhiteWins { get; }

    /// <summary>A drawn game end (possible only with an integer komi).</summary>
    public int Draw { get; }

    /// <summary>
    /// Written after a board's side to move when the move before was a pass, so that a pass now ends the game: the
    /// board alone does not say so, and a pass's value depends on it.
    /// </summary>
    public int Passed { get; }

    /// <summary>Number of tokens.</summary>
    public int Count { get; }

    /// <summary>The value of an outcome token (B_WINS, W_WINS, DRAW) for <paramref name="player"/>: 1 a win, 0 a loss, ½ a draw.</summary>
    public double OutcomeValue(int outcomeToken, Go.Color player) =>
        outcomeToken == Draw ? 0.5 : (outcomeToken == BlackWins) == (player == Go.Color.Black) ? 1 : 0;

    public static int SizeToken(int boardSize)
    {
        CheckBoardSize(boardSize);
        return FirstSize + boardSize - MinBoardSize;
    }

    public static void CheckBoardSize(int boardSize)
    {
        if (boardSize is < MinBoardSize or > MaxBoardSize)
            throw new ArgumentOutOfRangeException(nameof(boardSize), $"the sequence format covers boards {MinBoardSize}×{MinBoardSize} to {MaxBoardSize}×{MaxBoardSize}, not {boardSize}×{boardSize}");
    }

    /// <summary>The move token of the point in column <paramref name="x"/> (0 = A), row <paramref name="y"/> (0 = row 1, the bottom), as <see cref="Go.Vertex"/>.</summary>
    public static int MoveToken(int x, int y) => FirstMove + y * MaxBoardSize + x;

    /// <summary>The embedding point id of column x, row y; the same on every board size.</summary>
    public static int EmbeddingPointId(int x, int y) => 1 + y * MaxBoardSize + x;

    /// <summary>Column and row of an embedding point id other than <see cref="NoPoint"/> and <see cref="PassPointId"/>.</summary>
    public static (int X, int Y) PointOfEmbeddingPointId(int pointId) => ((pointId - 1) % MaxBoardSize, (pointId - 1) / MaxBoardSize);

    public static bool IsMove(int token) => token is >= FirstMove and <= Pass;

    /// <summary>Column and row of a move token other than pass.</summary>
    public static (int X, int Y) PointOfMoveToken(int token) => ((token - FirstMove) % MaxBoardSize, (token - FirstMove) / MaxBoardSize);

    public static bool IsSize(int token) => token is >= FirstSize and < ModeTree;

    public static int BoardSizeOf(int sizeToken) => sizeToken - FirstSize + MinBoardSize;

    public static bool IsSideToMove(int token) => token is ToMoveBlack or ToMoveWhite;

    public static bool IsPointState(int token) => token is Empty or Black or White;

    public bool IsValue(int token) => token >= FirstValue && token < FirstValue + ValueBuckets;

    public int ValueToken(int bucket) => FirstValue + bucket;

    public int BucketOf(int valueToken) => valueToken - FirstValue;

    /// <summary>The bucket holding a win probability: B uniform buckets over [0, 1].</summary>
    public int Bucket(double winProbability) => Math.Clamp((int)(winProbability * ValueBuckets), 0, ValueBuckets - 1);

    /// <summary>The value a bucket stands for: its centre.</summary>
    public double BucketCenter(int bucket) => (bucket + 0.5) / ValueBuckets;

    /// <summary>A readable name for dumps and error messages: "BOS", "SIZE_9", "MOVE_3_4" (column, row), "V_17", ...</summary>
    public string Name(int token) => token switch
    {
        Pad => "PAD", Bos => "BOS", Eos => "EOS",
        ModeTree => "MODE_TREE", ModeRollout => "MODE_ROLLOUT",
        Root => "ROOT", Child => "CHILD", Improved => "IMPROVED", Rollout => "ROLLOUT", Result => "RESULT", Est => "EST",
        ToMoveBlack => "TO_MOVE_B", ToMoveWhite => "TO_MOVE_W",
        Empty => "EMPTY", Black => "BLACK", White => "WHITE",
        Pass => "PASS",
        _ when IsSize(token) => $"SIZE_{BoardSizeOf(token)}",
        _ when IsMove(token) => $"MOVE_{PointOfMoveToken(token).X}_{PointOfMoveToken(token).Y}",
        _ when IsValue(token) => $"V_{BucketOf(token)}",
        _ when token == Illegal => "ILLEGAL",
        _ when token == BlackWins => "B_WINS",
        _ when token == WhiteWins => "W_WINS",
        _ when token == Draw => "DRAW",
        _ when token == Passed => "PASSED",
        _ => $"<unknown token {token}>",
    };
}
