using System.Globalization;
using GoSeqZero.Trainer.Evaluation;
using GoSeqZero.Trainer.Players;

namespace GoSeqZero.Trainer.Training;

/// <summary>The periodic evaluation (<see cref="PeriodicEvaluation"/>): how often, which of the checkpoint's players, against whom, how many games.</summary>
internal sealed record EvaluationSettings
{
    /// <summary>Evaluate every this many steps (0: never).</summary>
    public int Every { get; init; } = 200;

    /// <summary>Games per evaluation match.</summary>
    public int Games { get; init; } = 10;

    /// <summary>
    /// The checkpoint's players in each evaluation (<see cref="PeriodicEvaluation.Players"/>): prior, search, backup, and
    /// search-tree or backup-tree, the search forced to tree mode: model-only even when the checkpoint searches with
    /// playouts. The default stays prior and search, each in the mode the checkpoint was trained for.
    /// </summary>
    public IReadOnlyList<string> Players { get; init; } = ["prior", PeriodicEvaluation.MainPlayer, "backup"];

    /// <summary>
    /// Each evaluation's opponents: player specs (random, uct:N, gnugo:L; GNU Go is skipped when not installed), "first"
    /// (the untrained step-0 checkpoint) and "previous" (the checkpoint evaluated before).
    /// </summary>
    public IReadOnlyList<string> Opponents { get; init; } = ["random", PeriodicEvaluation.First, PeriodicEvaluation.Previous, "gnugo:1"];

    /// <summary>Whether the checkpoint of <paramref name="step"/> is evaluated (and so kept).</summary>
    public bool At(long step) => Every > 0 && step % Every == 0;

    public void Validate()
    {
        Setting.Require(Every >= 0, $"--eval-every {Every} cannot be negative (0 turns evaluation off)");
        Setting.Require(Games >= 1, $"--eval-games {Games} must be at least 1");
        var known = PeriodicEvaluation.Players.Select(p => p.Name).ToArray();
        Setting.Require(Players.Count >= 1 && Players.All(known.Contains),
            $"--eval-players {string.Join(",", Players)}: give one or more of {string.Join(", ", known)}");
        foreach (var opponent in Opponents)
            Setting.Require(IsOpponent(opponent), $"--eval-opponents: '{opponent}' is not first, previous, random, uct:N (N ≥ 1) or gnugo:L (L 0..10)");
    }

    private static bool IsOpponent(string opponent)
    {
        var parts = PlayerSpec.Normalize(opponent).Split(':');
        static bool Number(string text, int low, int high) =>
            int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= low && n <= high;
        return parts switch
        {
            [PeriodicEvaluation.First] or [PeriodicEvaluation.Previous] or ["random"] => true,
            ["uct", var playouts] => Number(playouts, 1, int.MaxValue),
            ["gnugo", var level] => Number(level, 0, 10),
            _ => false,
        };
    }
}
