using System.Globalization;
using System.Runtime.InteropServices;
using CommandLine;
using GoSeqZero.Trainer.Search;
using GoSeqZero.Trainer.Training;
using GoSeqZero.Transformer.Checkpoints;

namespace GoSeqZero.Trainer.Cli;

/// <summary>
/// Runs expert iteration with dynamic evaluation (DESIGN.md §4) until a bound or Ctrl-C. Every option is optional:
/// a flag not given takes the <see cref="TrainSettings"/> default on a new run, and the saved value on --resume,
/// where a flag that would change the run itself is refused.
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

    [Option("rollout-fraction", HelpText = "Share of search steps written as rollout steps (default 1: on 5×5 the rollouts' grounded targets taught more in the same steps than any mix with tree steps; 0 writes only tree steps).")]
    public double? RolloutFraction { get; set; }

    [Option("rollout-switch", HelpText = "STEP:FRACTION: from that step on, FRACTION replaces --rollout-fraction, e.g. 2000:0.5 brings tree steps in once rollouts have grounded the values (default: no switch).")]
    public string? RolloutSwitch { get; set; }

    [Option("playouts", HelpText = "Random playouts per searched move in a rollout step: the first is written into the sequence with its result, then the mean of all as a value token; that mean is the move's backup (the target), and what the search player reads (default 16; 1 writes no mean).")]
    public int? Playouts { get; set; }

    [Option("write-playouts", HelpText = "Write the first playout's moves into each rollout block: true or false (default true; false writes ROLLOUT m RESULT outcome mean, five tokens, so a wide --top-k fits the context, e.g. --top-k 24 --playouts 128 on 7×7).")]
    public bool? WritePlayouts { get; set; }

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

    [Option("cap-unsearched", HelpText = "Cap the improved value of each move the search did not expand at the best expanded move's, so the IMPROVED row's best move is one the search looked at: true or false (default true; false keeps their prior as DESIGN.md §3 first wrote it).")]
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

    [Option("eval-players", HelpText = "The checkpoint's players evaluated, comma-separated: prior (its root estimates), search (its own IMPROVED row), backup (the computed backup) (default prior,search: the issue's pair, and with rollout steps only the prior is the stronger).")]
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

    [Option("resume", HelpText = "Continue the run in this folder from its newest checkpoint with its saved settings; only --steps, --minutes, --device, --checkpoint-every, --keep-checkpoints, --eval-every, --eval-games, --profile-every and --progress-seconds may change.")]
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
                $"train: {string.Join(",", settings.Sizes.Select(s => $"{s}x{s}"))}, {settings.Games} games in parallel, top-k {settings.TopK}, {settings.Boards.ToString().ToLowerInvariant()} boards, seed {settings.Seed}; "
                + $"stops {StopDescription(settings)} (Ctrl-C stops after the current step and saves)"));
            var progress = new TrainingProgress(errors, interactive, TimeSpan.FromSeconds(settings.ProgressSeconds), settings.Steps, settings.Minutes);
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
        var settings = new TrainSettings { Seed = Seed ?? Random.Shared.Next() };
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
                if (!TrainSettings.MayChangeOnResume.Contains(option.Field) && !changed.SameAs(settings))
                    throw new ArgumentException($"{option.Flag} {settings.FieldJson(option.Field)} → {changed.FieldJson(option.Field)}: it cannot change when resuming, it is part of the run "
                        + "(its config.json); only --steps, --minutes, --device, --checkpoint-every, --keep-checkpoints, --eval-every, --eval-games, --profile-every and --progress-seconds may change");
                settings = changed;
            }
            return settings;
        });
    }

    /// <summary>The options given on the command line: the flag, the settings field it sets, and how.</summary>
    internal IEnumerable<(string Flag, string Field, Func<TrainSettings, TrainSettings> Apply)> GivenOptions()
    {
        if (Size is not null && Sizes is not null) throw new ArgumentException("--size and --sizes: give one board size or a curriculum, not both");
        if (Size is { } size) yield return ("--size", nameof(TrainSettings.Sizes), s => s with { Sizes = [size] });
        if (Sizes is { } sizes) yield return ("--sizes", nameof(TrainSettings.Sizes), s => s with { Sizes = ParseSizes(sizes) });
        if (CurriculumSteps is { } curriculum) yield return ("--curriculum-steps", nameof(TrainSettings.CurriculumSteps), s => s with { CurriculumSteps = curriculum });
        if (Games is { } games) yield return ("--games", nameof(TrainSettings.Games), s => s with { Games = games });
        if (Playouts is { } playouts) yield return ("--playouts", nameof(TrainSettings.Playouts), s => s with { Playouts = playouts });
        if (WritePlayouts is { } writePlayouts) yield return ("--write-playouts", nameof(TrainSettings.WritePlayouts), s => s with { WritePlayouts = writePlayouts });
        if (TopK is { } topK) yield return ("--top-k", nameof(TrainSettings.TopK), s => s with { TopK = topK });
        if (RolloutFraction is { } rollouts) yield return ("--rollout-fraction", nameof(TrainSettings.RolloutFraction), s => s with { RolloutFraction = rollouts });
        if (RolloutSwitch is { } rolloutSwitch)
        {
            var (step, fraction) = ParseRolloutSwitch(rolloutSwitch);
            yield return ("--rollout-switch", nameof(TrainSettings.RolloutSwitchStep), s => s with { RolloutSwitchStep = step, LaterRolloutFraction = fraction });
        }
        if (Boards is { } boards) yield return ("--boards", nameof(TrainSettings.Boards), s => s with { Boards = boards });
        if (Gumbel is { } gumbel) yield return ("--gumbel", nameof(TrainSettings.Gumbel), s => s with { Gumbel = gumbel });
        if (LearnUnsearched is { } learnUnsearched) yield return ("--learn-unsearched", nameof(TrainSettings.LearnUnsearched), s => s with { LearnUnsearched = learnUnsearched });
        if (PassOnlyAsLastResort is { } lastResort) yield return ("--pass-last-resort", nameof(TrainSettings.PassOnlyAsLastResort), s => s with { PassOnlyAsLastResort = lastResort });
        if (CapUnsearched is { } cap) yield return ("--cap-unsearched", nameof(TrainSettings.CapUnsearched), s => s with { CapUnsearched = cap });
        if (Alpha is { } alpha) yield return ("--alpha", nameof(TrainSettings.Alpha), s => s with { Alpha = alpha });
        if (Komi is { } komi) yield return ("--komi", nameof(TrainSettings.Komi), s => s with { Komi = komi });
        if (Layers is { } layers) yield return ("--layers", nameof(TrainSettings.Layers), s => s with { Layers = layers });
        if (Channels is { } channels) yield return ("--channels", nameof(TrainSettings.Channels), s => s with { Channels = channels });
        if (Heads is { } heads) yield return ("--heads", nameof(TrainSettings.Heads), s => s with { Heads = heads });
        if (GeometricPoints is { } geometric) yield return ("--geometric-points", nameof(TrainSettings.GeometricPoints), s => s with { GeometricPoints = geometric });
        if (LearningRate is { } learningRate) yield return ("--lr", nameof(TrainSettings.LearningRate), s => s with { LearningRate = learningRate });
        if (DecaySteps is { } decaySteps) yield return ("--decay-steps", nameof(TrainSettings.DecaySteps), s => s with { DecaySteps = decaySteps });
        if (Warmup is { } warmup) yield return ("--warmup", nameof(TrainSettings.WarmupSteps), s => s with { WarmupSteps = warmup });
        if (WeightDecay is { } weightDecay) yield return ("--weight-decay", nameof(TrainSettings.WeightDecay), s => s with { WeightDecay = weightDecay });
        if (Clip is { } clip) yield return ("--clip", nameof(TrainSettings.Clip), s => s with { Clip = clip });
        if (Lambda is { } lambda) yield return ("--lambda", nameof(TrainSettings.Lambda), s => s with { Lambda = lambda });
        if (OutcomeBlend is { } blend) yield return ("--outcome-blend", nameof(TrainSettings.OutcomeBlend), s => s with { OutcomeBlend = blend });
        if (Replay is { } replay) yield return ("--replay", nameof(TrainSettings.Replay), s => s with { Replay = replay });
        if (ReplaySamples is { } replaySamples) yield return ("--replay-samples", nameof(TrainSettings.ReplaySamples), s => s with { ReplaySamples = replaySamples });
        if (WeightImproved is { } improved) yield return ("--w-improved", nameof(TrainSettings.WeightImproved), s => s with { WeightImproved = improved });
        if (WeightPrior is { } prior) yield return ("--w-prior", nameof(TrainSettings.WeightPrior), s => s with { WeightPrior = prior });
        if (WeightImagined is { } imagined) yield return ("--w-imagined", nameof(TrainSettings.WeightImagined), s => s with { WeightImagined = imagined });
        if (WeightResult is { } result) yield return ("--w-result", nameof(TrainSettings.WeightResult), s => s with { WeightResult = result });
        if (WeightChild is { } child) yield return ("--w-child", nameof(TrainSettings.WeightChild), s => s with { WeightChild = child });
        if (Temperature is { } temperature) yield return ("--temperature", nameof(TrainSettings.Temperature), s => s with { Temperature = temperature });
        if (TemperatureMoves is { } temperatureMoves) yield return ("--temperature-moves", nameof(TrainSettings.TemperatureMoves), s => s with { TemperatureMoves = temperatureMoves });
        if (Steps is { } steps) yield return ("--steps", nameof(TrainSettings.Steps), s => s with { Steps = steps });
        if (Minutes is { } minutes) yield return ("--minutes", nameof(TrainSettings.Minutes), s => s with { Minutes = minutes });
        if (CheckpointEvery is { } checkpointEvery) yield return ("--checkpoint-every", nameof(TrainSettings.CheckpointEvery), s => s with { CheckpointEvery = checkpointEvery });
        if (KeepCheckpoints is { } keep) yield return ("--keep-checkpoints", nameof(TrainSettings.KeepCheckpoints), s => s with { KeepCheckpoints = keep });
        if (EvalEvery is { } evalEvery) yield return ("--eval-every", nameof(TrainSettings.EvalEvery), s => s with { EvalEvery = evalEvery });
        if (ProfileEvery is { } profileEvery) yield return ("--profile-every", nameof(TrainSettings.ProfileEvery), s => s with { ProfileEvery = profileEvery });
        if (EvalPlayers is { } evalPlayers) yield return ("--eval-players", nameof(TrainSettings.EvalPlayers), s => s with { EvalPlayers = List(evalPlayers) });
        if (EvalOpponents is { } evalOpponents) yield return ("--eval-opponents", nameof(TrainSettings.EvalOpponents), s => s with { EvalOpponents = List(evalOpponents) });
        if (EvalGames is { } evalGames) yield return ("--eval-games", nameof(TrainSettings.EvalGames), s => s with { EvalGames = evalGames });
        if (Device is { } device) yield return ("--device", nameof(TrainSettings.Device), s => s with { Device = device });
        if (Seed is { } seed) yield return ("--seed", nameof(TrainSettings.Seed), s => s with { Seed = seed });
        if (ProgressSeconds is { } progressSeconds) yield return ("--progress-seconds", nameof(TrainSettings.ProgressSeconds), s => s with { ProgressSeconds = progressSeconds });
    }

    private static string StopDescription(TrainSettings settings) => (settings.Steps, settings.Minutes) switch
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
