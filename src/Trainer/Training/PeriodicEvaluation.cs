using System.Globalization;
using System.Text.Json.Nodes;
using GoSeqZero.Go;
using GoSeqZero.Go.Players;
using GoSeqZero.Kernels;
using GoSeqZero.Trainer.Evaluation;
using GoSeqZero.Trainer.Players;
using GoSeqZero.Trainer.Search;
using GoSeqZero.Trainer.Sequences;

namespace GoSeqZero.Trainer.Training;

/// <summary>One evaluation match of the checkpoint under test (program A) against an opponent.</summary>
internal sealed record EvaluationMatch(string Opponent, int Games, double Score, Estimate Estimate, string Folder)
{
    public JsonObject ToJson() => new()
    {
        ["opponent"] = Opponent,
        ["games"] = Games,
        ["score"] = Score,
        ["win_rate"] = Math.Round(Estimate.WinRate, 4),
        ["win_rate_low"] = Math.Round(Estimate.WinRateLow, 4),
        ["win_rate_high"] = Math.Round(Estimate.WinRateHigh, 4),
        ["elo"] = double.IsFinite(Estimate.Elo) ? Math.Round(Estimate.Elo, 1) : null,
        ["folder"] = Folder,
    };
}

/// <summary>The evaluation at one step: the search player of that step's checkpoint against random and against the checkpoint evaluated before it.</summary>
internal sealed record EvaluationResult(long Step, int BoardSize, EvaluationMatch VersusRandom, EvaluationMatch? VersusPrevious)
{
    public JsonObject ToJson()
    {
        var json = new JsonObject { ["step"] = Step, ["size"] = BoardSize, ["summary"] = Summary(), ["vs_random"] = VersusRandom.ToJson() };
        if (VersusPrevious is not null) json["vs_previous"] = VersusPrevious.ToJson();
        return json;
    }

    /// <summary>Short form for the progress line: "vs random 80%, vs step-000050 55%".</summary>
    public string Summary()
    {
        var culture = CultureInfo.InvariantCulture;
        var summary = string.Create(culture, $"@{Step}: vs random {VersusRandom.Estimate.WinRate * 100:0}%");
        return VersusPrevious is { } previous ? summary + string.Create(culture, $", vs {previous.Opponent} {previous.Estimate.WinRate * 100:0}%") : summary;
    }
}

/// <summary>
/// The trainer's evaluation hook (DESIGN.md §4 step 6), a simple version: N games of
/// <c>model:CHECKPOINT:search</c> against <c>random</c> and against the checkpoint evaluated before (the one
/// <c>--eval-every</c> steps earlier), played through <see cref="MatchRunner"/> with alternating colours; the SGFs and
/// results.json stay under <c>evaluations/step-NNNNNN/</c>. The model players run on the SIMD CPU path whatever the
/// trainer's device, so that no game opens a GPU context of its own.
/// </summary>
internal sealed class PeriodicEvaluation(TrainSettings settings, RunDirectory run)
{
    /// <summary>Plays the matches of step <paramref name="step"/> on the board size then in play.</summary>
    public EvaluationResult Evaluate(long step, int size)
    {
        var checkpoint = run.CheckpointPath(step);
        var folder = Path.Combine(run.EvaluationsPath, RunDirectory.CheckpointName(step));
        // A run resumed from an earlier checkpoint replays this step: its earlier evaluation belonged to the abandoned steps.
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        var versusRandom = Play(step, size, checkpoint, "random", "random", Path.Combine(folder, "vs-random"));
        EvaluationMatch? versusPrevious = null;
        var previousStep = step - settings.EvalEvery;
        var previous = run.CheckpointPath(previousStep);
        if (previousStep > 0 && RunDirectory.IsComplete(previous))
        {
            var name = RunDirectory.CheckpointName(previousStep);
            versusPrevious = Play(step, size, checkpoint, ModelSpec(previous), name, Path.Combine(folder, "vs-" + name));
        }
        return new EvaluationResult(step, size, versusRandom, versusPrevious);
    }

    private EvaluationMatch Play(long step, int size, string checkpoint, string opponentSpec, string opponentName, string folder)
    {
        var search = settings.SearchFor(size, SearchMode.Tree);
        var match = new MatchSettings(ModelSpec(checkpoint), opponentSpec, settings.EvalGames, size, settings.Komi,
            Parallel: Math.Max(1, Math.Min(settings.EvalGames, Environment.ProcessorCount)), folder,
            MoveTimeLimit: TimeSpan.FromMinutes(5), MoveCap: Board.DefaultMoveCap(size),
            Seed: (int)(FastRandom.Mix((ulong)settings.Seed * 31 + (ulong)step) & int.MaxValue));
        IPlayer Create(string spec, int seed, TimeSpan commandTimeout)
        {
            if (!spec.StartsWith("model:", StringComparison.Ordinal)) return PlayerSpec.Create(spec, seed, commandTimeout);
            var directory = spec["model:".Length..spec.LastIndexOf(':')];
            return ModelPlayer.Load(directory, ModelPlayerKind.Search, DeviceKind.Cpu, search);
        }
        var results = new MatchRunner(match, Create, TextWriter.Null).Run();
        var first = MatchSummary.Summarize(results)[0];
        return new EvaluationMatch(opponentName, first.Games, first.Score, first.Estimate, Path.GetRelativePath(run.Path, folder));
    }

    private static string ModelSpec(string checkpoint) => $"model:{checkpoint}:search";
}
