using GoSeqZero.Go.Gtp;
using GoSeqZero.Go.Sgf;
using GoSeqZero.Trainer.Evaluation;
using GoSeqZero.Trainer.Players;

namespace GoSeqZero.Tests.Evaluation;

/// <summary>Matches between engine processes, each speaking GTP, refereed by our rules engine.</summary>
public sealed class GtpMatchTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"goseqzero-gtp-match-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public void OurGtpEngineProcessPlaysFullGamesAgainstGnuGoLevelOne()
    {
        // The built goseqzero next to this test assembly, run as an external GTP engine.
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        var ours = $"gtp:\"{ShellWords.Join([dotnet, Path.Combine(AppContext.BaseDirectory, "goseqzero.dll"), "gtp", "--player", "random"])}\"";
        var settings = new MatchSettings(ours, "gnugo:1", Games: 2, Size: 5, Komi: 7, Parallel: 2, _folder,
            MoveTimeLimit: TimeSpan.FromSeconds(30), MoveCap: 75, Seed: 3);

        var results = new MatchRunner(settings, PlayerSpec.Create, TextWriter.Null).Run();

        Assert.Equal(2, results.Games.Count);
        foreach (var game in results.Games)
        {
            // Neither engine may have crashed, timed out or been refused a move: the board decided the game.
            Assert.True(game.End is GameEnd.TwoPasses or GameEnd.MoveCap, game.Reason);
            var (ourSide, gnuGoSide) = game.Black.Program == 0 ? (game.Black, game.White) : (game.White, game.Black);
            Assert.StartsWith("gtp:", ourSide.Name);
            Assert.Equal("gnugo:1", gnuGoSide.Name);
            Assert.True(ourSide.Moves > 0 && gnuGoSide.Moves > 0);

            var record = SgfReader.ReadFile(Path.Combine(_folder, game.Sgf));
            Assert.Equal(game.Black.Name, record.BlackPlayer);
            Assert.Equal("gnugo:1", game.Black.Program == 1 ? record.BlackPlayer : record.WhitePlayer);
            var replayed = record.ToGame(moveCap: 75);
            Assert.Equal(replayed.Result(), record.Result);
            Assert.Equal(replayed.Result(), game.Result);
        }
    }
}
