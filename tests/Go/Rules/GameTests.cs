using GoSeqZero.Go;

namespace GoSeqZero.Tests.Go.Rules;

public class GameTests
{
    [Fact]
    public void UndoRestoresTheBoardAndTheSuperkoHistory()
    {
        // The ko of rules.txt: after Black takes, White may not retake; undoing the capture makes B3 fillable again.
        var game = new Game(5, 0.5);
        foreach (var (color, text) in new[] { (Color.Black, "B4"), (Color.White, "C4"), (Color.Black, "A3"), (Color.White, "B3"),
                                              (Color.Black, "B2"), (Color.White, "C2"), (Color.Black, "E5"), (Color.White, "D3") })
            game.Play(color, Vertex.Parse(text, 5));
        var beforeCapture = game.Board.GetPosition();
        game.Play(Color.Black, Vertex.Parse("C3", 5));
        Assert.False(game.Board.IsLegal(Color.White, Vertex.Parse("B3", 5)));

        Assert.True(game.Undo());
        Assert.Equal(beforeCapture, game.Board.GetPosition());
        Assert.Equal(Color.Black, game.ToMove);
        Assert.Equal(8, game.Moves.Count);
        Assert.Equal(0, game.Board.CapturedBy(Color.Black));
        Assert.True(game.Board.IsLegal(Color.Black, Vertex.Parse("C3", 5)));
    }

    [Fact]
    public void UndoGoesBackToTheSetupAndNoFurther()
    {
        var game = new Game(3, 0);
        var setup = new Color[9];
        setup[4] = Color.White;
        game.SetSetup(setup, Color.Black);
        game.Play(Color.Black, Vertex.Parse("A1", 3));
        Assert.True(game.Undo());
        Assert.Equal(setup, game.Board.GetPosition());
        Assert.False(game.Undo());
    }

    [Fact]
    public void AnIllegalMoveChangesNothingAndSaysWhy()
    {
        var game = new Game(5, 0.5);
        game.Play(Color.Black, Vertex.Parse("C3", 5));
        var error = Assert.Throws<IllegalMoveException>(() => game.Play(Color.White, Vertex.Parse("C3", 5)));
        Assert.Contains("occupied", error.Message);
        Assert.Single(game.Moves);
        Assert.Equal(Color.White, game.ToMove);
    }

    [Fact]
    public void PlayoutsAllocateNothingPerMove()
    {
        var empty = new Board(9);
        var board = new Board(9);
        var random = new FastRandom(42);
        board.CopyFrom(empty);
        RandomPlayout.Run(board, ref random);
        var before = GC.GetAllocatedBytesForCurrentThread();
        long moves = 0;
        for (var i = 0; i < 200; i++)
        {
            board.CopyFrom(empty);
            RandomPlayout.Run(board, ref random);
            moves += board.MoveCount;
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(moves > 200 * 81, $"playouts were only {moves / 200.0:F0} moves long");
    }
}
