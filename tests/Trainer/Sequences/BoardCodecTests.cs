using GoSeqZero.Go;
using GoSeqZero.Trainer.Sequences;

namespace GoSeqZero.Tests.Trainer.Sequences;

public class BoardCodecTests
{
    private static readonly Vocabulary Vocabulary = new();

    [Fact]
    public void EveryMoveIndexOfEveryBoardSizeNamesOnePointInEveryNumbering()
    {
        for (var n = Vocabulary.MinBoardSize; n <= Vocabulary.MaxBoardSize; n++)
        {
            var board = new Board(n);
            for (var move = 0; move <= n * n; move++)
            {
                var vertex = BoardCodec.VertexOf(move, n);
                var token = BoardCodec.MoveTokenOf(move, n);
                var gridPoint = BoardCodec.GridPointOf(board, move);
                Assert.Equal(vertex, board.VertexOf(gridPoint));
                Assert.Equal(move, BoardCodec.MoveIndexOfGridPoint(board, gridPoint));
                Assert.True(BoardCodec.TryMoveIndexOfToken(token, n, out var back));
                Assert.Equal(move, back);
                Assert.Equal(vertex, BoardCodec.VertexOfEmbeddingPointId(BoardCodec.EmbeddingPointIdOf(move, n)));
                Assert.Equal(vertex.IsPass ? "PASS" : $"MOVE_{vertex.X}_{vertex.Y}", Vocabulary.Name(token));
            }
        }
    }

    [Fact]
    public void PassHasItsOwnIndexTokenGridPointAndEmbeddingPointId()
    {
        var board = new Board(5);
        Assert.Equal(25, BoardCodec.PassMoveIndex(5));
        Assert.Equal(Vocabulary.Pass, BoardCodec.MoveTokenOf(25, 5));
        Assert.Equal(Board.PassMove, BoardCodec.GridPointOf(board, 25));
        Assert.Equal(Vocabulary.PassPointId, BoardCodec.EmbeddingPointIdOf(25, 5));
        Assert.Equal(Vertex.Pass, BoardCodec.VertexOf(25, 5));
    }

    [Fact]
    public void OnlyPassAndMovesOnTheBoardAreMovesOfIt()
    {
        Assert.False(BoardCodec.TryMoveIndexOfToken(Vocabulary.MoveToken(5, 0), 5, out _));
        Assert.False(BoardCodec.TryMoveIndexOfToken(Vocabulary.MoveToken(0, 5), 5, out _));
        Assert.True(BoardCodec.TryMoveIndexOfToken(Vocabulary.MoveToken(0, 5), 6, out var a6));
        Assert.Equal(30, a6);
        foreach (var token in new[] { Vocabulary.Est, Vocabulary.Black, Vocabulary.ValueToken(0), Vocabulary.Illegal, Vocabulary.Passed })
            Assert.False(BoardCodec.TryMoveIndexOfToken(token, 19, out _));
    }

    [Fact]
    public void ColoursAndTheirTokensGoBothWays()
    {
        foreach (var color in new[] { Color.Black, Color.White })
            Assert.Equal(color, BoardCodec.ColorOfSideToMoveToken(BoardCodec.SideToMoveTokenOf(color)));
        foreach (var color in new[] { Color.Empty, Color.Black, Color.White })
            Assert.Equal(color, BoardCodec.ColorOfPointStateToken(BoardCodec.PointStateTokenOf(color)));
        Assert.Equal((Vocabulary.ToMoveBlack, Vocabulary.White), (BoardCodec.SideToMoveTokenOf(Color.Black), BoardCodec.PointStateTokenOf(Color.White)));
        Assert.Throws<ArgumentOutOfRangeException>(() => BoardCodec.ColorOfPointStateToken(Vocabulary.ToMoveBlack));
        Assert.Throws<ArgumentOutOfRangeException>(() => BoardCodec.ColorOfSideToMoveToken(Vocabulary.Black));
    }
}
