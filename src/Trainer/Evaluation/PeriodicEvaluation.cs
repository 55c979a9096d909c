using System.Globalization;
using System.Text.Json.Nodes;
using GoSeqZero.Go;
using GoSeqZero.Go.Gtp;
using GoSeqZero.Go.Players;
using GoSeqZero.Kernels;
using GoSeqZero.Trainer.Players;
using GoSeqZero.Trainer.Sequences;
using GoSeqZero.Trainer.Training;

namespace GoSeqZero.Trainer.Evaluation;

/// <summary>
/// One evaluation match: a player of the checkpoint under test (program A) against an opponent, each with what did the
/// work behind its moves (null when it never started).
/// </summary>
internal sealed record EvaluationMatch(string Player, string Opponent, int Games, double Score, Estimate Estimate, string Folder,
    ProgramKind? PlayerKind = null, ProgramKind? OpponentKind = null)
{
    public JsonObject ToJson() => new()
    {
        ["player"] = Player,
        ["player_kind"] = PlayerKind?.Kind.Label(),
        ["player_playouts_per_move"] = PlayerKind?.Playouts?.PerMove,
        ["opponent"] = Opponent,
        ["opponent_kind"] = OpponentKind?.Kind.Label(),
        ["games"] = Games,
        ["score"] = Score,
        ["win_rate"] = Math.Round(Estimate.WinRate, 4),
        ["win_rate_low"] = Math.Round(Estimate.WinRateLow, 4),
        ["win_rate_high"] = Math.Round(Estimate.WinRateHigh, 4),
        ["elo"] = double.IsFinite(Estimate.Elo) ? Math.Round(Estimate.Elo, 1) : null,
        ["folder"] = Folder,
    };

    /// <summary>The player with its kind, "search[assisted]"; the name alone when the kind is unknown.</summary>
    public string TaggedPlayer => PlayerKind is { } kind ? $"{Player}[{kind.Kind.Label()}]" : Player;
}

/// <summary>
/// The evaluation at one step: its matches, and the Elo ladder refitted over every evaluation game of the run so far
/// with the kind of each player rated (where its results recorded one).
/// </summary>
internal sealed record EvaluationResult(long Step, int BoardSize, IReadOnlyList<EvaluationMatch> Matches, LadderRatings? Ladder, IReadOnlyList<string> Skipped,
    IReadOnlyDictionary<string, PlayerKind>? LadderKinds = null)
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
                    ["kind"] = LadderKinds is not null && LadderKinds.TryGetValue(p.Player, out var kind) ? kind.Label() : null,
                    ["games"] = p.Games,
                    ["rating"] = Math.Round(p.Rating, 1),
                    ["low"] = Math.Round(p.Rating - p.Interval95, 1),
                    ["high"] = Math.Round(p.Rating + p.Interval95, 1),
                })]),
            };
        if (Skipped.Count > 0) json["skipped"] = new JsonArray([.. Skipped.Select(s => (JsonNode)s)]);
        return json;
    }

    /// <summary>
    /// Short form for the progress line, each player named with its kind and its opponents after it:
    /// "@200: prior[model-only] vs random 70%, step-000000 60%; search[assisted] vs random 95%, step-000000 100%, Elo 310".
    /// </summary>
    public string Summary()
    {
        var culture = CultureInfo.InvariantCulture;
        var self = PeriodicEvaluation.LadderName(Step, PeriodicEvaluation.MainPlayer);
        var mainRating = Ladder?.Players.FirstOrDefault(p => p.Player == self);
        var groups = Matches.GroupBy(m => m.Player).Select(group =>
        {
            var text = $"{group.First().TaggedPlayer} vs " + string.Join(", ", group.Select(m => string.Create(culture, $"{m.Opponent} {m.Estimate.WinRate * 100:0}%")));
            return group.Key == PeriodicEvaluation.MainPlayer && mainRating is { } rating ? text + string.Create(culture, $", Elo {rating.Rating:0}") : text;
        }).ToList();
        if (mainRating is { } rating && Matches.All(m => m.Player != PeriodicEvaluation.MainPlayer))
            groups.Add(string.Create(culture, $"{PeriodicEvaluation.MainPlayer} Elo {rating.Rating:0}"));
        return $"@{Step}: {string.Join("; ", groups)}";
    }
}

/// <summary>
/// The trainer's evaluation: every <c>--eval-every</c> steps, each of the checkpoint's <c>--eval-players</c>
/// (<see cref="Players"/>; prior and search by default) plays <c>--eval-games</c> games against each of the
/// <c>--eval-opponents</c>, through <see cref="MatchRunner"/> with alternating colours; SGFs and results.json stay
/// under <c>evaluations/step-NNNNNN/</c>. Then one maximum-likelihood Elo fit over every evaluation game of the run,
/// anchored at random = 0, rates every checkpoint evaluated so far. Each result names what did the work behind each
/// player (<see cref="PlayerKind"/>). The checkpoints' players search as their checkpoint says (its player_search)
/// unless their name forces tree mode, and run on the SIMD CPU path whatever the trainer's device, so that no game
/// opens a GPU context of its own. <paramref name="komi"/> and <paramref name="seed"/> are the run's.
/// </summary>
internal sealed class PeriodicEvaluation(EvaluationSettings settings, double komi, int seed, RunDirectory run)
{
    /// <summary>The player that the progress line and the checkpoint's ladder name stand for.</summary>
    public const string MainPlayer = "search";

    /// <summary>Random moves that open each game between two model players (the same opening for both colours).</summary>
    public const int OpeningMovesBetweenModels = 4;

    /// <summary>
    /// The checkpoint's players an evaluation can play, by name: the row each plays from, and the mode its search is
    /// forced to (null: the checkpoint's own, from its player_search).
    /// </summary>
    public static readonly IReadOnlyList<(string Name, ModelPlayerKind Kind, SearchMode? Mode)> Players =
    [
        ("prior", ModelPlayerKind.Prior, null),
        (MainPlayer, ModelPlayerKind.Search, null),
        ("backup", ModelPlayerKind.Backup, null),
        // A rollout-trained checkpoint searching without our playouts: against the prior of the same checkpoint, the
        // gain of searching inside the sequence with the model alone.
        ("search-tree", ModelPlayerKind.Search, SearchMode.Tree),
        ("backup-tree", ModelPlayerKind.Backup, SearchMode.Tree),
    ];

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
        var (ladder, kinds) = FitLadder();
        return new EvaluationResult(step, size, matches, ladder, skipped, kinds);
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
            if (PlayerSpec.ParseModel(spec) is not { } model) return PlayerSpec.Create(spec, seed, commandTimeout);
            return ModelPlayer.Load(model.Directory, model.Kind, DeviceKind.Cpu, overrides: model.Overrides);
        }
        var results = new MatchRunner(match, Create, TextWriter.Null).Run();
        var first = MatchSummary.Summarize(results)[0];
        return new EvaluationMatch(player, opponentName, first.Games, first.Score, first.Estimate, Path.GetRelativePath(run.Path, folder),
            results.KindOf(0), results.KindOf(1));
    }

    /// <summary>One Elo fit over every evaluation game in the run folder, checkpoints named by step; null when there are no games.</summary>
    /// <summary>
    /// One Elo fit over every evaluation game in the run folder, checkpoints named by step, with the kind of each player
    /// its results.json recorded; no ratings when there are no games.
    /// </summary>
    private (LadderRatings? Ratings, Dictionary<string, PlayerKind> Kinds) FitLadder()
    {
        var kinds = new Dictionary<string, PlayerKind>();
        if (!Directory.Exists(run.EvaluationsPath)) return (null, kinds);
        var outcomes = new List<GameOutcome>();
        foreach (var file in ResultFiles.Find([run.EvaluationsPath]))
        {
            var results = MatchResults.Read(file);
            outcomes.AddRange(ResultFiles.Outcomes(results).Select(game => game with { First = LadderName(game.First), Second = LadderName(game.Second) }));
            foreach (var (spec, kind) in ResultFiles.Kinds(results)) kinds[LadderName(spec)] = kind.Kind;
        }
        if (outcomes.Count == 0) return (null, kinds);
        var players = outcomes.SelectMany(g => new[] { g.First, g.Second }).ToHashSet();
        var anchor = players.Contains("random") ? new Anchor("random", 0) : new Anchor(players.Min(StringComparer.Ordinal)!, 0);
        return (Ladder.Fit(outcomes, anchor), kinds);
    }

    /// <summary>A model spec of this run's checkpoints as its ladder name; other specs as they are.</summary>
    private string LadderName(string spec)
    {
        if (PlayerSpec.ParseModel(spec) is not { } model || PlayerName(model) is not { } player) return spec;
        var name = Path.GetFileName(model.Directory);
        var isOurs = Path.GetFullPath(Path.GetDirectoryName(model.Directory) ?? "") == Path.GetFullPath(run.CheckpointsPath);
        if (!isOurs || !name.StartsWith("step-", StringComparison.Ordinal)) return spec;
        return name + (player == MainPlayer ? "" : ":" + player);
    }

    /// <summary>The spec of <paramref name="checkpoint"/>'s evaluation player named <paramref name="player"/>: model:CK:search, model:CK:search:tree.</summary>
    private static string ModelSpec(string checkpoint, string player)
    {
        var (_, kind, mode) = Players.Single(p => p.Name == player);
        return new PlayerSpec.ModelSpec(checkpoint, kind, new ModelPlayer.SearchOverrides(Mode: mode)).ToString();
    }

    /// <summary>The evaluation player a model spec that <see cref="ModelSpec"/> wrote stands for; null for other model specs.</summary>
    private static string? PlayerName(PlayerSpec.ModelSpec model) =>
        model.Overrides is { TopK: null, Playouts: null }
            ? Players.FirstOrDefault(p => p.Kind == model.Kind && p.Mode == model.Overrides.Mode).Name
            : null;
}
