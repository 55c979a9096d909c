using System.Text.Json.Nodes;
using GoSeqZero.Go.Players;
using GoSeqZero.Go.Sgf;
using GoSeqZero.Trainer.Players;
using GoSeqZero.Trainer.Search;
using GoSeqZero.Trainer.Sequences;
using GoSeqZero.Trainer.Training;
using GoSeqZero.Transformer.Checkpoints;

namespace GoSeqZero.Tests.Trainer.Training;

/// <summary>Tiny training runs end to end: the run folder, exact resumption, learning, evaluation.</summary>
[Collection("Kernels")]
public class TrainingRunTests
{
    private static List<JsonObject> Metrics(string folder) =>
        File.ReadLines(Path.Combine(folder, RunDirectory.MetricsFileName)).Select(line => JsonNode.Parse(line)!.AsObject()).ToList();

    private static List<JsonObject> StepLines(string folder) => Metrics(folder).Where(line => line.ContainsKey("loss")).ToList();

    [Fact]
    public void ATinyRunWritesItsConfigCheckpointsAndOneMetricsLinePerStep()
    {
        using var folder = TinyRuns.NewFolder();
        var settings = TinyRuns.Settings().WithSteps(5);
        using (var run = TinyRuns.Start(settings, folder.Path))
            Assert.Equal(StopReason.Steps, run.Run(CancellationToken.None));

        var saved = TrainSettings.FromJson(File.ReadAllText(Path.Combine(folder.Path, "config.json")), "config.json");
        Assert.True(saved.SameAs(settings), saved.ToJson());
        var lines = Metrics(folder.Path);
        Assert.Equal([1L, 2, 3, 4, 5], lines.Select(line => line["step"]!.GetValue<long>()));
        foreach (var line in lines)
        {
            Assert.True(line["loss"]!.GetValue<double>() > 0);
            Assert.True(line["loss_improved"]!.GetValue<double>() > 0);
            Assert.True(line["loss_prior"]!.GetValue<double>() > 0);
            Assert.True(line["train_tokens_per_s"]!.GetValue<double>() > 0);
            Assert.Null(line["loss_imagined"]);
        }
        Assert.Equal(["step-000000", "step-000002", "step-000004", "step-000005"], Directory.GetDirectories(Path.Combine(folder.Path, "checkpoints")).Select(Path.GetFileName).Order());
        Assert.Equal("checkpoints/step-000005", File.ReadAllText(Path.Combine(folder.Path, "latest")).Trim());
        var checkpoint = Path.Combine(folder.Path, "checkpoints", "step-000005");
        var state = Checkpoint.ReadState(checkpoint);
        Assert.Equal(5, state.Step);
        Assert.Equal(5, state.Extra!["step"]!.GetValue<long>());
        Assert.True(File.Exists(Path.Combine(checkpoint, SelfPlayStateFile.FileName)));
        // A run of tree and rollout steps has its players search tree steps, with its top-k.
        Assert.Equal(settings.Search, ModelPlayer.SearchSettingsOf(state.Extra));
        // The plots are redrawn at every checkpoint; evaluations are off here, so there are no win rates to draw.
        Assert.True(File.Exists(Path.Combine(folder.Path, RunPlots.FolderName, "losses.png")));
        Assert.False(File.Exists(Path.Combine(folder.Path, RunPlots.FolderName, "win-rates.png")));
    }

    [Fact]
    public void ARunOfRolloutStepsOnlyHasItsCheckpointsPlayersSearchWithRollouts()
    {
        using var folder = TinyRuns.NewFolder();
        var settings = TinyRuns.Settings().WithSteps(2) with { Search = new SearchSettings { TopK = 2, Playouts = 3 }, SelfPlay = new SelfPlaySettings { Games = 2, RolloutFraction = 1 } };
        using (var run = TinyRuns.Start(settings, folder.Path))
            run.Run(CancellationToken.None);
        var checkpoint = Path.Combine(folder.Path, "checkpoints", "step-000002");
        using var player = ModelPlayer.Load(checkpoint, ModelPlayerKind.Search, GoSeqZero.Kernels.DeviceKind.Cpu);
        // The player reads the very search settings the trainer wrote, in the mode its self-play wrote.
        Assert.Equal(settings.Search.ForMode(SearchMode.Rollout) with { ModelWritesImproved = true }, player.Settings);
        var game = new GoSeqZero.Go.Game(5, 7.5);
        player.GenMove(game, GoSeqZero.Go.Color.Black, CancellationToken.None);
        Assert.Equal(SearchMode.Rollout, player.LastSearch!.Record!.Mode);
        Assert.All(player.LastSearch.Record.Rollouts, rollout => Assert.Equal(3, rollout.Playouts));
    }

    [Fact]
    public void AResumedRunContinuesTheStepCountAndTakesExactlyTheStepsOfAnUninterruptedRun()
    {
        using var straightFolder = TinyRuns.NewFolder();
        using var resumedFolder = TinyRuns.NewFolder();
        // Long enough for games to end, so that replayed steps and new games are part of what must match.
        var settings = TinyRuns.Settings(seed: 11).WithSteps(80) with { Cadence = new CadenceSettings { CheckpointEvery = 100 } };
        float[] straightParameters;
        long straightGames;
        using (var straight = TinyRuns.Start(settings, straightFolder.Path))
        {
            straight.Run(CancellationToken.None);
            straightParameters = straight.Model.Parameters.ToArray();
            straightGames = straight.Totals.GamesFinished;
        }
        Assert.True(straightGames > 0, "no game ended in 80 steps: the test would not cover replay");

        using (var first = TinyRuns.Start(settings.WithSteps(40), resumedFolder.Path))
            first.Run(CancellationToken.None);
        using (var resumed = TinyRuns.Resume(resumedFolder.Path, s => s.WithSteps(80)))
        {
            Assert.Equal(40, resumed.Step);
            resumed.Run(CancellationToken.None);
            Assert.Equal(straightParameters, resumed.Model.Parameters.ToArray());
            Assert.Equal(straightGames, resumed.Totals.GamesFinished);
        }

        var straightLines = StepLines(straightFolder.Path);
        var resumedLines = StepLines(resumedFolder.Path);
        Assert.Equal(Enumerable.Range(1, 80).Select(i => (long)i), resumedLines.Select(line => line["step"]!.GetValue<long>()));
        foreach (var key in new[] { "loss", "grad_norm", "games", "replay", "search_tokens", "train_tokens", "replayed" })
            Assert.Equal(straightLines.Select(line => line[key]!.ToJsonString()), resumedLines.Select(line => line[key]!.ToJsonString()));
    }

    [Fact]
    public void AfterAKillTheRunResumesFromItsLastCheckpointAndRedoesTheLaterSteps()
    {
        using var folder = TinyRuns.NewFolder();
        using (var run = TinyRuns.Start(TinyRuns.Settings().WithSteps(3), folder.Path))
        {
            run.Run(CancellationToken.None);
            // Two more steps whose metrics are written but never checkpointed, as when the process is killed.
            for (var i = 0; i < 2; i++) new RunDirectory(folder.Path).AppendMetrics(run.TrainStep().ToJson(DateTime.UtcNow));
            File.AppendAllText(Path.Combine(folder.Path, RunDirectory.MetricsFileName), "{\"step\":6,\"lo");
        }
        Assert.Equal(6, File.ReadLines(Path.Combine(folder.Path, RunDirectory.MetricsFileName)).Count());

        using (var resumed = TinyRuns.Resume(folder.Path, s => s.WithSteps(5)))
        {
            Assert.Equal(3, resumed.Step);
            Assert.Equal(3, Metrics(folder.Path).Count);
            resumed.Run(CancellationToken.None);
        }
        Assert.Equal([1L, 2, 3, 4, 5], Metrics(folder.Path).Select(line => line["step"]!.GetValue<long>()));
    }

    [Fact]
    public void TheLossOnAFixedSetOfSequencesFallsOverAFewDozenSteps()
    {
        using var folder = TinyRuns.NewFolder();
        // Without grounding: its child targets are playout means the first step's batch holds few of, and the bound below
        // was set for the IMPROVED, prior and result targets.
        var settings = TinyRuns.Settings(seed: 5);
        using var run = TinyRuns.Start(settings with { SelfPlay = settings.SelfPlay with { GroundReplies = 0 } }, folder.Path);
        var first = run.TrainStep();
        var fixedBatches = run.LastBatches!;
        for (var i = 0; i < 40; i++) run.TrainStep();

        var after = run.LossOn(fixedBatches);

        // The first step's loss was measured on the same batch before any update.
        Assert.True(after < 0.5 * first.Loss, $"loss on the first step's sequences: {first.Loss:0.000} before training, {after:0.000} after 41 steps");
    }

    [Fact]
    public void EveryModeAndLossRunsTogetherAndFinishedGamesFeedTheReplayBuffer()
    {
        using var folder = TinyRuns.NewFolder();
        // 80 steps: past the 5×5 move cap (75 moves), so every first game has ended, however the untrained model plays.
        var settings = TinyRuns.Settings(seed: 3).WithSteps(80) with
        {
            Search = new SearchSettings { TopK = 2, Playouts = 4, Boards = GoSeqZero.Trainer.Search.BoardSource.Imagined },
            Cadence = new CadenceSettings { CheckpointEvery = 20 },
        };
        using (var run = TinyRuns.Start(settings, folder.Path))
        {
            run.Run(CancellationToken.None);
            Assert.True(run.Totals.GamesFinished > 0);
            Assert.Equal(run.Totals.MovesOfFinishedGames, run.Replay.Count);
            Assert.Equal(run.Totals.MovesPlayed, run.Totals.MovesOfFinishedGames + run.Games.Sum(g => g.Moves.Count));
        }
        var lines = StepLines(folder.Path);
        Assert.Contains(lines, line => line["loss_imagined"] is not null && line["loss_result"] is not null);
        Assert.All(lines.Where(line => line["imagined_accuracy"] is not null), line => Assert.InRange(line["imagined_accuracy"]!.GetValue<double>(), 0, 1));
        Assert.Contains(lines, line => line["replayed"]!.GetValue<int>() == 2);
        var game = SgfReader.ReadFile(Path.Combine(folder.Path, "selfplay", "latest.sgf"));
        Assert.Matches("^[BW]\\+|^0$|^Draw$", game.Result ?? "");
    }

    [Fact]
    public void PeriodicEvaluationPlaysEachOpponentAndRatesEveryCheckpointOnOneLadder()
    {
        using var folder = TinyRuns.NewFolder();
        Assert.Equal(["prior", "search", "backup"], new TrainSettings().Evaluation.Players);
        // The search player alone keeps the tiny run short; other players only add matches named after them.
        var settings = TinyRuns.Settings().WithSteps(4) with
        {
            Cadence = new CadenceSettings { CheckpointEvery = 100, KeepCheckpoints = 1 },
            Evaluation = new EvaluationSettings { Every = 2, Games = 2, Players = ["search"] },
        };
        Assert.Equal(["random", "first", "previous", "gnugo:1"], settings.Evaluation.Opponents);
        using (var run = TinyRuns.Start(settings, folder.Path))
        {
            run.Run(CancellationToken.None);
            // The status line names the player of the results with its kind (a run of tree and rollout steps
            // searches in tree mode: the model alone), then each opponent.
            Assert.StartsWith("@4: search[model-only] vs random ", run.LastEvaluation);
            Assert.Contains(", step-000000 ", run.LastEvaluation);
            Assert.Contains(", step-000002 ", run.LastEvaluation);
            Assert.Contains(", gnugo:1 ", run.LastEvaluation);
            Assert.Contains(", Elo ", run.LastEvaluation);
        }
        var evaluations = Metrics(folder.Path).Where(line => line.ContainsKey("evaluation")).Select(line => line["evaluation"]!).ToList();
        Assert.Equal([2L, 4], evaluations.Select(e => e["step"]!.GetValue<long>()));
        static string[] Opponents(JsonNode evaluation) => [.. evaluation["matches"]!.AsArray().Select(m => m!["opponent"]!.GetValue<string>())];
        // At step 2 the previous evaluated checkpoint is the first one: it is played once.
        Assert.Equal(["random", "step-000000", "gnugo:1"], Opponents(evaluations[0]));
        Assert.Equal(["random", "step-000000", "step-000002", "gnugo:1"], Opponents(evaluations[1]));
        foreach (var match in new[] { "step-000002/search-vs-random", "step-000004/search-vs-random", "step-000004/search-vs-step-000002", "step-000004/search-vs-gnugo-1" })
        {
            var results = GoSeqZero.Trainer.Evaluation.MatchResults.Read(Path.Combine(folder.Path, "evaluations", match, "results.json"));
            Assert.Equal(2, results.Games.Count);
            Assert.StartsWith("model:", results.Programs[0]);
            Assert.Equal(2, Directory.GetFiles(Path.Combine(folder.Path, "evaluations", match), "*.sgf").Length);
        }
        // The last ladder rates every checkpoint evaluated or played against, anchored at random.
        var ladder = evaluations[1]["ladder"]!;
        Assert.Equal("random", ladder["anchor"]!.GetValue<string>());
        var rated = ladder["ratings"]!.AsArray().ToDictionary(r => r!["player"]!.GetValue<string>(), r => r!["rating"]!.GetValue<double>());
        Assert.Equal(["gnugo:1", "random", "step-000000", "step-000002", "step-000004"], rated.Keys.Order());
        Assert.Equal(0, rated["random"]);
        Assert.Equal(2 + 2 + 2 + 2 + 2 + 2 + 2, ladder["games"]!.GetValue<int>());
        foreach (var plot in new[] { "losses.png", "win-rates.png", "elo.png" })
            Assert.True(File.Exists(Path.Combine(folder.Path, RunPlots.FolderName, plot)), plot);
        // Evaluated checkpoints, and the first one the evaluations play, are kept whatever --keep-checkpoints says.
        Assert.True(RunDirectory.IsComplete(Path.Combine(folder.Path, "checkpoints", "step-000000")));
        Assert.True(RunDirectory.IsComplete(Path.Combine(folder.Path, "checkpoints", "step-000002")));
    }

    [Fact]
    public void ARolloutTrainedRunsSearchIsEvaluatedAsAssistedAndItsSearchTreeAsModelOnly()
    {
        using var folder = TinyRuns.NewFolder();
        var settings = TinyRuns.Settings().WithSteps(2) with
        {
            SelfPlay = TinyRuns.Settings().SelfPlay with { RolloutFraction = 1 },
            Evaluation = new EvaluationSettings { Every = 2, Games = 2, Players = ["prior", "search", "search-tree"], Opponents = ["random"] },
        };
        using (var run = TinyRuns.Start(settings, folder.Path))
        {
            run.Run(CancellationToken.None);
            Assert.Matches(@"^@2: prior\[model-only\] vs random \d+%; search\[assisted\] vs random \d+%, Elo -?\d+; search-tree\[model-only\] vs random \d+%$",
                run.LastEvaluation);
        }
        var evaluation = Metrics(folder.Path).Single(line => line.ContainsKey("evaluation"))["evaluation"]!;
        var matches = evaluation["matches"]!.AsArray();
        Assert.Equal(["prior", "search", "search-tree"], matches.Select(m => m!["player"]!.GetValue<string>()));
        Assert.Equal(["model-only", "assisted", "model-only"], matches.Select(m => m!["player_kind"]!.GetValue<string>()));
        // Top-k 2 × 1 playout: the random playouts of ours behind each of the search player's moves.
        Assert.Equal([null, 2, null], matches.Select(m => m!["player_playouts_per_move"]?.GetValue<int>()));
        Assert.All(matches, m => Assert.Equal("program", m!["opponent_kind"]!.GetValue<string>()));

        var tree = GoSeqZero.Trainer.Evaluation.MatchResults.Read(Path.Combine(folder.Path, "evaluations", "step-000002", "search-tree-vs-random", "results.json"));
        Assert.EndsWith("step-000002:search:tree", tree.Programs[0]);
        Assert.Equal(PlayerKind.ModelOnly, tree.KindOf(0)!.Kind);
        Assert.Equal(PlayerKind.Program, tree.KindOf(1)!.Kind);
        var kinds = evaluation["ladder"]!["ratings"]!.AsArray().ToDictionary(r => r!["player"]!.GetValue<string>(), r => r!["kind"]!.GetValue<string>());
        Assert.Equal(new Dictionary<string, string>
        {
            ["random"] = "program",
            ["step-000002"] = "assisted",
            ["step-000002:prior"] = "model-only",
            ["step-000002:search-tree"] = "model-only",
        }, kinds);
        Assert.True(File.Exists(Path.Combine(folder.Path, RunPlots.FolderName, "elo.png")));
    }

    [Fact]
    public void EvaluationOpponentsAndPlayersAreCheckedWhenTheRunStarts()
    {
        var settings = TinyRuns.Settings();
        TrainSettings With(EvaluationSettings evaluation) => settings with { Evaluation = evaluation };
        Assert.Contains("'uct:x' is not", Assert.Throws<ArgumentException>(() => With(new() { Opponents = ["uct:x"] }).Validate()).Message);
        Assert.Contains("'gnugo:11' is not", Assert.Throws<ArgumentException>(() => With(new() { Opponents = ["random", "gnugo:11"] }).Validate()).Message);
        Assert.Contains("--eval-players", Assert.Throws<ArgumentException>(() => With(new() { Players = ["mcts"] }).Validate()).Message);
        Assert.Contains("give one or more of prior, search, backup, search-tree, backup-tree",
            Assert.Throws<ArgumentException>(() => With(new() { Players = ["search:tree"] }).Validate()).Message);
        With(new() { Opponents = ["uct:1000", "GnuGo:10", "previous"], Players = ["prior", "backup"] }).Validate();
        With(new() { Players = ["search-tree", "backup-tree"] }).Validate();
    }

    [Fact]
    public void AFolderThatHoldsARunIsNotStartedAgainAndOneWithoutACheckpointCannotBeResumed()
    {
        using var folder = TinyRuns.NewFolder();
        new RunDirectory(folder.Path).WriteConfig(TinyRuns.Settings());
        Assert.Contains("already holds a run", Assert.Throws<IOException>(() => TinyRuns.Start(TinyRuns.Settings(), folder.Path)).Message);
        Assert.Contains("no complete checkpoint to resume from", Assert.Throws<IOException>(() => TinyRuns.Resume(folder.Path)).Message);
    }
}
