using System.Globalization;
using System.Text.Json.Nodes;
using GoSeqZero.Go;
using GoSeqZero.Go.Gtp;
using GoSeqZero.Go.Players;
using GoSeqZero.Kernels;
using GoSeqZero.Trainer.Players;
using GoSeqZero.Trainer.Training;

namespace GoSeqZero.Trainer.Evaluation;

/// <summary>One evaluation match: a player of the checkpoint under test (program A) against an opponent.</summary>
internal sealed record EvaluationMatch(string Player, string Opponent, int Games, double Score, Estimate Estimate, string Folder)
{
    public JsonObject ToJson() => new()
    {
        ["player"] = Player,
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

/// <summary>The evaluation at one step: its matches, and the Elo ladder refitted over every evaluation game of the run so far.</summary>
internal sealed record EvaluationResult(long Step, int BoardSize, IReadOnlyList<EvaluationMatch> Matches, LadderRatings? Ladder, IReadOnlyList<string> Skipped)
{
    public JsonObject ToJson()
    {
        var json = new JsonObject
        {
            ["step"] = Step,
            ["size"] = BoardSize,
            ["summary"] = Summary(),
            ["matches"] = new JsonArray([.. Matches.Select(m => (JsonNode)m.ToJson())]),
        };
        if (Ladder is { } ladder)
            json["ladder"] = new JsonObject
            {
                ["anchor"] = ladder.Anchor.Player,
                ["games"] = ladder.GamesUsed,
                ["ratings"] = new JsonArray([.. ladder.Players.Select(p => (JsonNode)new JsonObject
                {
                    ["player"] = p.Player,
                    ["games"] = p.Games,
                    ["rating"] = Math.Round(p.Rating, 1),
                    ["low"] = Math.Round(p.Rating - p.Interval95, 1),
                    ["high"] = Math.Round(p.Rating + p.Interval95, 1),
                })]),
            };
        if (Skipped.Count > 0) json["skipped"] = new JsonArray([.. Skipped.Select(s => (JsonNode)s)]);
        return json;
    }

    /// <summary>Short form for the progress line, each player named: "@200: prior vs random 70%, search vs random 95%, search Elo 310".</summary>
    public string Summary()
    {
        var culture = CultureInfo.InvariantCulture;
        var parts = Matches.Select(m => string.Create(culture, $"{m.Player} vs {m.Opponent} {m.Estimate.WinRate * 100:0}%"));
        var summary = $"@{Step}: {string.Join(", ", parts)}";
        var self = PeriodicEvaluation.LadderName(Step, PeriodicEvaluation.MainPlayer);
        if (Ladder?.Players.FirstOrDefault(p => p.Player == self) is { } rating)
            summary += string.Create(culture, $", {PeriodicEvaluation.MainPlayer} Elo {rating.Rating:0}");
        return summary;
    }
}

/// <summary>
/// The trainer's evaluation: every <c>--eval-every</c> steps, each of the checkpoint's
/// <c>--eval-players</c> (<c>model:CHECKPOINT:search</c> by default) plays <c>--eval-games</c> games against each of the
/// <c>--eval-opponents</c>, through <see cref="MatchRunner"/> with alternating colours; SGFs and results.json stay
/// under <c>evaluations/step-NNNNNN/</c>. Then one maximum-likelihood Elo fit over every evaluation game of the run,
/// anchored at random = 0, rates every checkpoint evaluated so far. The checkpoints' players search as their
/// checkpoint says (its player_search) and run on the SIMD CPU path whatever the trainer's device, so that no game
/// opens a GPU context of its own. <paramref name="komi"/> and <paramref name="seed"/> are the run's.
/// </summary>
internal sealed class PeriodicEvaluation(EvaluationSettings settings, double komi, int seed, RunDirectory run)
{
    /// <summary>The player that the progress line and the checkpoint's ladder name stand for.</summary>
    public const string MainPlayer = "search";

    /// <summary>Random moves that open each game between two model players (the same opening for both colours).</summary>
    public const int OpeningMovesBetweenModels = 4;

    /// <summary>Opponent names besides player specs: the untrained step-0 checkpoint and the one evaluated before.</summary>
    public const string First = "first", Previous = "previous";

    /// <summary>Plays the matches of step <paramref name="step"/> on the board size then in play.</summary>
    public EvaluationResult Evaluate(long step, int size, Action<string>? log = null)
    {
        var checkpoint = run.CheckpointPath(step);
        var folder = Path.Combine(run.EvaluationsPath, RunDirectory.CheckpointName(step));
        // A run resumed from an earlier checkpoint replays this step: its earlier evaluation belonged to the abandoned steps.
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        var matches = new List<EvaluationMatch>();
        var skipped = new List<string>();
        var opponents = Opponents(step, skipped);
        foreach (var player in settings.Players)
            foreach (var (name, spec) in opponents)
            {
                log?.Invoke($"  {player} vs {name}: {settings.Games} games");
                matches.Add(Play(step, size, ModelSpec(checkpoint, player), player, spec, name, Path.Combine(folder, $"{player}-vs-{name.Replace(':', '-')}")));
            }
        return new EvaluationResult(step, size, matches, FitLadder(), skipped);
    }

    /// <summary>The ladder's name of a checkpoint's player: "step-000200" for the search player, "step-000200:prior" for the others.</summary>
    public static string LadderName(long step, string player) =>
        RunDirectory.CheckpointName(step) + (player == MainPlayer ? "" : ":" + player);

    private List<(string Name, string Spec)> Opponents(long step, List<string> skipped)
    {
        var opponents = new List<(string, string)>();
        foreach (var opponent in settings.Opponents)
        {
            if (opponent is First or Previous)
            {
                var earlier = opponent == First ? 0 : step - settings.Every;
                var path = run.CheckpointPath(earlier);
                if (earlier < 0 || earlier >= step || !RunDirectory.IsComplete(path))
                {
                    skipped.Add($"{opponent}: no complete checkpoint at step {earlier}");
                    continue;
                }
                var name = RunDirectory.CheckpointName(earlier);
                if (opponents.Any(o => o.Item1 == name)) continue; // "previous" is "first" at the first evaluation
                opponents.Add((name, ModelSpec(path, MainPlayer)));
                continue;
            }
            if (PlayerSpec.Normalize(opponent).StartsWith("gnugo", StringComparison.Ordinal) && !File.Exists(GnuGo.ExecutablePath))
            {
                skipped.Add($"{opponent}: GNU Go is not installed at {GnuGo.ExecutablePath}");
                continue;
            }
            opponents.Add((PlayerSpec.Normalize(opponent), opponent));
        }
        return opponents;
    }

    private EvaluationMatch Play(long step, int size, string playerSpec, string player, string opponentSpec, string opponentName, string folder)
    {
        var match = new MatchSettings(playerSpec, opponentSpec, settings.Games, size, komi,
            // uct uses every core itself; the model players and GNU Go use one each.
            Parallel: PlayerSpec.UsesAllCores(opponentSpec) ? 1 : Math.Max(1, Math.Min(settings.Games, Environment.ProcessorCount)), folder,
            MoveTimeLimit: TimeSpan.FromMinutes(5), MoveCap: Board.DefaultMoveCap(size),
            Seed: (int)(FastRandom.Mix((ulong)seed * 31 + (ulong)step) & int.MaxValue),
            // Two checkpoints' players are deterministic: random openings make their games differ.
            OpeningMoves: opponentSpec.StartsWith("model:", StringComparison.Ordinal) ? OpeningMovesBetweenModels : 0);
        IPlayer Create(string spec, int seed, TimeSpan commandTimeout)
        {
            if (SplitModelSpec(spec) is not { } model) return PlayerSpec.Create(spec, seed, commandTimeout);
            return ModelPlayer.Load(model.Directory, Enum.Parse<ModelPlayerKind>(model.Kind, ignoreCase: true), DeviceKind.Cpu);
        }
        var results = new MatchRunner(match, Create, TextWriter.Null).Run();
        var first = MatchSummary.Summarize(results)[0];
        return new EvaluationMatch(player, opponentName, first.Games, first.Score, first.Estimate, Path.GetRelativePath(run.Path, folder));
    }

    /// <summary>One Elo fit over every evaluation game in the run folder, checkpoints named by step; null when there are no games.</summary>
    private LadderRatings? FitLadder()
    {
        if (!Directory.Exists(run.EvaluationsPath)) return null;
        var outcomes = ResultFiles.Find([run.EvaluationsPath])
            .SelectMany(file => ResultFiles.Outcomes(MatchResults.Read(file)))
            .Select(game => game with { First = LadderName(game.First), Second = LadderName(game.Second) })
            .ToArray();
        if (outcomes.Length == 0) return null;
        var players = outcomes.SelectMany(g => new[] { g.First, g.Second }).ToHashSet();
        var anchor = players.Contains("random") ? new Anchor("random", 0) : new Anchor(players.Min(StringComparer.Ordinal)!, 0);
        return Ladder.Fit(outcomes, anchor);
    }

    /// <summary>A model spec of this run's checkpoints as its ladder name; other specs as they are.</summary>
    private string LadderName(string spec)
    {
        if (SplitModelSpec(spec) is not { } model) return spec;
        var (directory, kind) = model;
        var name = Path.GetFileName(directory);
        var isOurs = Path.GetFullPath(Path.GetDirectoryName(directory) ?? "") == Path.GetFullPath(run.CheckpointsPath);
        if (!isOurs || !name.StartsWith("step-", StringComparison.Ordinal)) return spec;
        return name + (kind == MainPlayer ? "" : ":" + kind);
    }

    private static string ModelSpec(string checkpoint, string player) => $"model:{checkpoint}:{player}";

    /// <summary>The checkpoint folder and player kind of a spec that <see cref="ModelSpec"/> wrote; null for other players.</summary>
    private static (string Directory, string Kind)? SplitModelSpec(string spec)
    {
        const string prefix = "model:";
        var separator = spec.LastIndexOf(':');
        if (!spec.StartsWith(prefix, StringComparison.Ordinal) || separator < prefix.Length) return null;
        return (spec[prefix.Length..separator], spec[(separator + 1)..]);
    }
}
