using System.Globalization;
using System.Runtime.InteropServices;
using CommandLine;
using GoSeqZero.Trainer.Search;
using GoSeqZero.Trainer.Training;
using GoSeqZero.Transformer.Checkpoints;

namespace GoSeqZero.Trainer.Cli;

/// <summary>
/// Runs expert iteration with dynamic evaluation (docs/design.md, "The expert-iteration loop") until a bound or
/// Ctrl-C. Every option is optional: a flag not given takes its settings record's default on a new run, and the
/// saved value on --resume, where a flag that would change the run itself is refused. <see cref="Flags"/> maps the
/// flags onto the records of <see cref="TrainSettings"/>.
/// </summary>
[Verb("train", HelpText = "Train by self-play: search steps written by the model, one optimizer step per move of G parallel games (dynamic evaluation); checkpoints, metrics.jsonl and evaluations in a run folder. Ctrl-C stops after the current step and saves.")]
internal sealed class TrainCommand : ICommand
{
    [Option("size", HelpText = "Board size 5..19 (default 5).")]
    public int? Size { get; set; }

    [Option("sizes", HelpText = "A curriculum of board sizes, e.g. 5,7: --curriculum-steps on each before the next; the last runs on.")]
    public string? Sizes { get; set; }

    [Option("curriculum-steps", HelpText = "Steps on each size of --sizes before moving to the next.")]
    public int? CurriculumSteps { get; set; }

    [Option("games", HelpText = "Self-play games in parallel: the decode batch (default 16).")]
    public int? Games { get; set; }

    [Option("top-k", HelpText = "Moves expanded per search step (default 4).")]
    public int? TopK { get; set; }

    [Option("rollout-fraction", HelpText = "Share of search steps written as rollout steps (default 0.5: rollout steps teach the prior one-ply playout means, grounded tree steps (--ground-replies) the model's own tree search; 1 writes rollout steps only, whose players then search with playouts).")]
    public double? RolloutFraction { get; set; }

    [Option("rollout-switch", HelpText = "STEP:FRACTION: from that step on, FRACTION replaces --rollout-fraction, e.g. 2000:0.5 brings tree steps in once rollouts have grounded the values (default: no switch).")]
    public string? RolloutSwitch { get; set; }

    [Option("playouts", HelpText = "Random playouts per searched move in a rollout step: the first is written into the sequence with its result, then the mean of all as a value token; that mean is the move's backup (the target), and what the search player reads (default 16: 1 writes no mean).")]
    public int? Playouts { get; set; }

    [Option("write-playouts", HelpText = "Write the first playout's moves into each rollout block: true or false (default true; false writes ROLLOUT m RESULT outcome mean, five tokens, so a wide --top-k fits the context, e.g. --top-k 24 --playouts 128 on 7×7).")]
    public bool? WritePlayouts { get; set; }

    [Option("ground-replies", HelpText = "Ground tree steps for training: each child's best N replies by its own EST row get --ground-playouts random playouts; 1 − their mean is the reply's target in the child's row, and the move's backup is 1 − the best grounded reply. Players never ground: their tree search stays model-only (default 4: 0 turns it off).")]
    public int? GroundReplies { get; set; }

    [Option("ground-playouts", HelpText = "Random playouts for each grounded reply of --ground-replies (default 16).")]
    public int? GroundPlayouts { get; set; }

    [Option("boards", HelpText = "Who writes the child boards: rules or imagined (default rules).")]
    public BoardSource? Boards { get; set; }

    [Option("gumbel", HelpText = "Gumbel top-k selection of the moves to expand: true or false (default true).")]
    public bool? Gumbel { get; set; }

    [Option("alpha", HelpText = "Backup step size α in e' = e + α(backup − e) (default 1).")]
    public double? Alpha { get; set; }

    [Option("learn-unsearched", HelpText = "Also learn the IMPROVED values of moves the step neither searched nor played (they only repeat the prior, capped): true or false (default false).")]
    public bool? LearnUnsearched { get; set; }

    [Option("pass-last-resort", HelpText = "Search (and so play) the pass only after the opponent's pass or when every other legal move lies in the mover's own area (empty regions reaching only its stones) or fills an own single-point eye: true or false (default true).")]
    public bool? PassOnlyAsLastResort { get; set; }

    [Option("cap-unsearched", HelpText = "Cap the improved value of each move the search did not expand at the best expanded move's, so the IMPROVED row's best move is one the search looked at: true or false (default true; false keeps their prior, the backup's first form).")]
    public bool? CapUnsearched { get; set; }

    [Option("komi", HelpText = "Komi on every board size (default 7.5).")]
    public double? Komi { get; set; }

    [Option("layers", HelpText = "Transformer blocks (default 2).")]
    public int? Layers { get; set; }

    [Option("channels", HelpText = "Model width (default 64).")]
    public int? Channels { get; set; }

    [Option("heads", HelpText = "Attention heads (default 4).")]
    public int? Heads { get; set; }

    [Option("geometric-points", HelpText = "Start the point-id embedding with sines and cosines of each point's column and row, so that neighbouring points start out alike (true or false; default true). false starts it random like every other table.")]
    public bool? GeometricPoints { get; set; }

    [Option("lr", HelpText = "Peak learning rate of AdamW (default 0.001).")]
    public double? LearningRate { get; set; }

    [Option("warmup", HelpText = "Steps of linear learning-rate warm-up (default 100).")]
    public int? Warmup { get; set; }

    [Option("decay-steps", HelpText = "Cosine decay of the learning rate from its peak to a tenth of it at this step, flat after; set it to --steps for a bounded run (default 0: no decay, the rate stays at its peak).")]
    public int? DecaySteps { get; set; }

    [Option("weight-decay", HelpText = "AdamW weight decay of the matrices (default 0.1).")]
    public double? WeightDecay { get; set; }

    [Option("clip", HelpText = "Global gradient-norm clip, 0 for none (default 1).")]
    public double? Clip { get; set; }

    [Option("lambda", HelpText = "Outcome blend into the played move's target: e' = (1 − λ)e' + λz (default 0.5).")]
    public double? Lambda { get; set; }

    [Option("outcome-blend", HelpText = "Which IMPROVED values of a finished game's steps get the outcome: played (the move played) or all (every legal move) (default played).")]
    public OutcomeBlend? OutcomeBlend { get; set; }

    [Option("replay", HelpText = "Search steps of finished games kept for replay (default 1024).")]
    public int? Replay { get; set; }

    [Option("replay-samples", HelpText = "Replayed steps added to each update (default 16).")]
    public int? ReplaySamples { get; set; }

    [Option("w-improved", HelpText = "Loss weight of the IMPROVED row given the search (default 1).")]
    public double? WeightImproved { get; set; }

    [Option("w-prior", HelpText = "Loss weight of the companion sequence's EST row, the prior learning the search result (default 1).")]
    public double? WeightPrior { get; set; }

    [Option("w-imagined", HelpText = "Loss weight of imagined board points (default 1).")]
    public double? WeightImagined { get; set; }

    [Option("w-result", HelpText = "Loss weight of RESULT tokens (default 1).")]
    public double? WeightResult { get; set; }

    [Option("w-child", HelpText = "Loss weight of the EST row of the child that was played, learnt from the next step's IMPROVED row once the game is over (default 1).")]
    public double? WeightChild { get; set; }

    [Option("temperature", HelpText = "Moves are drawn from softmax(e'/temperature) early in a game (default 1).")]
    public double? Temperature { get; set; }

    [Option("temperature-moves", HelpText = "Moves of each game drawn at --temperature; the best move after them (default 4).")]
    public int? TemperatureMoves { get; set; }

    [Option("steps", HelpText = "Stop when the run has done this many steps (default: no bound).")]
    public int? Steps { get; set; }

    [Option("minutes", HelpText = "Stop after this many minutes of this session (default: no bound).")]
    public double? Minutes { get; set; }

    [Option("checkpoint-every", HelpText = "Steps between checkpoints (default 50); one is also saved on stopping.")]
    public int? CheckpointEvery { get; set; }

    [Option("keep-checkpoints", HelpText = "Newest checkpoints kept besides evaluated ones, 0 for all (default 5).")]
    public int? KeepCheckpoints { get; set; }

    [Option("eval-every", HelpText = "Steps between evaluations (each --eval-players against each --eval-opponents, then an Elo ladder over all checkpoints evaluated), 0 for none (default 200).")]
    public int? EvalEvery { get; set; }

    [Option("eval-players", HelpText = "The checkpoint's players evaluated, comma-separated: prior (its root estimates), search (its own IMPROVED row), backup (the computed backup), search-tree and backup-tree (forced to tree mode: model-only even after rollout training) (default prior,search,backup: after a run with tree steps all three are model-only).")]
    public string? EvalPlayers { get; set; }

    [Option("eval-opponents", HelpText = "Evaluation opponents, comma-separated: random, first (the untrained step-0 checkpoint), previous (the checkpoint evaluated before), uct:N, gnugo:L (skipped when GNU Go is not installed) (default random,first,previous,gnugo:1).")]
    public string? EvalOpponents { get; set; }

    [Option("profile-every", HelpText = "Steps between profiled steps, whose per-op times (search, forward, backward, optimizer) are appended to profile.txt in the run folder, 0 for none (default 0).")]
    public int? ProfileEvery { get; set; }

    [Option("eval-games", HelpText = "Games per evaluation match (default 10).")]
    public int? EvalGames { get; set; }

    [Option("device", HelpText = "auto, cpu, cuda or ilgpu-cpu (default auto: CUDA when present, else the SIMD CPU path).")]
    public string? Device { get; set; }

    [Option("seed", HelpText = "Seed of the weights and of every random choice (default: a fresh one, printed and saved).")]
    public int? Seed { get; set; }

    [Option("progress-seconds", HelpText = "Seconds between progress lines when stderr is not a terminal (default 10).")]
    public double? ProgressSeconds { get; set; }

    [Option("run-dir", HelpText = "Folder of a new run (default runs/<UTC time>).")]
    public string? RunDir { get; set; }

    [Option("resume", HelpText = nameof(TrainHelpTexts.Resume), ResourceType = typeof(TrainHelpTexts))]
    public string? Resume { get; set; }

    public int Run()
    {
        using var stop = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            // A second Ctrl-C is not cancelled: it ends the process at once.
            if (stop.IsCancellationRequested) return;
            e.Cancel = true;
            Console.Error.WriteLine("\ntrain: stopping after this step and saving a checkpoint (Ctrl-C again quits at once, losing the steps since the last checkpoint)");
            stop.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });
        try
        {
            return Run(Console.Error, !Console.IsErrorRedirected, stop.Token);
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    /// <summary>Trains, writing progress and errors to <paramref name="errors"/>; 0 when stopped by a bound or <paramref name="stop"/>, 2 for bad options or a run that cannot be resumed.</summary>
    internal int Run(TextWriter errors, bool interactive, CancellationToken stop)
    {
        TrainingRun trainer;
        try
        {
            trainer = Resume is not null ? ResumeRun() : StartRun();
        }
        catch (Exception error) when (error is ArgumentException or IOException or FormatException or InvalidDataException or CheckpointException or InvalidOperationException or UnauthorizedAccessException)
        {
            errors.WriteLine($"train: {error.Message}");
            return 2;
        }
        using (trainer)
        {
            var settings = trainer.Settings;
            var config = trainer.Model.Config;
            var culture = CultureInfo.InvariantCulture;
            errors.WriteLine(Resume is not null
                ? string.Create(culture, $"train: resuming {trainer.RunFolder.Path} at step {trainer.Step} ({trainer.Totals.GamesFinished} games played)")
                : $"train: new run in {trainer.RunFolder.Path}");
            errors.WriteLine(string.Create(culture,
                $"train: device {trainer.Device.Description}; model {config.Layers} layers, {config.Channels} channels, {config.Heads} heads, {trainer.Model.Layout.Count:N0} parameters, context {config.ContextLength}"));
            errors.WriteLine(string.Create(culture,
                $"train: {string.Join(",", settings.Run.Sizes.Select(s => $"{s}x{s}"))}, {settings.SelfPlay.Games} games in parallel, top-k {settings.Search.TopK}, {settings.Search.Boards.ToString().ToLowerInvariant()} boards, seed {settings.Run.Seed}; "
                + $"stops {StopDescription(settings.Run)} (Ctrl-C stops after the current step and saves)"));
            var progress = new TrainingProgress(errors, interactive, TimeSpan.FromSeconds(settings.Cadence.ProgressSeconds), settings.Run.Steps, settings.Run.Minutes);
            StopReason reason;
            try
            {
                reason = trainer.Run(stop, progress);
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                // A full disk or a diverged update: the checkpoints written so far are intact.
                progress.Finish();
                errors.WriteLine($"train: stopped at step {trainer.Step}: {error.Message}; the run can continue from its last checkpoint with: goseqzero train --resume {trainer.RunFolder.Path}");
                return 1;
            }
            progress.Finish();
            var why = reason switch
            {
                StopReason.Steps => "the step bound is reached",
                StopReason.Minutes => "the time bound is reached",
                _ => "interrupted",
            };
            // A run stopped by its step bound goes on only with a higher one.
            var further = reason == StopReason.Steps ? string.Create(culture, $" --steps {2 * trainer.Step}") : "";
            errors.WriteLine(string.Create(culture,
                $"train: stopped at step {trainer.Step} ({why}); {trainer.Totals.GamesFinished} games played; continue with: goseqzero train --resume {trainer.RunFolder.Path}{further}"));
        }
        return 0;
    }

    private TrainingRun StartRun()
    {
        var settings = new TrainSettings { Run = new RunSettings { Seed = Seed ?? Random.Shared.Next() } };
        foreach (var option in GivenOptions()) settings = option.Apply(settings);
        return TrainingRun.Start(settings, RunDir ?? RunDirectory.DefaultPath(DateTime.UtcNow));
    }

    private TrainingRun ResumeRun()
    {
        if (RunDir is not null) throw new ArgumentException("--run-dir and --resume: give the run's folder once, with --resume");
        return TrainingRun.Resume(Resume!, saved =>
        {
            var settings = saved;
            foreach (var option in GivenOptions())
            {
                var changed = option.Apply(settings);
                if (changed.FieldsChangedFrom(settings).FirstOrDefault(field => !TrainSettings.MayChange(field)) is { } fixedField)
                    throw new ArgumentException($"--{option.Flag.Name} {settings.FieldJson(fixedField)} → {changed.FieldJson(fixedField)}: it cannot change when resuming, it is part of the run "
                        + $"(its config.json); only {ResumableFlags} may change");
                settings = changed;
            }
            return settings;
        });
    }

    /// <summary>The flags a resumed run may change, for the --resume help and its error: those whose field <see cref="TrainSettings.MayChangeOnResume"/> names.</summary>
    internal static string ResumableFlags =>
        string.Join(", ", Flags.Where(flag => TrainSettings.MayChange(flag.Field)).Select(flag => "--" + flag.Name));

    /// <summary>A flag given on the command line and the change it makes.</summary>
    internal sealed record GivenOption(TrainFlag Flag, Func<TrainSettings, TrainSettings> Apply);

    /// <summary>The options given on the command line, in <see cref="Flags"/> order.</summary>
    internal IEnumerable<GivenOption> GivenOptions()
    {
        if (Size is not null && Sizes is not null) throw new ArgumentException("--size and --sizes: give one board size or a curriculum, not both");
        foreach (var flag in Flags)
            if (flag.Given(this) is { } apply) yield return new GivenOption(flag, apply);
    }

    /// <summary>
    /// A flag: its name, the config.json field it sets (<see cref="TrainSettings.Path"/>), and the change it makes when
    /// given (null when it is not).
    /// </summary>
    internal sealed record TrainFlag(string Name, string Field, Func<TrainCommand, Func<TrainSettings, TrainSettings>?> Given);

    private static TrainFlag Flag<T>(string name, string field, Func<TrainCommand, T?> value, Func<TrainSettings, T, TrainSettings> apply) where T : struct =>
        new(name, field, command => value(command) is { } given ? settings => apply(settings, given) : null);

    private static TrainFlag Flag(string name, string field, Func<TrainCommand, string?> value, Func<TrainSettings, string, TrainSettings> apply) =>
        new(name, field, command => value(command) is { } given ? settings => apply(settings, given) : null);

    private static string Field(string record, string field) => TrainSettings.Path(record, field);

    /// <summary>Every flag that sets a training setting: the one place where flags map onto the settings records.</summary>
    internal static readonly TrainFlag[] Flags =
    [
        Flag("size", Field(nameof(TrainSettings.Run), nameof(RunSettings.Sizes)), c => c.Size, (s, v) => s with { Run = s.Run with { Sizes = [v] } }),
        Flag("sizes", Field(nameof(TrainSettings.Run), nameof(RunSettings.Sizes)), c => c.Sizes, (s, v) => s with { Run = s.Run with { Sizes = ParseSizes(v) } }),
        Flag("curriculum-steps", Field(nameof(TrainSettings.Run), nameof(RunSettings.CurriculumSteps)), c => c.CurriculumSteps, (s, v) => s with { Run = s.Run with { CurriculumSteps = v } }),
        Flag("komi", Field(nameof(TrainSettings.Run), nameof(RunSettings.Komi)), c => c.Komi, (s, v) => s with { Run = s.Run with { Komi = v } }),
        Flag("steps", Field(nameof(TrainSettings.Run), nameof(RunSettings.Steps)), c => c.Steps, (s, v) => s with { Run = s.Run with { Steps = v } }),
        Flag("minutes", Field(nameof(TrainSettings.Run), nameof(RunSettings.Minutes)), c => c.Minutes, (s, v) => s with { Run = s.Run with { Minutes = v } }),
        Flag("device", Field(nameof(TrainSettings.Run), nameof(RunSettings.Device)), c => c.Device, (s, v) => s with { Run = s.Run with { Device = v } }),
        Flag("seed", Field(nameof(TrainSettings.Run), nameof(RunSettings.Seed)), c => c.Seed, (s, v) => s with { Run = s.Run with { Seed = v } }),

        Flag("top-k", Field(nameof(TrainSettings.Search), nameof(SearchSettings.TopK)), c => c.TopK, (s, v) => s with { Search = s.Search with { TopK = v } }),
        Flag("playouts", Field(nameof(TrainSettings.Search), nameof(SearchSettings.Playouts)), c => c.Playouts, (s, v) => s with { Search = s.Search with { Playouts = v } }),
        Flag("write-playouts", Field(nameof(TrainSettings.Search), nameof(SearchSettings.WritePlayouts)), c => c.WritePlayouts, (s, v) => s with { Search = s.Search with { WritePlayouts = v } }),
        Flag("boards", Field(nameof(TrainSettings.Search), nameof(SearchSettings.Boards)), c => c.Boards, (s, v) => s with { Search = s.Search with { Boards = v } }),
        Flag("alpha", Field(nameof(TrainSettings.Search), nameof(SearchSettings.Alpha)), c => c.Alpha, (s, v) => s with { Search = s.Search with { Alpha = v } }),
        Flag("pass-last-resort", Field(nameof(TrainSettings.Search), nameof(SearchSettings.PassOnlyAsLastResort)), c => c.PassOnlyAsLastResort, (s, v) => s with { Search = s.Search with { PassOnlyAsLastResort = v } }),
        Flag("cap-unsearched", Field(nameof(TrainSettings.Search), nameof(SearchSettings.CapUnsearched)), c => c.CapUnsearched, (s, v) => s with { Search = s.Search with { CapUnsearched = v } }),

        Flag("games", Field(nameof(TrainSettings.SelfPlay), nameof(SelfPlaySettings.Games)), c => c.Games, (s, v) => s with { SelfPlay = s.SelfPlay with { Games = v } }),
        Flag("rollout-fraction", Field(nameof(TrainSettings.SelfPlay), nameof(SelfPlaySettings.RolloutFraction)), c => c.RolloutFraction, (s, v) => s with { SelfPlay = s.SelfPlay with { RolloutFraction = v } }),
        Flag("rollout-switch", Field(nameof(TrainSettings.SelfPlay), nameof(SelfPlaySettings.RolloutSwitchStep)), c => c.RolloutSwitch, (s, v) =>
        {
            var (step, fraction) = ParseRolloutSwitch(v);
            return s with { SelfPlay = s.SelfPlay with { RolloutSwitchStep = step, LaterRolloutFraction = fraction } };
        }),
        Flag("ground-replies", Field(nameof(TrainSettings.SelfPlay), nameof(SelfPlaySettings.GroundReplies)), c => c.GroundReplies, (s, v) => s with { SelfPlay = s.SelfPlay with { GroundReplies = v } }),
        Flag("ground-playouts", Field(nameof(TrainSettings.SelfPlay), nameof(SelfPlaySettings.GroundPlayouts)), c => c.GroundPlayouts, (s, v) => s with { SelfPlay = s.SelfPlay with { GroundPlayouts = v } }),
        Flag("gumbel", Field(nameof(TrainSettings.SelfPlay), nameof(SelfPlaySettings.Gumbel)), c => c.Gumbel, (s, v) => s with { SelfPlay = s.SelfPlay with { Gumbel = v } }),
        Flag("temperature", Field(nameof(TrainSettings.SelfPlay), nameof(SelfPlaySettings.Temperature)), c => c.Temperature, (s, v) => s with { SelfPlay = s.SelfPlay with { Temperature = v } }),
        Flag("temperature-moves", Field(nameof(TrainSettings.SelfPlay), nameof(SelfPlaySettings.TemperatureMoves)), c => c.TemperatureMoves, (s, v) => s with { SelfPlay = s.SelfPlay with { TemperatureMoves = v } }),

        Flag("layers", Field(nameof(TrainSettings.Model), nameof(ModelSettings.Layers)), c => c.Layers, (s, v) => s with { Model = s.Model with { Layers = v } }),
        Flag("channels", Field(nameof(TrainSettings.Model), nameof(ModelSettings.Channels)), c => c.Channels, (s, v) => s with { Model = s.Model with { Channels = v } }),
        Flag("heads", Field(nameof(TrainSettings.Model), nameof(ModelSettings.Heads)), c => c.Heads, (s, v) => s with { Model = s.Model with { Heads = v } }),
        Flag("geometric-points", Field(nameof(TrainSettings.Model), nameof(ModelSettings.GeometricPoints)), c => c.GeometricPoints, (s, v) => s with { Model = s.Model with { GeometricPoints = v } }),

        Flag("lr", Field(nameof(TrainSettings.Optimizer), nameof(OptimizerSettings.LearningRate)), c => c.LearningRate, (s, v) => s with { Optimizer = s.Optimizer with { LearningRate = v } }),
        Flag("warmup", Field(nameof(TrainSettings.Optimizer), nameof(OptimizerSettings.WarmupSteps)), c => c.Warmup, (s, v) => s with { Optimizer = s.Optimizer with { WarmupSteps = v } }),
        Flag("decay-steps", Field(nameof(TrainSettings.Optimizer), nameof(OptimizerSettings.DecaySteps)), c => c.DecaySteps, (s, v) => s with { Optimizer = s.Optimizer with { DecaySteps = v } }),
        Flag("weight-decay", Field(nameof(TrainSettings.Optimizer), nameof(OptimizerSettings.WeightDecay)), c => c.WeightDecay, (s, v) => s with { Optimizer = s.Optimizer with { WeightDecay = v } }),
        Flag("clip", Field(nameof(TrainSettings.Optimizer), nameof(OptimizerSettings.Clip)), c => c.Clip, (s, v) => s with { Optimizer = s.Optimizer with { Clip = v } }),

        Flag("w-improved", Field(nameof(TrainSettings.Losses), nameof(LossSettings.WeightImproved)), c => c.WeightImproved, (s, v) => s with { Losses = s.Losses with { WeightImproved = v } }),
        Flag("w-prior", Field(nameof(TrainSettings.Losses), nameof(LossSettings.WeightPrior)), c => c.WeightPrior, (s, v) => s with { Losses = s.Losses with { WeightPrior = v } }),
        Flag("w-imagined", Field(nameof(TrainSettings.Losses), nameof(LossSettings.WeightImagined)), c => c.WeightImagined, (s, v) => s with { Losses = s.Losses with { WeightImagined = v } }),
        Flag("w-result", Field(nameof(TrainSettings.Losses), nameof(LossSettings.WeightResult)), c => c.WeightResult, (s, v) => s with { Losses = s.Losses with { WeightResult = v } }),
        Flag("w-child", Field(nameof(TrainSettings.Losses), nameof(LossSettings.WeightChild)), c => c.WeightChild, (s, v) => s with { Losses = s.Losses with { WeightChild = v } }),
        Flag("lambda", Field(nameof(TrainSettings.Losses), nameof(LossSettings.Lambda)), c => c.Lambda, (s, v) => s with { Losses = s.Losses with { Lambda = v } }),
        Flag("outcome-blend", Field(nameof(TrainSettings.Losses), nameof(LossSettings.OutcomeBlend)), c => c.OutcomeBlend, (s, v) => s with { Losses = s.Losses with { OutcomeBlend = v } }),
        Flag("learn-unsearched", Field(nameof(TrainSettings.Losses), nameof(LossSettings.LearnUnsearched)), c => c.LearnUnsearched, (s, v) => s with { Losses = s.Losses with { LearnUnsearched = v } }),
        Flag("replay", Field(nameof(TrainSettings.Losses), nameof(LossSettings.Replay)), c => c.Replay, (s, v) => s with { Losses = s.Losses with { Replay = v } }),
        Flag("replay-samples", Field(nameof(TrainSettings.Losses), nameof(LossSettings.ReplaySamples)), c => c.ReplaySamples, (s, v) => s with { Losses = s.Losses with { ReplaySamples = v } }),

        Flag("eval-every", Field(nameof(TrainSettings.Evaluation), nameof(EvaluationSettings.Every)), c => c.EvalEvery, (s, v) => s with { Evaluation = s.Evaluation with { Every = v } }),
        Flag("eval-games", Field(nameof(TrainSettings.Evaluation), nameof(EvaluationSettings.Games)), c => c.EvalGames, (s, v) => s with { Evaluation = s.Evaluation with { Games = v } }),
        Flag("eval-players", Field(nameof(TrainSettings.Evaluation), nameof(EvaluationSettings.Players)), c => c.EvalPlayers, (s, v) => s with { Evaluation = s.Evaluation with { Players = List(v) } }),
        Flag("eval-opponents", Field(nameof(TrainSettings.Evaluation), nameof(EvaluationSettings.Opponents)), c => c.EvalOpponents, (s, v) => s with { Evaluation = s.Evaluation with { Opponents = List(v) } }),

        Flag("checkpoint-every", Field(nameof(TrainSettings.Cadence), nameof(CadenceSettings.CheckpointEvery)), c => c.CheckpointEvery, (s, v) => s with { Cadence = s.Cadence with { CheckpointEvery = v } }),
        Flag("keep-checkpoints", Field(nameof(TrainSettings.Cadence), nameof(CadenceSettings.KeepCheckpoints)), c => c.KeepCheckpoints, (s, v) => s with { Cadence = s.Cadence with { KeepCheckpoints = v } }),
        Flag("profile-every", Field(nameof(TrainSettings.Cadence), nameof(CadenceSettings.ProfileEvery)), c => c.ProfileEvery, (s, v) => s with { Cadence = s.Cadence with { ProfileEvery = v } }),
        Flag("progress-seconds", Field(nameof(TrainSettings.Cadence), nameof(CadenceSettings.ProgressSeconds)), c => c.ProgressSeconds, (s, v) => s with { Cadence = s.Cadence with { ProgressSeconds = v } }),
    ];

    private static string StopDescription(RunSettings settings) => (settings.Steps, settings.Minutes) switch
    {
        ({ } steps, { } minutes) => string.Create(CultureInfo.InvariantCulture, $"at step {steps} or after {minutes} minutes"),
        ({ } steps, null) => string.Create(CultureInfo.InvariantCulture, $"at step {steps}"),
        (null, { } minutes) => string.Create(CultureInfo.InvariantCulture, $"after {minutes} minutes"),
        _ => "only when interrupted",
    };

    private static string[] List(string text) => text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    private static (int Step, double Fraction) ParseRolloutSwitch(string text)
    {
        var parts = text.Split(':', StringSplitOptions.TrimEntries);
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var step) || step < 1
            || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var fraction))
            throw new ArgumentException($"--rollout-switch '{text}': write STEP:FRACTION, a step of at least 1 and a rollout fraction, e.g. 2000:0.5");
        return (step, fraction);
    }

    private static int[] ParseSizes(string text)
    {
        var words = text.Split(',', StringSplitOptions.TrimEntries);
        var sizes = new int[words.Length];
        for (var i = 0; i < words.Length; i++)
            if (!int.TryParse(words[i], NumberStyles.None, CultureInfo.InvariantCulture, out sizes[i]))
                throw new ArgumentException($"--sizes '{text}': '{words[i]}' is not a board size; write sizes separated by commas, e.g. 5,7");
        return sizes;
    }
}

/// <summary>Help texts computed at run time (CommandLineParser reads them by name from a public type).</summary>
public static class TrainHelpTexts
{
    public static string Resume =>
        $"Continue the run in this folder from its newest checkpoint with its saved settings; only {TrainCommand.ResumableFlags} may change.";
}
