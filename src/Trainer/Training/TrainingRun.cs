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
using GoSeqZero.Trainer.Evaluation;

namespace GoSeqZero.Trainer.Training;

/// <summary>Why <see cref="TrainingRun.Run"/> stopped.</summary>
internal enum StopReason { Steps, Minutes, Interrupted }

/// <summary>
/// Expert iteration with dynamic evaluation (docs/design.md, "The expert-iteration loop"): <see cref="TrainStep"/> is
/// one iteration (search, learn, play); <see cref="Run"/> is the loop around it, with checkpoints, evaluations and
/// plots at their cadence. Every step's random numbers come from the seed and the step number, so a run resumed from
/// a checkpoint (weights, optimizer, replay buffer, games in progress) takes exactly the steps the uninterrupted run
/// would have taken.
/// </summary>
internal sealed class TrainingRun : IDisposable
{
    private readonly Device _device;
    private readonly bool _ownsDevice;
    private readonly Vocabulary _vocabulary = new();
    private readonly Learner _learner;
    private readonly SelfPlay _selfPlay;
    private readonly PeriodicEvaluation _evaluation;
    private StepProfile _profile = StepProfile.Off;
    private ReplayBuffer _replay;
    private long _savedStep = -1;

    private TrainingRun(TrainSettings settings, RunDirectory run, Device device, bool ownsDevice)
    {
        Settings = settings;
        RunFolder = run;
        _device = device;
        _ownsDevice = ownsDevice;
        var model = new Gpt(device, settings.Model.ConfigFor(_vocabulary, settings.ContextLength(), settings.Run.Seed));
        _learner = new Learner(model, _vocabulary, settings.Optimizer, settings.Losses);
        _selfPlay = new SelfPlay(model, _vocabulary, settings, new SelfPlayGame[settings.SelfPlay.Games]);
        _replay = new ReplayBuffer(settings.Losses.Replay);
        _evaluation = new PeriodicEvaluation(settings.Evaluation, settings.Run.Komi, settings.Run.Seed, run);
    }

    public TrainSettings Settings { get; }
    public RunDirectory RunFolder { get; }
    public Gpt Model => _learner.Model;
    public LearningRateSchedule Schedule => _learner.Schedule;
    public Device Device => _device;

    /// <summary>Steps done; the next step is Step + 1.</summary>
    public long Step { get; private set; }

    public RunTotals Totals { get; private set; } = new();

    public ReplayBuffer Replay => _replay;

    public IReadOnlyList<SelfPlayGame> Games => _selfPlay.Games;

    /// <summary>The last evaluation's one-line summary, if there was one.</summary>
    public string? LastEvaluation { get; private set; }

    /// <summary>The batches of the last step (search steps, then companions), kept for measurements (e.g. the loss on a fixed set of sequences).</summary>
    public IReadOnlyList<LearningBatch>? LastBatches { get; private set; }

    /// <summary>The model's loss on <paramref name="batches"/> as a step computes it: the weighted mean over all of them.</summary>
    public float LossOn(IReadOnlyList<LearningBatch> batches) => _learner.LossOn(batches);

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
            if (settings.Model.GeometricPoints) PointGeometry.Initialize(trainer.Model);
            var games = trainer._selfPlay.Games;
            for (var slot = 0; slot < games.Length; slot++) games[slot] = trainer.NewGame(settings.Run.SizeAt(0));
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
        return Create(settings, run, device, trainer =>
        {
            var state = TrainerCheckpoint.Load(run, trainer._learner, settings);
            trainer._replay = state.Replay;
            for (var slot = 0; slot < state.Games.Count; slot++) trainer._selfPlay.Games[slot] = state.Games[slot];
            trainer.Totals = state.Totals;
            trainer.Step = state.Step;
            trainer._savedStep = state.Step;
            run.WriteConfig(settings);
            run.TrimMetrics(state.Step);
            run.RemoveEvaluationsAfter(state.Step);
            trainer.LastEvaluation = LastEvaluationIn(run);
        });
    }

    private static TrainingRun Create(TrainSettings settings, RunDirectory run, Device? device, Action<TrainingRun> prepare)
    {
        var ownsDevice = device is null;
        device ??= Device.Create(settings.Run.Device);
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

    /// <summary>Trains until the run's step or time bound is reached or <paramref name="stop"/> is cancelled (after the step in hand), then saves a checkpoint.</summary>
    public StopReason Run(CancellationToken stop, TrainingProgress? progress = null)
    {
        var session = Stopwatch.StartNew();
        var cadence = Settings.Cadence;
        while (true)
        {
            if (stop.IsCancellationRequested) return Stop(StopReason.Interrupted, progress);
            if (Settings.Run.Steps is { } steps && Step >= steps) return Stop(StopReason.Steps, progress);
            if (Settings.Run.Minutes is { } minutes && session.Elapsed.TotalMinutes >= minutes) return Stop(StopReason.Minutes, progress);

            var profiled = cadence.ProfileEvery > 0 && (Step + 1) % cadence.ProfileEvery == 0;
            StepReport report;
            using (_profile = profiled ? StepProfile.Of(Model) : StepProfile.Off)
            {
                report = TrainStep();
                if (profiled) AppendProfile(progress);
            }
            _profile = StepProfile.Off;
            RunFolder.AppendMetrics(report.ToJson(DateTime.UtcNow));
            progress?.Step(report, LastEvaluation);

            var evaluate = Settings.Evaluation.At(Step);
            var checkpoint = Step % cadence.CheckpointEvery == 0 || evaluate;
            if (checkpoint) SaveCheckpoint(progress);
            if (evaluate && !stop.IsCancellationRequested) Evaluate(progress);
            if (checkpoint) RefreshPlots(progress);
        }
    }

    private StopReason Stop(StopReason reason, TrainingProgress? progress)
    {
        SaveCheckpoint(progress);
        RefreshPlots(progress);
        return reason;
    }

    /// <summary>One iteration: search for every game, one optimizer step on the fresh and replayed sequences, one move in every game.</summary>
    public StepReport TrainStep()
    {
        var clock = Stopwatch.StartNew();
        var random = new FastRandom(FastRandom.Mix(((ulong)(uint)Settings.Run.Seed << 32) ^ (ulong)Step));
        var modes = _selfPlay.DrawModes(Settings.SelfPlay.RolloutFractionAt(Step), ref random);
        var replayed = _replay.Draw(Settings.Losses.ReplaySamples, ref random);

        // Search: the model writes a search step for every game's position.
        SearchedPositions searched;
        using (_profile.Phase("search")) searched = _selfPlay.Search(modes, ref random);
        var searchSeconds = clock.Elapsed.TotalSeconds;

        // Learn (dynamic evaluation): one update on the fresh steps and the replayed ones; the next search runs on it.
        var learnt = _learner.Learn([.. searched.Samples, .. replayed], _profile);
        LastBatches = learnt.Batches;
        var learnSeconds = clock.Elapsed.TotalSeconds - searchSeconds;

        // Play: a move in every game from its improved values; finished games feed the replay buffer.
        var finished = _selfPlay.Play(searched, ref random, () => NewGame(Settings.Run.SizeAt(Step + 1)));
        Totals.MovesPlayed += searched.Samples.Length;
        foreach (var game in finished) Finish(game);

        Step++;
        Totals.TokensSearched += searched.Tokens;
        Totals.TokensTrained += learnt.Tokens;
        Totals.Seconds += clock.Elapsed.TotalSeconds;
        return new StepReport
        {
            Step = Step,
            BoardSize = Settings.Run.SizeAt(Step - 1),
            StepSeconds = clock.Elapsed.TotalSeconds,
            SearchSeconds = searchSeconds,
            LearnSeconds = learnSeconds,
            SearchTokens = searched.Tokens,
            ModelTokens = searched.ModelTokens,
            TrainTokens = learnt.Tokens,
            Sequences = learnt.Sequences,
            ReplayedSteps = replayed.Count,
            Loss = learnt.Loss,
            Losses = learnt.Losses,
            GradientNorm = learnt.GradientNorm,
            LearningRate = learnt.LearningRate,
            ImaginedAccuracy = searched.ImaginedAccuracy,
            GamesFinishedNow = finished.Count,
            Totals = Totals,
            ReplaySize = _replay.Count,
        };
    }

    /// <summary>Saves the checkpoint of this step (<see cref="TrainerCheckpoint"/>), then removes those no longer kept. Does nothing when this step is already saved.</summary>
    public void SaveCheckpoint(TrainingProgress? progress = null)
    {
        if (_savedStep == Step) return;
        var path = TrainerCheckpoint.Save(RunFolder, _learner, new TrainerState(Step, Totals, _replay, _selfPlay.Games), Settings);
        _savedStep = Step;
        progress?.Log($"checkpoint {Path.GetRelativePath(RunFolder.Path, path)}");
        TrainerCheckpoint.Prune(RunFolder, Step, Settings);
    }

    private void AppendProfile(TrainingProgress? progress)
    {
        var path = Path.Combine(RunFolder.Path, "profile.txt");
        File.AppendAllText(path, $"step {Step} (every op waited for, so the step is slower than unprofiled ones)\n{ProfileTable.Format(_profile.Ops!.Timings, 1)}\n");
        progress?.Log($"profile of step {Step} appended to {Path.GetRelativePath(Environment.CurrentDirectory, path)}");
    }

    private void Evaluate(TrainingProgress? progress)
    {
        progress?.Log(string.Create(CultureInfo.InvariantCulture, $"evaluating step {Step} ..."));
        var result = _evaluation.Evaluate(Step, Settings.Run.SizeAt(Step - 1), line => progress?.Log(line));
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

    private SelfPlayGame NewGame(int size)
    {
        Totals.GamesStarted++;
        return new SelfPlayGame(size, Settings.Run.Komi, Totals.GamesStarted);
    }

    /// <summary>Blends the outcome into each step's target for the move played and hands the steps to the replay buffer.</summary>
    private void Finish(SelfPlayGame game)
    {
        var steps = game.Steps;
        foreach (var step in steps)
        {
            var outcome = game.OutcomeFor(step.Mover);
            if (Settings.Losses.OutcomeBlend == OutcomeBlend.All) step.Sample.BlendOutcomeIntoAll(_vocabulary, step.Move, step.ImprovedValue, outcome, Settings.Losses.Lambda);
            else step.Sample.BlendOutcome(_vocabulary, step.Move, step.ImprovedValue, outcome, Settings.Losses.Lambda);
        }
        // Each step's played child is the next step's root: its EST row learns the search (and outcome) found there.
        for (var i = 0; i + 1 < steps.Count; i++) steps[i].Sample.SetPlayedChildTarget(steps[i].Move, steps[i + 1].Sample, _vocabulary, Settings.Losses.LearnUnsearched);
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
        _selfPlay.Dispose();
        _learner.Dispose();
        if (_ownsDevice) _device.Dispose();
    }
}
