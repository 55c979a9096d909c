using GoSeqZero.Go;

namespace GoSeqZero.Tests.Go.Rules;

/// <summary>Random games in which the fast board must agree with the plain reference after every move.</summary>
public class BoardAgainstReferenceTests
{
    [Theory]
    [InlineData(2, 400, 1)]
    [InlineData(3, 200, 2)]
    [InlineData(4, 100, 3)]
    [InlineData(5, 40, 4)]
    [InlineData(7, 15, 5)]
    public void LegalMovesPositionsCapturesAndScoresAgreeWithTheReference(int size, int games, int seed)
    {
        var random = new Random(seed);
        var movesChecked = 0;
        var legal = new int[size * size + 1];
        for (var game = 0; game < games; game++)
        {
            var board = new Board(size, moveCap: 4 * size * size);
            var reference = new ReferenceBoard(size);
            var color = Color.Black;
            while (!board.IsGameOver)
            {
                var count = board.LegalMoves(color, legal);
                var ours = new HashSet<Vertex>();
                for (var i = 0; i < count - 1; i++) ours.Add(board.VertexOf(legal[i]));
                var theirs = new HashSet<Vertex>();
                for (var x = 0; x < size; x++)
                    for (var y = 0; y < size; y++)
                    {
                        var vertex = new Vertex(x, y);
                        if (reference.IsLegal(color, x, y)) theirs.Add(vertex);
                        Assert.Equal(reference.IsLegal(color, x, y), board.IsLegal(color, vertex));
                    }
                Assert.Equal(theirs.OrderBy(v => (v.X, v.Y)), ours.OrderBy(v => (v.X, v.Y)));

                // Mostly moves, sometimes a pass, so games also end by two passes.
                var move = count > 1 && random.NextDouble() < 0.95 ? legal[random.Next(count - 1)] : Board.PassMove;
                board.Play(color, move);
                if (move != Board.PassMove)
                {
                    var vertex = board.VertexOf(move);
                    reference.Play(color, vertex.X, vertex.Y);
                }
                for (var x = 0; x < size; x++)
                    for (var y = 0; y < size; y++)
                        Assert.Equal(reference[x, y], board[new Vertex(x, y)]);
                Assert.Equal(reference.CapturedByBlack, board.CapturedBy(Color.Black));
                Assert.Equal(reference.CapturedByWhite, board.CapturedBy(Color.White));
                Assert.Equal(reference.AreaScore(), board.AreaScore());
                var owners = new Color[size * size];
                board.EmptyPointOwners(owners);
                for (var x = 0; x < size; x++)
                    for (var y = 0; y < size; y++)
                        Assert.Equal(reference.Owner(x, y), owners[y * size + x]);
                color = color.Opponent();
                movesChecked++;
            }
        }
        Assert.True(movesChecked > games * size, $"only {movesChecked} moves were checked");
    }
}
