using GoSeqZero.Go;
using GoSeqZero.Go.Gtp;
using GoSeqZero.Go.Players;
using GoSeqZero.Trainer.Players;

namespace GoSeqZero.Tests.Trainer.Players;

public class PlayerSpecTests
{
    [Theory]
    [InlineData("random", "random")]
    [InlineData(" uct:250 ", "uct:250")]
    [InlineData("gnugo:3", "gnugo:3")]
    [InlineData("flat:20", "flat:20")]
    [InlineData("gtp:\"/usr/games/gnugo --mode gtp --level 0\"", "gtp:/usr/games/gnugo --mode gtp --level 0")]
    public void EachKindOfSpecMakesAPlayerThatPlays(string spec, string expectedName)
    {
        using var player = PlayerSpec.Create(spec, seed: 5);
        Assert.Equal(expectedName, player.Name);
        var game = new Game(5, 0.5);
        game.Play(Color.Black, new Vertex(2, 2));
        var move = player.GenMove(game, Color.White, CancellationToken.None);
        Assert.True(move.IsPass || game.Board.IsLegal(Color.White, move), $"{spec} answered {move}");
    }

    [Theory]
    [InlineData("random", PlayerKind.Program, null)]
    [InlineData("uct:250", PlayerKind.Program, "250 playouts/move")]
    [InlineData("flat:20", PlayerKind.Program, "20 playouts × each candidate move")]
    [InlineData("gnugo:3", PlayerKind.External, null)]
    [InlineData("gtp:\"/usr/games/gnugo --mode gtp --level 0\"", PlayerKind.External, null)]
    public void EachPlayerSaysWhatDoesItsWorkAndTheRandomPlayoutsOfOursBehindEachMove(string spec, PlayerKind kind, string? playouts)
    {
        using var player = PlayerSpec.Create(spec, seed: 5);
        Assert.Equal(kind, player.Kind);
        Assert.Equal(playouts, player.Playouts?.ToString());
    }

    [Fact]
    public void TheKindsHaveShortLabelsAndTheHelpTextSaysWhichPlayersUseOurPlayouts()
    {
        Assert.Equal(["model-only", "assisted", "program", "external"], Enum.GetValues<PlayerKind>().Select(kind => kind.Label()));
        Assert.Equal("uct:1000 is program, 1000 playouts/move", $"uct:1000 is {PlayerKinds.Describe(PlayerKind.Program, PlayoutBudget.Fixed(1000))}");
        Assert.Equal("3072 playouts/move (24 moves × 128)", PlayoutBudget.ForSearchedMoves(24, 128).ToString());
        Assert.Equal(3072, PlayoutBudget.ForSearchedMoves(24, 128).PerMove);
        Assert.Null(PlayoutBudget.ForEachCandidate(64).PerMove);
        Assert.Equal("model-only", PlayerKinds.Describe(PlayerKind.ModelOnly, null));
        foreach (var words in new[] { "random (program)", "uct:N (program", "flat:N (program", "gnugo:LEVEL (external", "(external: any GTP engine)",
                     "The prior is model-only, and so are search and backup in tree mode", "in rollout mode they are playout-assisted" })
            Assert.Contains(words, PlayerSpec.Known);
    }

    [Fact]
    public void AGtpCommandLineOfSeveralWordsKeepsEachWordsQuotes()
    {
        using var folder = new TemporaryFolder("player spec ", create: true);
        var engine = Path.Combine(folder.Path, "fake-engine.sh");
            File.Copy(Path.Combine(AppContext.BaseDirectory, "Data", "Gtp", "fake-engine.sh"), engine);

            // Starts and ends with a quote, yet is three words: the quotes belong to the first and last word.
            using var player = PlayerSpec.Create($"gtp:'/bin/sh' '{engine}' quirky 'C3'", seed: 1);

            Assert.Equal($"gtp:/bin/sh '{engine}' quirky C3", player.Name);
            Assert.Equal(new Vertex(2, 2), player.GenMove(new Game(5, 0.5), Color.Black, CancellationToken.None));
        }

    [Theory]
    [InlineData("alphago", "unknown player 'alphago'")]
    [InlineData("uct", "expected the playouts per move")]
    [InlineData("uct:0", "expected the playouts per move")]
    [InlineData("uct:ten", "expected the playouts per move")]
    [InlineData("flat", "expected the playouts per candidate move")]
    [InlineData("gnugo:11", "levels go from 0 to 10")]
    [InlineData("gtp:", "give the engine's command line")]
    [InlineData("random:3", "player 'random:3': random takes no argument")]
    public void AMalformedSpecSaysWhatIsWrong(string spec, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => PlayerSpec.Create(spec, seed: 1));
        Assert.Contains(message, error.Message);
    }

    [Theory]
    [InlineData("gnugo:1")]
    [InlineData("gtp:\"/usr/games/gnugo --mode gtp --level 0\"")]
    public void EnginePlayersTakeTheCommandTimeoutTheyAreGiven(string spec)
    {
        using var player = Assert.IsType<GtpPlayer>(PlayerSpec.Create(spec, seed: 1, commandTimeout: TimeSpan.FromSeconds(125)));
        Assert.Equal(TimeSpan.FromSeconds(125), player.Client.CommandTimeout);
    }

    [Fact]
    public void WithoutACommandTimeoutEnginePlayersKeepTheClientDefault()
    {
        using var player = Assert.IsType<GtpPlayer>(PlayerSpec.Create("gnugo:1", seed: 1));
        Assert.Equal(GtpClient.DefaultCommandTimeout, player.Client.CommandTimeout);
    }

    [Theory]
    [InlineData("random", "random")]
    [InlineData(" Random ", "random")]
    [InlineData("GNUGO:10", "gnugo:10")]
    [InlineData(" gnugo : 10 ", "gnugo:10")]
    [InlineData("UCT:250", "uct:250")]
    [InlineData("Gtp:\"/opt/Engine --Level 3\"", "gtp:\"/opt/Engine --Level 3\"")]
    public void NormalizeTrimsAndLowerCasesTheKindButKeepsTheArgument(string spec, string normalized)
    {
        Assert.Equal(normalized, PlayerSpec.Normalize(spec));
    }

    [Theory]
    [InlineData("uct:100", true)]
    [InlineData(" UCT:5", true)]
    [InlineData("flat:20", true)]
    [InlineData("random", false)]
    [InlineData("gnugo:10", false)]
    [InlineData("gtp:\"uct\"", false)]
    public void OnlyTheMonteCarloPlayersSearchOnAllCores(string spec, bool usesAllCores)
    {
        Assert.Equal(usesAllCores, PlayerSpec.UsesAllCores(spec));
    }
}
