using GoSeqZero.Go;
using GoSeqZero.Go.Players;
using static GoSeqZero.Tests.Go.Players.UctPlayerTests;

namespace GoSeqZero.Tests.Go.Players;

/// <summary>What only flat Monte Carlo has; what it shares with UCT (captures, colours, a finished game) is in <see cref="UctPlayerTests"/>.</summary>
public class FlatMonteCarloPlayerTests
{
    [Fact]
    public void EveryCandidateGetsItsMeanAndTheDecidingCaptureWinsAlmostAll()
    {
        var game = new Game(5, 0.5);
        game.SetSetup(WhiteChainInAtariAtC3, Color.Black);
        using var player = new FlatMonteCarloPlayer(playoutsPerMove: 200, threads: 2, seed: 3);
        player.GenMove(game, Color.Black, CancellationToken.None);
        // Every empty point but Black's own eyes is a candidate, and the pass: 13 empty points, no eye, plus the pass.
        Assert.Equal(14, player.LastMeans.Count);
        Assert.Contains(Vertex.Pass, player.LastMeans.Keys);
        Assert.All(player.LastMeans.Values, mean => Assert.InRange(mean, 0, 1));
        Assert.True(player.LastMeans[new Vertex(2, 2)] > 0.9, $"the capture wins {player.LastMeans[new Vertex(2, 2)]:P0} of its playouts");
    }

    [Fact]
    public void TheSameSeedPlaysTheSameMovesOnAnyNumberOfThreads()
    {
        var game = new Game(7, 7.5);
        game.Play(Color.Black, new Vertex(3, 3));
        using var first = new FlatMonteCarloPlayer(playoutsPerMove: 20, threads: 2, seed: 9);
        using var second = new FlatMonteCarloPlayer(playoutsPerMove: 20, threads: 1, seed: 9);
        Assert.Equal(first.GenMove(game, Color.White, CancellationToken.None), second.GenMove(game, Color.White, CancellationToken.None));
        Assert.Equal(first.LastMeans, second.LastMeans);
    }
}
