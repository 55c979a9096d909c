using GoSeqZero.Go;

namespace GoSeqZero.Trainer.Sequences;

/// <summary>
/// The one place that turns a point or colour of an n×n board into the numbers the sequence format and the rules engine
/// use, and back (docs/sequence-format.md, "Coordinates" and "Point ids"). The numbers, by their names here:
/// <list type="bullet">
/// <item><b>move index</b>: y·n + x (x the column from A, y the row from 1), n² for pass; what value rows, records and
/// boards written as tokens count in (<see cref="Board.GetPosition"/> order, then pass).</item>
/// <item><b>grid point</b>: the rules engine's index into its padded grid (<see cref="Board.PointAt"/>),
/// <see cref="Board.PassMove"/> for pass.</item>
/// <item><b>move token</b>: MOVE_x_y or PASS, the same id on every board size (<see cref="Vocabulary.MoveToken"/>).</item>
/// <item><b>embedding point id</b>: the second input embedding's id, 1 + 19·y + x or <see cref="Vocabulary.PassPointId"/>,
/// the same on every board size (<see cref="Vocabulary.EmbeddingPointId"/>).</item>
/// <item><b>vertex</b>: the GTP coordinate.</item>
/// </list>
/// <see cref="Vocabulary"/> fixes the ids on the 19×19 grid; this class maps an n×n board onto them. A name says what
/// it returns and, unless it takes a move index, what it takes.
/// </summary>
internal static class BoardCodec
{
    public static int PassMoveIndex(int size) => size * size;

    public static int MoveTokenOf(int moveIndex, int size) =>
        moveIndex == PassMoveIndex(size) ? Vocabulary.Pass : Vocabulary.MoveToken(moveIndex % size, moveIndex / size);

    /// <summary>The move index of PASS or of a move token whose point lies on the n×n board; false for any other token.</summary>
    public static bool TryMoveIndexOfToken(int token, int size, out int moveIndex)
    {
        moveIndex = PassMoveIndex(size);
        if (token == Vocabulary.Pass) return true;
        if (!Vocabulary.IsMove(token)) return false;
        var (x, y) = Vocabulary.PointOfMoveToken(token);
        moveIndex = y * size + x;
        return x < size && y < size;
    }

    public static int EmbeddingPointIdOf(int moveIndex, int size) =>
        moveIndex == PassMoveIndex(size) ? Vocabulary.PassPointId : Vocabulary.EmbeddingPointId(moveIndex % size, moveIndex / size);

    public static int GridPointOf(Board board, int moveIndex) =>
        moveIndex == PassMoveIndex(board.Size) ? Board.PassMove : board.PointAt(moveIndex % board.Size, moveIndex / board.Size);

    public static int MoveIndexOfGridPoint(Board board, int gridPoint) =>
        gridPoint == Board.PassMove ? PassMoveIndex(board.Size) : board.RowMajorIndexOf(gridPoint);

    public static Vertex VertexOf(int moveIndex, int size) =>
        moveIndex == PassMoveIndex(size) ? Vertex.Pass : new Vertex(moveIndex % size, moveIndex / size);

    /// <summary>The vertex of an embedding point id of the grid or of pass; it needs no board size.</summary>
    public static Vertex VertexOfEmbeddingPointId(int pointId)
    {
        if (pointId == Vocabulary.PassPointId) return Vertex.Pass;
        var (x, y) = Vocabulary.PointOfEmbeddingPointId(pointId);
        return new Vertex(x, y);
    }

    public static int SideToMoveTokenOf(Color color) => color == Color.Black ? Vocabulary.ToMoveBlack : Vocabulary.ToMoveWhite;

    public static Color ColorOfSideToMoveToken(int token) => token switch
    {
        Vocabulary.ToMoveBlack => Color.Black,
        Vocabulary.ToMoveWhite => Color.White,
        _ => throw new ArgumentOutOfRangeException(nameof(token), token, "not TO_MOVE_B or TO_MOVE_W"),
    };

    public static int PointStateTokenOf(Color color) => color switch
    {
        Color.Black => Vocabulary.Black,
        Color.White => Vocabulary.White,
        _ => Vocabulary.Empty,
    };

    public static Color ColorOfPointStateToken(int token) => token switch
    {
        Vocabulary.Empty => Color.Empty,
        Vocabulary.Black => Color.Black,
        Vocabulary.White => Color.White,
        _ => throw new ArgumentOutOfRangeException(nameof(token), token, "not a point state (EMPTY, BLACK or WHITE)"),
    };
}
