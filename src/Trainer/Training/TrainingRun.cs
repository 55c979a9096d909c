using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using GoSeqZero.Go;
using GoSeqZero.Go.Sgf;
using GoSeqZero.Kernels;
using GoSeqZero.Trainer.Search;
using GoSeqZero.Trainer.Sequences;
using GoSeqZero.Transformer;
using GoSeqZero.Transformer.Checkpoints;
using GoSeqZero.Transformer.Profiling;

namespace GoSeqZero.Trainer.Training;

/// <summary>Why <see cref="TrainingRun.Run"/> stopped.</summary>
internal enum StopReason { Steps, Minutes, Interrupted }

/// <summary>
/// Expert iteration with dynamic evaluation (DESIGN.md §4), one optimizer step per iteration:
/// <list type="number">
/// <item>the current positions of the <see cref="TrainSettings.Games"/> games go through <see cref="SearchDriver.Run"/>
/// (grouped by board size and by tree or rollout mode), which writes one search step for each;</item>
/// <item>one batch learns from them: each fresh step (its IMPROVED row, imagined boards and RESULT tokens) and its
/// companion sequence (the root with the improved values as its EST row), plus steps replayed from finished games;</item>
/// <item>one forward, backward and AdamW update: the next search already runs on the updated weights;</item>
/// <item>each game plays a move drawn from its improved values; a finished game's steps get the outcome blended into
/// the target of the move played and go to the replay buffer, and a new game takes its slot.</item>
/// </list>
/// Every step's random numbers come from the seed and the step number, so a run resumed from a checkpoint (weights,
/// optimizer, replay buffer, games in progress) takes exactly the steps the uninterrupted run would have taken.
/// </summary>
internal sealed class TrainingRun : IDisposable
{
    private const string StateFormat = "goseqzero-train";
    private const int StateVersion = 1;

    private readonly Device _device;
    private readonly bool _ownsDevice;
    private readonly Vocabulary _vocabulary = new();
    private readonly LossWeights _weights;
    private readonly Dictionary<(int Size, SearchMode Mode), SearchDriver> _drivers = [];
    private readonly SelfPlayGame[] _games;
    private readonly PeriodicEvaluation _evaluation;
    private ReplayBuffer _replay;
    private long _savedStep = -1;

    private TrainingRun(TrainSettings settings, RunDirectory run, Device device, bool ownsDevice)
    {
        Settings = settings;
        RunFolder = run;
        _device = device;
        _ownsDevice = ownsDevice;
        var maxSize = settings.MaxSize;
        var config = DefaultModel.For(_vocabulary, settings.SearchFor(maxSize, SearchMode.Tree), maxSize, settings.Seed) with
        {
            Layers = settings.Layers,
            Heads = settings.Heads,
            Channels = settings.Channels,
            ContextLength = settings.ContextLength(),
        };
        Model = new Gpt(device, config);
        Optimizer = new AdamWOptimizer(Model, new AdamWSettings((float)settings.LearningRate, WeightDecay: (float)settings.WeightDecay), (float)settings.Clip);
        Schedule = new LearningRateSchedule((float)settings.LearningRate, settings.WarmupSteps, settings.DecaySteps);
        _weights = LossWeights.From(settings);
        _replay = new ReplayBuffer(settings.Replay);
        _games = new SelfPlayGame[settings.Games];
        _evaluation = new PeriodicEvaluation(settings, run);
    }

    public TrainSettings Settings { get; }
    public RunDirectory RunFolder { get; }
    public Gpt Model { get; }
    public AdamWOptimizer Optimizer { get; }
    public LearningRateSchedule Schedule { get; }
    public Device Device => _device;

    /// <summary>Steps done; the next step is Step + 1.</summary>
    public long Step { get; private set; }

    public RunTotals Totals { get; private set; } = new();

    public ReplayBuffer Replay => _replay;

    public IReadOnlyList<SelfPlayGame> Games => _games;

    /// <summary>The last evaluation's one-line summary, if there was one.</summary>
    public string? LastEvaluation { get; private set; }

    /// <summary>The batches of the last step (search steps, then companions), kept for measurements (e.g. the loss on a fixed set of sequences).</summary>
    public IReadOnlyList<LearningBatch>? LastBatches { get; private set; }

    /// <summary>The model's loss on <paramref name="batches"/> as a step computes it: the weighted mean over all of them.</summary>
    public float LossOn(IReadOnlyList<LearningBatch> batches)
    {
        var weightSum = batches.Sum(b => b.WeightSum);
        return batches.Sum(b => Model.Forward(b.Batch, weightSum));
    }

    /// <summary>Starts a new run in <paramref name="runDirectory"/> (which must not hold one); the device comes from the settings unless given.</summary>
    public static TrainingRun Start(TrainSettings settings, string runDirectory, Device? device = null)
    {
        settings.Validate();
        var run = new RunDirectory(runDirectory);
        if (run.HoldsRun)
            throw new IOException($"{run.Path} already holds a run ({RunDirectory.ConfigFileName}); continue it with --resume {run.Path} or choose another --run-dir");
        return Create(settings, run, device, trainer =>
        {
            run.WriteConfig(settings);
            if (settings.GeometricPoints) PointGeometry.Initialize(trainer.Model);
            for (var slot = 0; slot < trainer._games.Length; slot++) trainer._games[slot] = trainer.NewGame(settings.SizeAt(0));
            // The untrained model: the "first" evaluation opponent, and a resume point before the first step.
            trainer.SaveCheckpoint();
        });
    }

    /// <summary>
    /// Continues the run in <paramref name="runDirectory"/> from its newest complete checkpoint, with its saved settings
    /// changed by <paramref name="change"/> (the caller allows only what <see cref="TrainSettings.MayChangeOnResume"/> names).
    /// Metrics of steps after the checkpoint are dropped: those steps are taken again.
    /// </summary>
    /// <exception cref="IOException">There is no run or no complete checkpoint.</exception>
    /// <exception cref="InvalidDataException">The checkpoint's trainer state or self-play state is damaged.</exception>
    /// <exception cref="CheckpointException">The weights cannot be loaded.</exception>
    public static TrainingRun Resume(string runDirectory, Func<TrainSettings, TrainSettings>? change = null, Device? device = null)
    {
        var run = new RunDirectory(runDirectory);
        var settings = run.ReadConfig();
        if (change is not null) settings = change(settings);
        settings.Validate();
        run.TidyInterruptedSaves();
        var (step, checkpoint) = run.ResumePoint()
            ?? throw new IOException($"{run.Path}: no complete checkpoint to resume from (checkpoints/step-NNNNNN holding {SelfPlayStateFile.FileName})");
        return Create(settings, run, device, trainer =>
        {
            var state = Checkpoint.LoadInto(checkpoint, trainer.Model, trainer.Optimizer);
            var source = Path.Combine(checkpoint, Checkpoint.StateFileName);
            var extra = state.Extra ?? throw new InvalidDataException($"{source}: no trainer state ('extra'); the checkpoint was not written by goseqzero train");
            if (extra["format"]?.GetValue<string>() != StateFormat || extra["version"]?.GetValue<int>() != StateVersion)
                throw new InvalidDataException($"{source}: the trainer state is not {StateFormat} version {StateVersion}");
            if (extra["step"]?.GetValue<long>() != step || state.Step != step)
                throw new InvalidDataException($"{source}: the checkpoint is named step {step} but holds step {extra["step"]} (optimizer step {state.Step})");
            var (replay, games) = SelfPlayStateFile.Read(Path.Combine(checkpoint, SelfPlayStateFile.FileName));
            if (games.Count != settings.Games) throw new InvalidDataException($"{checkpoint}: {games.Count} games in progress, the run plays {settings.Games}");
            if (replay.Capacity != settings.Replay) throw new InvalidDataException($"{checkpoint}: a replay buffer of {replay.Capacity}, the run keeps {settings.Replay}");
            trainer._replay = replay;
            games.CopyTo(trainer._games);
            trainer.Totals = RunTotals.ReadFrom(extra, source);
            trainer.Step = step;
            trainer._savedStep = step;
            run.WriteConfig(settings);
            run.TrimMetrics(step);
            run.RemoveEvaluationsAfter(step);
            trainer.LastEvaluation = LastEvaluationIn(run);
        });
    }

    private static TrainingRun Create(TrainSettings settings, RunDirectory run, Device? device, Action<TrainingRun> prepare)
    {
        var ownsDevice = device is null;
        device ??= Device.Create(settings.Device);
        TrainingRun? trainer = null;
        try
        {
            trainer = new TrainingRun(settings, run, device, ownsDevice);
            prepare(trainer);
            return trainer;
        }
        catch
        {
            if (trainer is not null) trainer.Dispose();
            else if (ownsDevice) device.Dispose();
            throw;
        }
    }

    /// <summary>Trains until <see cref="TrainSettings.Steps"/> or <see cref="TrainSettings.Minutes"/> is reached or <paramref name="stop"/> is cancelled (after the step in hand), then saves a checkpoint.</summary>
    public StopReason Run(CancellationToken stop, TrainingProgress? progress = null)
    {
        var session = Stopwatch.StartNew();
        StopReason reason;
        while (true)
        {
            if (stop.IsCancellationRequested) { reason = StopReason.Interrupted; break; }
            if (Settings.Steps is { } steps && Step >= steps) { reason = StopReason.Steps; break; }
            if (Settings.Minutes is { } minutes && session.Elapsed.TotalMinutes >= minutes) { reason = StopReason.Minutes; break; }
            var profiled = Settings.ProfileEvery > 0 && (Step + 1) % Settings.ProfileEvery == 0;
            var timed = profiled ? new TimedOps(Model.Ops, Model.Device) : null;
            var untimed = Model.Ops;
            if (timed is not null) Model.Ops = timed;
            StepReport report;
            try
            {
                report = TrainStep(timed);
            }
            finally
            {
                Model.Ops = untimed;
            }
            if (timed is not null)
            {
                var path = System.IO.Path.Combine(RunFolder.Path, "profile.txt");
                File.AppendAllText(path, $"step {Step} (every op waited for, so the step is slower than unprofiled ones)\n{ProfileTable.Format(timed.Timings, 1)}\n");
                progress?.Log($"profile of step {Step} appended to {System.IO.Path.GetRelativePath(Environment.CurrentDirectory, path)}");
            }
            RunFolder.AppendMetrics(report.ToJson(DateTime.UtcNow));
            progress?.Step(report, LastEvaluation);
            var evaluate = Settings.EvalEvery > 0 && Step % Settings.EvalEvery == 0;
            var checkpoint = Step % Settings.CheckpointEvery == 0 || evaluate;
            if (checkpoint) SaveCheckpoint(progress);
            if (evaluate && !stop.IsCancellationRequested) Evaluate(progress);
            if (checkpoint) RefreshPlots(progress);
        }
        SaveCheckpoint(progress);
        RefreshPlots(progress);
        return reason;
    }

    /// <summary>One iteration: search for every game, one optimizer step on the fresh and replayed sequences, one move in every game.</summary>
    public StepReport TrainStep(TimedOps? timed = null)
    {
        var clock = Stopwatch.StartNew();
        var random = new FastRandom(FastRandom.Mix(((ulong)(uint)Settings.Seed << 32) ^ (ulong)Step));
        var count = _games.Length;
        var modes = new SearchMode[count];
        var rolloutFraction = Settings.RolloutFractionAt(Step);
        for (var slot = 0; slot < count; slot++)
            modes[slot] = rolloutFraction > 0 && random.NextDouble() < rolloutFraction ? SearchMode.Rollout : SearchMode.Tree;
        var replayed = _replay.Draw(Settings.ReplaySamples, ref random);

        // Search: one batched run per board size and mode.
        if (timed is not null) timed.Phase = "search";
        var samples = new StepSample[count];
        var records = new SearchRecord[count];
        var before = SearchCounts();
        foreach (var group in Enumerable.Range(0, count).GroupBy(slot => (_games[slot].Size, Mode: modes[slot])).OrderBy(g => g.Key.Size).ThenBy(g => g.Key.Mode))
        {
            var slots = group.ToArray();
            var driver = DriverFor(group.Key.Size, group.Key.Mode);
            driver.Random = new FastRandom(random.NextUInt64());
            var writers = driver.Run(slots.Select(slot => _games[slot].Game.Board).ToArray());
            for (var i = 0; i < slots.Length; i++)
            {
                samples[slots[i]] = StepSample.From(writers[i]);
                records[slots[i]] = writers[i].Record!;
            }
        }
        var after = SearchCounts();
        var searchSeconds = clock.Elapsed.TotalSeconds;

        // Dynamic evaluation: one update on the fresh steps, their companions and the replayed steps. The companions are
        // a fifth of a search step's length: they go in a batch of their own, whose gradients add to the search steps'
        // (one loss, the weighted mean over both), instead of being padded to the longest search step.
        var searches = new List<LearningSequence>(count + replayed.Count);
        var companions = new List<LearningSequence>(count + replayed.Count);
        foreach (var sample in samples.Concat(replayed))
        {
            searches.Add(LearningSequence.Search(sample, Settings.LearnUnsearched));
            companions.Add(LearningSequence.Companion(sample, _vocabulary, Settings.LearnUnsearched));
        }
        LearningBatch[] batches = [LearningBatch.Build(searches, _vocabulary, _weights), LearningBatch.Build(companions, _vocabulary, _weights)];
        var weightSum = batches.Sum(b => b.WeightSum);
        var loss = 0f;
        var losses = new LossBreakdown(double.NaN, double.NaN, double.NaN, double.NaN);
        for (var i = 0; i < batches.Length; i++)
        {
            if (timed is not null) timed.Phase = "forward";
            loss += Model.Forward(batches[i].Batch, weightSum);
            losses = losses.With(batches[i].Losses(Model.LastRowLosses));
            if (timed is not null) timed.Phase = "backward";
            Model.Backward(accumulate: i > 0);
        }
        if (timed is not null) timed.Phase = "optimizer";
        var learningRate = Schedule.At(Optimizer.Step + 1);
        var gradientNorm = Optimizer.Update(learningRate);
        LastBatches = batches;
        var learnSeconds = clock.Elapsed.TotalSeconds - searchSeconds;

        // Play: a move from the improved values; finished games feed the replay buffer and make room for new ones.
        var finished = 0;
        for (var slot = 0; slot < count; slot++)
        {
            var game = _games[slot];
            var temperature = game.Moves.Count < Settings.TemperatureMoves ? Settings.Temperature : 0;
            var move = MoveChoice.Choose(records[slot], _vocabulary, temperature, ref random, passUnlessSearched: !Settings.PassOnlyAsLastResort);
            game.Play(move, samples[slot], records[slot].Improved!.Values[move]);
            Totals.MovesPlayed++;
            if (!game.IsOver) continue;
            Finish(game);
            finished++;
            _games[slot] = NewGame(Settings.SizeAt(Step + 1));
        }

        Step++;
        var searchTokens = samples.Sum(s => (long)s.Length);
        Totals.TokensSearched += searchTokens;
        var trainTokens = batches.Sum(b => b.Tokens);
        Totals.TokensTrained += trainTokens;
        Totals.Seconds += clock.Elapsed.TotalSeconds;
        return new StepReport
        {
            Step = Step,
            BoardSize = Settings.SizeAt(Step - 1),
            StepSeconds = clock.Elapsed.TotalSeconds,
            SearchSeconds = searchSeconds,
            LearnSeconds = learnSeconds,
            SearchTokens = searchTokens,
            ModelTokens = after.ModelTokens - before.ModelTokens,
            TrainTokens = trainTokens,
            Sequences = searches.Count + companions.Count,
            ReplayedSteps = replayed.Count,
            Loss = loss,
            Losses = losses,
            GradientNorm = gradientNorm,
            LearningRate = learningRate,
            ImaginedAccuracy = after.ImaginedPoints > before.ImaginedPoints
                ? (double)(after.ImaginedCorrect - before.ImaginedCorrect) / (after.ImaginedPoints - before.ImaginedPoints)
                : double.NaN,
            GamesFinishedNow = finished,
            Totals = Totals,
            ReplaySize = _replay.Count,
        };
    }

    /// <summary>
    /// Saves checkpoints/step-NNNNNN (weights, optimizer, trainer state), then its selfplay.bin, then points
    /// <c>latest</c> at it, then removes checkpoints no longer kept. Does nothing when this step is already saved.
    /// </summary>
    public void SaveCheckpoint(TrainingProgress? progress = null)
    {
        if (_savedStep == Step) return;
        var path = RunFolder.CheckpointPath(Step);
        Checkpoint.Save(path, Model, Optimizer, TrainerState(), Schedule);
        SelfPlayStateFile.Write(Path.Combine(path, SelfPlayStateFile.FileName), _replay, _games);
        RunFolder.SetLatest(Step);
        _savedStep = Step;
        progress?.Log($"checkpoint {Path.GetRelativePath(RunFolder.Path, path)}");
        Prune();
    }

    private void Evaluate(TrainingProgress? progress)
    {
        progress?.Log(string.Create(CultureInfo.InvariantCulture, $"evaluating step {Step} ..."));
        var result = _evaluation.Evaluate(Step, Settings.SizeAt(Step - 1), line => progress?.Log(line));
        foreach (var reason in result.Skipped) progress?.Log("evaluation skipped " + reason);
        LastEvaluation = result.Summary();
        RunFolder.AppendMetrics(new JsonObject
        {
            ["step"] = Step,
            ["time"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
            ["evaluation"] = result.ToJson(),
        });
        progress?.Log("evaluation " + LastEvaluation);
    }

    /// <summary>Redraws plots/*.png from metrics.jsonl; a plot that cannot be drawn is reported and training goes on.</summary>
    private void RefreshPlots(TrainingProgress? progress)
    {
        try
        {
            RunPlots.Write(RunFolder.Path);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or InvalidOperationException or ArgumentException or TypeInitializationException or DllNotFoundException)
        {
            progress?.Log($"plots not refreshed: {error.Message}");
        }
    }

    /// <summary>Keeps the newest <see cref="TrainSettings.KeepCheckpoints"/> complete checkpoints and every evaluated one; removes older and unfinished ones.</summary>
    private void Prune()
    {
        if (Settings.KeepCheckpoints == 0) return;
        var checkpoints = RunFolder.Checkpoints();
        var kept = checkpoints.Where(c => c.Step <= Step && RunDirectory.IsComplete(c.Path)).TakeLast(Settings.KeepCheckpoints).Select(c => c.Step).ToHashSet();
        foreach (var (step, path) in checkpoints)
        {
            var evaluated = Settings.EvalEvery > 0 && step % Settings.EvalEvery == 0 && RunDirectory.IsComplete(path)
                && (step > 0 || Settings.EvalOpponents.Contains(PeriodicEvaluation.First));
            if (step >= Step || kept.Contains(step) || evaluated) continue;
            Directory.Delete(path, recursive: true);
        }
    }

    private JsonObject TrainerState()
    {
        var state = new JsonObject
        {
            ["format"] = StateFormat,
            ["version"] = StateVersion,
            ["step"] = Step,
            ["selfplay_file"] = SelfPlayStateFile.FileName,
            ["random"] = "each step draws from the seed and the step number; there is no generator state to save",
            // How this checkpoint's players search: in the mode self-play wrote at this step (ModelPlayer.SearchSettingsOf).
            ["player_search"] = new JsonObject
            {
                ["mode"] = Settings.PlayerModeAt(Step) == SearchMode.Rollout ? "rollout" : "tree",
                ["top_k"] = Settings.TopK,
                ["playouts"] = Settings.Playouts,
                ["write_playouts"] = Settings.WritePlayouts,
            },
        };
        Totals.WriteTo(state);
        return state;
    }

    private SelfPlayGame NewGame(int size)
    {
        Totals.GamesStarted++;
        return new SelfPlayGame(size, Settings.Komi, Totals.GamesStarted);
    }

    /// <summary>Blends the outcome into each step's target for the move played and hands the steps to the replay buffer.</summary>
    private void Finish(SelfPlayGame game)
    {
        var steps = game.Steps;
        foreach (var step in steps)
        {
            var outcome = game.OutcomeFor(step.Mover);
            if (Settings.OutcomeBlend == OutcomeBlend.All) step.Sample.BlendOutcomeIntoAll(_vocabulary, step.Move, step.ImprovedValue, outcome, Settings.Lambda);
            else step.Sample.BlendOutcome(_vocabulary, step.Move, step.ImprovedValue, outcome, Settings.Lambda);
        }
        // Each step's played child is the next step's root: its EST row learns the search (and outcome) found there.
        for (var i = 0; i + 1 < steps.Count; i++) steps[i].Sample.SetPlayedChildTarget(steps[i].Move, steps[i + 1].Sample, _vocabulary, Settings.LearnUnsearched);
        foreach (var step in steps) _replay.Add(step.Sample);
        var score = game.Game.Score();
        Totals.GamesFinished++;
        if (score > 0) Totals.BlackWins++;
        else if (score == 0) Totals.Draws++;
        Totals.MovesOfFinishedGames += game.Moves.Count;

        Directory.CreateDirectory(RunFolder.SelfPlayPath);
        var record = GameRecord.FromGame(game.Game, "goseqzero", "goseqzero",
            rootComment: string.Create(CultureInfo.InvariantCulture, $"self-play game {game.Number}, finished at step {Step + 1}"));
        SgfWriter.WriteFile(record, Path.Combine(RunFolder.SelfPlayPath, "latest.sgf"));
        if (game.Number % 100 == 0)
            SgfWriter.WriteFile(record, Path.Combine(RunFolder.SelfPlayPath, string.Create(CultureInfo.InvariantCulture, $"game-{game.Number:D6}.sgf")));
    }

    private SearchDriver DriverFor(int size, SearchMode mode)
    {
        if (_drivers.TryGetValue((size, mode), out var driver)) return driver;
        driver = new SearchDriver(Model, _vocabulary, Settings.SearchFor(size, mode), _games.Length, size);
        _drivers[(size, mode)] = driver;
        return driver;
    }

    private (long ModelTokens, long ImaginedPoints, long ImaginedCorrect) SearchCounts() =>
        (_drivers.Values.Sum(d => d.Statistics.ModelTokens), _drivers.Values.Sum(d => d.Statistics.ImaginedPoints), _drivers.Values.Sum(d => d.Statistics.ImaginedCorrect));

    private static string? LastEvaluationIn(RunDirectory run)
    {
        if (!File.Exists(run.MetricsPath)) return null;
        string? summary = null;
        foreach (var line in File.ReadLines(run.MetricsPath))
            if (line.Contains("\"evaluation\"", StringComparison.Ordinal) && JsonNode.Parse(line)?["evaluation"]?["summary"] is { } node)
                summary = node.GetValue<string>();
        return summary;
    }

    public void Dispose()
    {
        foreach (var driver in _drivers.Values) driver.Dispose();
        Optimizer.Dispose();
        Model.Dispose();
        if (_ownsDevice) _device.Dispose();
    }
}
