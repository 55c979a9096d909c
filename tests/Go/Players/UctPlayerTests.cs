using GoSeqZero.Go;
using GoSeqZero.Go.Players;

namespace GoSeqZero.Tests.Go.Players;

public class UctPlayerTests
{
    /// <summary>White's six stones on the left have one liberty, C3; taking them wins the 5×5 board for Black.</summary>
    internal static readonly Color[] WhiteChainInAtariAtC3 = Position(
        "O O X . .",
        "O O X . .",
        "O O . X .",
        "X X X . .",
        ". . . . .");

    /// <summary>The two Monte Carlo players, by spec name: UCT with 3,000 playouts, flat with 200 per candidate.</summary>
    internal static IPlayer MonteCarlo(string kind, int seed) =>
        kind == "uct" ? new UctPlayer(playoutsPerMove: 3000, threads: 2, seed: seed) : new FlatMonteCarloPlayer(playoutsPerMove: 200, threads: 2, seed: seed);

    [Theory]
    [InlineData("uct")]
    [InlineData("flat")]
    public void AMonteCarloPlayerCapturesTheChainThatDecidesTheGame(string kind)
    {
        // White's six stones on the left have one liberty, C3; taking them wins the board for Black.
        var game = new Game(5, 0.5);
        game.SetSetup(WhiteChainInAtariAtC3, Color.Black);
        using var player = MonteCarlo(kind, seed: 3);
        Assert.Equal(new Vertex(2, 2), player.GenMove(game, Color.Black, CancellationToken.None));
        if (player is UctPlayer uct) Assert.Equal(3000, uct.LastPlayouts);
    }

    [Theory]
    [InlineData("uct")]
    [InlineData("flat")]
    public void AMonteCarloPlayerSearchesForTheColourItIsAskedFor(string kind)
    {
        // Colours swapped and Black to move, but GTP may ask for White: White must take the six stones at C3.
        var game = new Game(5, 0.5);
        game.SetSetup(Position(
            "X X O . .",
            "X X O . .",
            "X X . O .",
            "O O O . .",
            ". . . . ."), Color.Black);
        using var player = MonteCarlo(kind, seed: 4);
        Assert.Equal(new Vertex(2, 2), player.GenMove(game, Color.White, CancellationToken.None));
        Assert.Equal(Color.Black, game.ToMove);
    }

    [Theory]
    [InlineData("uct")]
    [InlineData("flat")]
    public void AMonteCarloPlayerPassesWhenTheGameIsAlreadyOver(string kind)
    {
        var game = new Game(9, 7);
        game.Play(Color.Black, Vertex.Pass);
        game.Play(Color.White, Vertex.Pass);
        using var player = MonteCarlo(kind, seed: 1);
        Assert.Equal(Vertex.Pass, player.GenMove(game, Color.Black, CancellationToken.None));
    }

    [Fact]
    public void UctDoesNotResignOnTheNoiseOfAFewPlayouts()
    {
        // With 20 playouts a move can lose every one of its few visits by chance; that is no reason to resign.
        var game = new Game(9, 7);
        for (var seed = 0; seed < 20; seed++)
        {
            using var player = new UctPlayer(playoutsPerMove: 20, threads: 2, seed: seed);
            Assert.False(player.GenMove(game, Color.Black, CancellationToken.None).IsResign, $"seed {seed} resigned on an empty board");
        }
    }

    [Fact]
    public void UctResignsAHopelessPosition()
    {
        // One White stone in a one-line strip between two living Black walls, no komi: nothing can save White.
        var game = new Game(5, 0);
        game.SetSetup(Position(
            ". X . X .",
            "X X X X X",
            ". . O . .",
            "X X X X X",
            ". X . X ."), Color.White);
        using var player = new UctPlayer(playoutsPerMove: 2000, threads: 2, seed: 2);
        Assert.True(player.GenMove(game, Color.White, CancellationToken.None).IsResign);
    }

    [Fact]
    public void UctBeatsRandomOnFiveByFive()
    {
        var wins = 0;
        const int games = 10;
        for (var i = 0; i < games; i++)
        {
            using var uct = new UctPlayer(playoutsPerMove: 300, threads: 2, seed: i);
            using var random = new RandomPlayer(seed: i);
            var uctColor = i % 2 == 0 ? Color.Black : Color.White;
            var game = new Game(5, 0.5);
            var resigned = Color.Empty;
            while (!game.IsOver)
            {
                var color = game.ToMove;
                var move = (color == uctColor ? (IPlayer)uct : random).GenMove(game, color, CancellationToken.None);
                if (move.IsResign) { resigned = color; break; }
                game.Play(color, move);
            }
            var winner = resigned != Color.Empty ? resigned.Opponent() : game.Score() > 0 ? Color.Black : Color.White;
            if (winner == uctColor) wins++;
        }
        Assert.True(wins >= 9, $"UCT with 300 playouts won only {wins} of {games} games against random");
    }

    internal static Color[] Position(params string[] rowsFromTop)
    {
        var size = rowsFromTop.Length;
        var stones = new Color[size * size];
        for (var r = 0; r < size; r++)
        {
            var cells = rowsFromTop[r].Replace(" ", "", StringComparison.Ordinal);
            for (var x = 0; x < size; x++)
                stones[(size - 1 - r) * size + x] = cells[x] switch { 'X' => Color.Black, 'O' => Color.White, _ => Color.Empty };
        }
        return stones;
    }
}
