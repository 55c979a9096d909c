using System.Diagnostics;
using GoSeqZero.Go;
using GoSeqZero.Go.Players;
using GoSeqZero.Go.Sgf;
using GoSeqZero.Trainer.Evaluation;
using GoSeqZero.Trainer.Players;

namespace GoSeqZero.Tests.Trainer.Evaluation;

public sealed class MatchRunnerTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"goseqzero-match-{Guid.NewGuid():N}");
    private readonly List<IPlayer> _created = [];
    private readonly List<TimeSpan> _commandTimeouts = [];

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    /// <summary>PlayerSpec.Create, plus the misbehaving test players by name.</summary>
    private IPlayer Create(string spec, int seed, TimeSpan commandTimeout)
    {
        lock (_commandTimeouts) _commandTimeouts.Add(commandTimeout);
        IPlayer player = spec switch
        {
            "crash" => new CrashingPlayer(movesBeforeCrash: 3),
            "hang" => new HangingPlayer(movesBeforeHang: 2),
            "centre" => new CentrePlayer(),
            "resign" => new ResigningPlayer(),
            "off-board" => new OffBoardPlayer(),
            "honours-token" => new CancellationHonouringPlayer(movesBeforeThinking: 2),
            "cancels-itself" => new UncalledCancellationPlayer(),
            _ => PlayerSpec.Create(spec, seed, commandTimeout),
        };
        lock (_created) _created.Add(player);
        return player;
    }

    private MatchResults Play(string first, string second, int games, double moveTimeLimitSeconds = 30, int seed = 1, string? folder = null)
    {
        var settings = new MatchSettings(first, second, games, Size: 5, Komi: 7, Parallel: 2, folder ?? _folder,
            TimeSpan.FromSeconds(moveTimeLimitSeconds), MoveCap: Board.DefaultMoveCap(5), seed);
        return new MatchRunner(settings, Create, TextWriter.Null).Run();
    }

    [Fact]
    public void ARandomOpeningIsSharedByTheTwoGamesOfAColourPairAndDiffersBetweenPairs()
    {
        var settings = new MatchSettings("random", "random", Games: 6, Size: 5, Komi: 7, Parallel: 2, _folder,
            TimeSpan.FromSeconds(30), MoveCap: Board.DefaultMoveCap(5), Seed: 5, OpeningMoves: 3);
        var results = new MatchRunner(settings, Create, TextWriter.Null).Run();

        var openings = results.Games.Select(g => string.Join(" ", SgfReader.ReadFile(Path.Combine(_folder, g.Sgf)).ToGame().Moves.Take(3))).ToList();
        Assert.Equal(openings[0], openings[1]);
        Assert.Equal(openings[2], openings[3]);
        Assert.Equal(openings[4], openings[5]);
        Assert.Equal(3, new[] { openings[0], openings[2], openings[4] }.Distinct().Count());
        // The players made the other moves: the opening is not theirs.
        foreach (var game in results.Games) Assert.Equal(game.MoveCount - 3, game.Black.Moves + game.White.Moves);
    }

    [Fact]
    public void RandomMatchWritesOneSgfPerGameThatReadsBackWithItsResultAndAResultsFile()
    {
        var results = Play("random", "random", games: 4);

        Assert.Equal(4, results.Games.Count);
        Assert.Equal(["game-0001.sgf", "game-0002.sgf", "game-0003.sgf", "game-0004.sgf"],
            Directory.GetFiles(_folder, "*.sgf").Select(Path.GetFileName).Order());
        foreach (var game in results.Games)
        {
            // Colours alternate: A is Black in games 1, 3, 5, ..., White in 2, 4, 6, ...
            Assert.Equal((game.Game - 1) % 2, game.Black.Program);
            Assert.Equal(1 - game.Black.Program, game.White.Program);
            Assert.Contains(game.End, new[] { GameEnd.TwoPasses, GameEnd.MoveCap });

            var record = SgfReader.ReadFile(Path.Combine(_folder, game.Sgf));
            Assert.Equal(game.Result, record.Result);
            Assert.Equal("random", record.BlackPlayer);
            Assert.Equal("random", record.WhitePlayer);
            Assert.Equal(5, record.Size);
            Assert.Equal(7, record.Komi);
            Assert.NotNull(record.Date);
            Assert.Contains(game.Reason, record.RootComment);
            var replayed = record.ToGame(moveCap: results.MoveCap);
            Assert.True(replayed.IsOver);
            Assert.Equal(game.MoveCount, replayed.Moves.Count);
            Assert.Equal(replayed.Result(), game.Result);
            Assert.Equal(replayed.Score(), game.Score);
            Assert.Equal(game.Winner, game.Score > 0 ? Winner.Black : game.Score < 0 ? Winner.White : Winner.Draw);
            Assert.Equal(game.MoveCount, game.Black.Moves + game.White.Moves);
        }

        var reread = MatchResults.Read(Path.Combine(_folder, MatchResults.FileName));
        Assert.Equal(["random", "random"], reread.Programs);
        Assert.Equal(results.Games.Select(g => (g.Game, g.Result, g.Winner, g.End, g.MoveCount)),
            reread.Games.Select(g => (g.Game, g.Result, g.Winner, g.End, g.MoveCount)));
        Assert.All(_created, player => Assert.IsType<RandomPlayer>(player));
        Assert.Equal(8, _created.Count); // fresh players for every game
    }

    [Fact]
    public void TheSameSeedPlaysTheSameGames()
    {
        var first = Play("random", "random", games: 2, seed: 42, folder: Path.Combine(_folder, "first"));
        var second = Play("random", "random", games: 2, seed: 42, folder: Path.Combine(_folder, "second"));
        var third = Play("random", "random", games: 2, seed: 43, folder: Path.Combine(_folder, "third"));

        string Moves(string folder, GameResult game) =>
            string.Join(" ", SgfReader.ReadFile(Path.Combine(folder, game.Sgf)).Moves.Select(m => m.Move.ToString()));
        var firstMoves = first.Games.Select(g => Moves(Path.Combine(_folder, "first"), g)).ToArray();
        Assert.Equal(firstMoves, second.Games.Select(g => Moves(Path.Combine(_folder, "second"), g)));
        Assert.NotEqual(firstMoves, third.Games.Select(g => Moves(Path.Combine(_folder, "third"), g)));
    }

    [Fact]
    public void APlayerThatThrowsMidGameLosesByForfeitAndTheMatchFinishes()
    {
        var results = Play("crash", "random", games: 3);

        Assert.Equal(3, results.Games.Count);
        foreach (var game in results.Games)
        {
            var crasherIsBlack = game.Black.Program == 0;
            Assert.Equal(GameEnd.Crash, game.End);
            Assert.Equal(crasherIsBlack ? "W+F" : "B+F", game.Result);
            Assert.Equal(crasherIsBlack ? Winner.White : Winner.Black, game.Winner);
            Assert.Null(game.Score);
            Assert.Contains("engine process exited unexpectedly", game.Reason);
            Assert.Equal(3, (crasherIsBlack ? game.Black : game.White).Moves - 1); // three moves, then the failing call
            Assert.Equal(game.Result, SgfReader.ReadFile(Path.Combine(_folder, game.Sgf)).Result);
        }
        Assert.Equal(0, results.Games.Sum(g => g.ScoreOf(0)));
    }

    [Fact]
    public void APlayerReadyOnlyAfterTheStartLimitTimesOutAndIsDisposedWhenItArrives()
    {
        var late = new HangingPlayer(movesBeforeHang: 0);
        using var ready = new ManualResetEventSlim();
        var settings = new MatchSettings("late", "random", 1, Size: 5, Komi: 7, Parallel: 1, _folder,
            TimeSpan.FromSeconds(0.2), MoveCap: Board.DefaultMoveCap(5), Seed: 1);

        var call = MatchRunner.StartPlayer((_, _, _) =>
        {
            ready.Wait(CancellationToken.None);
            return late;
        }, "late", seed: 1, settings);
        Assert.True(call.TimedOut);
        Assert.False(late.WasDisposed);
        ready.Set();

        Assert.True(SpinWait.SpinUntil(() => late.WasDisposed, TimeSpan.FromSeconds(10)), "the late player was never disposed");
    }

    [Fact]
    public void APlayerThatHangsLosesOnTimeAndIsDisposedWhileTheMatchFinishesInBoundedTime()
    {
        var clock = Stopwatch.StartNew();
        var results = Play("random", "hang", games: 2, moveTimeLimitSeconds: 1);
        clock.Stop();

        // Two games at once, each losing one second on the hung move; generous bound for a loaded machine.
        Assert.InRange(clock.Elapsed.TotalSeconds, 0.9, 15);
        foreach (var game in results.Games)
        {
            var hangIsBlack = game.Black.Program == 1;
            Assert.Equal(GameEnd.Time, game.End);
            Assert.Equal(hangIsBlack ? "W+T" : "B+T", game.Result);
            Assert.Contains("made no move within the 1 s limit", game.Reason);
            Assert.True((hangIsBlack ? game.Black : game.White).Seconds >= 0.9);
        }
        Assert.All(_created.OfType<HangingPlayer>(), player => Assert.True(player.WasDisposed));
    }

    [Fact]
    public void APlayerThatGivesUpWhenItsTokenIsCancelledLosesOnTimeNotByForfeit()
    {
        var results = Play("random", "honours-token", games: 2, moveTimeLimitSeconds: 0.5);

        foreach (var game in results.Games)
        {
            var honoursIsBlack = game.Black.Program == 1;
            Assert.Equal(GameEnd.Time, game.End);
            Assert.Equal(honoursIsBlack ? "W+T" : "B+T", game.Result);
            Assert.Contains("made no move within the 0.5 s limit", game.Reason);
        }
    }

    [Fact]
    public void APlayerThatThrowsOperationCanceledWithoutBeingCancelledLosesByForfeit()
    {
        var results = Play("cancels-itself", "random", games: 1);

        Assert.Equal(GameEnd.Crash, Assert.Single(results.Games).End);
        Assert.Equal("W+F", results.Games[0].Result);
        Assert.Contains("OperationCanceledException: gave up on its own", results.Games[0].Reason);
    }

    [Fact]
    public void EnginesMayTakeALittleLongerThanTheMoveTimeLimitPerCommandSoTheRefereeDecidesFirst()
    {
        Play("random", "random", games: 2, moveTimeLimitSeconds: 90);

        Assert.Equal(4, _commandTimeouts.Count);
        Assert.All(_commandTimeouts, timeout => Assert.InRange(timeout.TotalSeconds, 90.5, 100));
    }

    [Fact]
    public void SpecsAreWrittenNormalizedSoResultsNameEachPlayerOneWay()
    {
        var results = Play(" RANDOM ", "Resign", games: 2);

        Assert.Equal(["random", "resign"], results.Programs);
        Assert.All(results.Games, game => Assert.Equal(game.Black.Program == 0 ? "random" : "resign", game.Black.Spec));
        var reread = MatchResults.Read(Path.Combine(_folder, MatchResults.FileName));
        Assert.Equal(["random", "resign"], reread.Programs);
        Assert.Equal(["random", "resign"], reread.Games.Select(g => g.Black.Spec).Order());
    }

    [Fact]
    public void ResultsAndTheSummaryNameWhatDidTheWorkBehindEachProgramAndItsPlayoutsPerMove()
    {
        var results = Play("flat:2", "uct:20", games: 2);

        Assert.Equal([new ProgramKind(PlayerKind.Program, PlayoutBudget.ForEachCandidate(2)), new ProgramKind(PlayerKind.Program, PlayoutBudget.Fixed(20))], results.Kinds!);
        var path = Path.Combine(_folder, MatchResults.FileName);
        var text = File.ReadAllText(path);
        Assert.Contains("\"kind\": \"program\"", text);
        Assert.Contains("\"perCandidateMove\": 2", text);
        Assert.Contains("\"perMove\": 20", text);
        Assert.True(text.IndexOf("\"kinds\"", StringComparison.Ordinal) < text.IndexOf("\"games\"", StringComparison.Ordinal), "the kinds come before the games");
        Assert.Equal(results.Kinds, MatchResults.Read(path).Kinds);

        var summary = MatchSummary.Format(results);
        Assert.Contains("A = flat:2 [program, 2 playouts × each candidate move]", summary);
        Assert.Contains("B = uct:20 [program, 20 playouts/move]", summary);
        Assert.Matches(@"\nA +2 .* program +2/candidate\n", summary);
        Assert.Matches(@"\nB +2 .* program +20\n", summary);
    }

    [Fact]
    public void AProgramThatNeverStartedHasNoKind()
    {
        var results = Play("random", "uct:0", games: 2);

        Assert.Equal([new ProgramKind(PlayerKind.Program, null), null], results.Kinds!);
        Assert.Null(MatchResults.Read(Path.Combine(_folder, MatchResults.FileName)).KindOf(1));
        Assert.Contains("B = uct:0 [kind unknown]", MatchSummary.Format(results));
    }

    [Fact]
    public void AnOutputFolderThatCannotBeCreatedIsReportedAsSuch()
    {
        var error = Assert.Throws<MatchOutputException>(() => Play("random", "random", games: 1, folder: "/proc/forbidden"));
        Assert.Equal("/proc/forbidden", error.Folder);
        Assert.StartsWith("/proc/forbidden: cannot create or write: ", error.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1e7)]
    public void AMoveTimeLimitOutsideOneDayIsRefused(double seconds)
    {
        var error = Assert.Throws<ArgumentException>(() => Play("random", "random", games: 1, moveTimeLimitSeconds: seconds));
        Assert.Contains("at most 86400 s", error.Message);
    }

    [Fact]
    public void ANotANumberKomiIsRefusedBeforeAnyGameIsPlayed()
    {
        var settings = new MatchSettings("random", "random", 1, Size: 5, Komi: double.NaN, Parallel: 1, _folder,
            TimeSpan.FromSeconds(30), MoveCap: Board.DefaultMoveCap(5), Seed: 1);

        var error = Assert.Throws<ArgumentException>(() => new MatchRunner(settings, Create, TextWriter.Null).Run());
        Assert.Contains("--komi NaN is not a komi", error.Message);
        Assert.False(Directory.Exists(_folder));
    }

    [Theory]
    [InlineData("centre", "illegal move C3 by ")]
    [InlineData("off-board", "illegal move (x 30, y 1) by ")]
    public void APlayerThatAnswersAnIllegalMoveLosesNamingTheMove(string spec, string reason)
    {
        var results = Play("random", spec, games: 2);

        foreach (var game in results.Games)
        {
            var illegalIsBlack = game.Black.Program == 1;
            Assert.Equal(GameEnd.IllegalMove, game.End);
            Assert.Equal(illegalIsBlack ? "W+F" : "B+F", game.Result);
            Assert.StartsWith(reason, game.Reason);
        }
    }

    [Fact]
    public void APlayerThatResignsLosesByResignation()
    {
        var results = Play("resign", "random", games: 2);

        Assert.Equal(["W+R", "B+R"], results.Games.Select(g => g.Result));
        Assert.All(results.Games, game => Assert.Equal(GameEnd.Resign, game.End));
        Assert.Equal(2, results.Games.Sum(g => g.ScoreOf(1)));
    }

    [Fact]
    public void AFolderThatAlreadyHoldsAMatchIsRefused()
    {
        Play("resign", "random", games: 1);
        var error = Assert.Throws<IOException>(() => Play("resign", "random", games: 1));
        Assert.Contains("already holds a match", error.Message);
    }

    [Fact]
    public void TheLadderReadsAMatchFolderAndRatesBothPrograms()
    {
        Play("resign", "random", games: 4);

        var files = ResultFiles.Find([_folder]);
        var ratings = Ladder.Fit(files.SelectMany(f => ResultFiles.Outcomes(MatchResults.Read(f))), new Anchor("random", 0));
        var resigner = ratings.Players.Single(p => p.Player == "resign");
        Assert.Equal(4, resigner.Games);
        Assert.Equal(0, resigner.Score);
        Assert.True(ratings.PriorAdded);
        // No wins in 4 games plus the virtual draw: half a point of 5.
        Assert.Equal(400 * Math.Log10(0.5 / 4.5), resigner.Rating, 6);
    }
}
