using GoSeqZero.Go;
using GoSeqZero.Go.Players;
using static GoSeqZero.Tests.Players.UctPlayerTests;

namespace GoSeqZero.Tests.Players;

public class FlatMonteCarloPlayerTests
{
    [Fact]
    public void FlatMonteCarloCapturesTheChainThatDecidesTheGame()
    {
        // White's six stones on the left have one liberty, C3; taking them wins the board for Black.
        var game = new Game(5, 0.5);
        game.SetSetup(Position(
            "O O X . .",
            "O O X . .",
            "O O . X .",
            "X X X . .",
            ". . . . ."), Color.Black);
        using var player = new FlatMonteCarloPlayer(playoutsPerMove: 200, threads: 2, seed: 3);
        Assert.Equal(new Vertex(2, 2), player.GenMove(game, Color.Black, CancellationToken.None));
        // Every empty point but Black's own eyes is a candidate, and the pass: 13 empty points, no eye, plus the pass.
        Assert.Equal(14, player.LastMeans.Count);
        Assert.Contains(Vertex.Pass, player.LastMeans.Keys);
        Assert.All(player.LastMeans.Values, mean => Assert.InRange(mean, 0, 1));
        Assert.True(player.LastMeans[new Vertex(2, 2)] > 0.9, $"the capture wins {player.LastMeans[new Vertex(2, 2)]:P0} of its playouts");
    }

    [Fact]
    public void FlatMonteCarloSearchesForTheColourItIsAskedFor()
    {
        var game = new Game(5, 0.5);
        game.SetSetup(Position(
            "X X O . .",
            "X X O . .",
            "X X . O .",
            "O O O . .",
            ". . . . ."), Color.Black);
        using var player = new FlatMonteCarloPlayer(playoutsPerMove: 200, threads: 2, seed: 4);
        Assert.Equal(new Vertex(2, 2), player.GenMove(game, Color.White, CancellationToken.None));
        Assert.Equal(Color.Black, game.ToMove);
    }

    [Fact]
    public void FlatMonteCarloPassesWhenTheGameIsAlreadyOver()
    {
        var game = new Game(7, 7.5);
        game.Play(Color.Black, Vertex.Pass);
        game.Play(Color.White, Vertex.Pass);
        using var player = new FlatMonteCarloPlayer(playoutsPerMove: 10, threads: 2, seed: 1);
        Assert.Equal(Vertex.Pass, player.GenMove(game, Color.Black, CancellationToken.None));
    }

    [Fact]
    public void TheSameSeedPlaysTheSameMoves()
    {
        var game = new Game(7, 7.5);
        game.Play(Color.Black, new Vertex(3, 3));
        using var first = new FlatMonteCarloPlayer(playoutsPerMove: 20, threads: 2, seed: 9);
        using var second = new FlatMonteCarloPlayer(playoutsPerMove: 20, threads: 1, seed: 9);
        Assert.Equal(first.GenMove(game, Color.White, CancellationToken.None), second.GenMove(game, Color.White, CancellationToken.None));
        Assert.Equal(first.LastMeans, second.LastMeans);
    }
}
