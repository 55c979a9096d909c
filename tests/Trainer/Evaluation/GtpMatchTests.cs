using System.Diagnostics;
using GoSeqZero.Go.Gtp;
using GoSeqZero.Go.Sgf;
using GoSeqZero.Trainer.Evaluation;
using GoSeqZero.Trainer.Players;

namespace GoSeqZero.Tests.Trainer.Evaluation;

/// <summary>Matches between engine processes, each speaking GTP, refereed by our rules engine.</summary>
public sealed class GtpMatchTests : IDisposable
{
    private static readonly string FakeEngine = Path.Combine(AppContext.BaseDirectory, "Data", "Gtp", "fake-engine.sh");
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"goseqzero-gtp-match-{Guid.NewGuid():N}");

    private static MatchResults Run(MatchSettings settings) =>
        new MatchRunner(settings, (spec, seed, commandTimeout) => PlayerSpec.Create(spec, seed, commandTimeout), TextWriter.Null).Run();

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

        var results = Run(settings);

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

    [Fact]
    public void AnEngineProcessThatExitsMidGameLosesByForfeitAndLaterGamesStillRun()
    {
        // The fake engine plays three legal moves, then exits with code 4 when asked for its fourth.
        var crashing = $"gtp:\"{ShellWords.Join(["/bin/sh", FakeEngine, "crash"])}\"";
        var settings = new MatchSettings(crashing, "random", Games: 3, Size: 5, Komi: 7, Parallel: 2, _folder,
            MoveTimeLimit: TimeSpan.FromSeconds(30), MoveCap: 75, Seed: 5);

        var clock = Stopwatch.StartNew();
        var results = Run(settings);
        clock.Stop();

        // A dead process is noticed at once, not at the 30 s limit; generous bound for a loaded machine.
        Assert.InRange(clock.Elapsed.TotalSeconds, 0, 20);
        Assert.Equal([1, 2, 3], results.Games.Select(g => g.Game));
        foreach (var game in results.Games)
        {
            var crasherIsBlack = game.Black.Program == 0;
            var crasher = crasherIsBlack ? game.Black : game.White;
            Assert.Equal(GameEnd.Crash, game.End);
            Assert.Equal(crasherIsBlack ? "W+F" : "B+F", game.Result);
            Assert.Contains("exited with code 4", game.Reason);
            Assert.Contains("crashing at genmove 4", game.Reason);
            // Every game starts a fresh engine, which plays its three moves before it dies.
            Assert.Equal(4, crasher.Moves);
            Assert.Equal(game.Result, SgfReader.ReadFile(Path.Combine(_folder, game.Sgf)).Result);
        }
        Assert.Equal(0, results.Games.Sum(g => g.ScoreOf(0)));
    }
}
