using System.Globalization;
using System.Text;
using GoSeqZero.Go.Players;

namespace GoSeqZero.Trainer.Evaluation;

/// <summary>One program's results in a match; scores count a draw as half a win.</summary>
internal sealed record ProgramSummary(
    char Label,
    string Spec,
    string Name,
    int Games,
    double Score,
    int BlackGames,
    double BlackScore,
    int WhiteGames,
    double WhiteScore,
    Estimate Estimate,
    double SecondsPerMove,
    ProgramKind? Kind);

/// <summary>
/// The end-of-match report: per program what did the work (model-only, assisted, program, external) and its playouts
/// per move where known, then wins (overall, as Black, as White), win rate and Elo with 95% intervals.
/// </summary>
internal static class MatchSummary
{
    public static IReadOnlyList<ProgramSummary> Summarize(MatchResults results) =>
        Enumerable.Range(0, results.Programs.Count).Select(program =>
        {
            var sides = results.Games.SelectMany(g => new[] { (Game: g, Side: g.Black, IsBlack: true), (Game: g, Side: g.White, IsBlack: false) })
                .Where(s => s.Side.Program == program).ToArray();
            var asBlack = sides.Where(s => s.IsBlack).ToArray();
            var asWhite = sides.Where(s => !s.IsBlack).ToArray();
            var score = sides.Sum(s => s.Game.ScoreOf(program));
            var moves = sides.Sum(s => s.Side.Moves);
            return new ProgramSummary(
                (char)('A' + program),
                results.Programs[program],
                sides.Length > 0 ? sides[0].Side.Name : results.Programs[program],
                sides.Length,
                score,
                asBlack.Length,
                asBlack.Sum(s => s.Game.ScoreOf(program)),
                asWhite.Length,
                asWhite.Sum(s => s.Game.ScoreOf(program)),
                Elo.Estimate(score, sides.Length),
                moves == 0 ? 0 : sides.Sum(s => s.Side.Seconds) / moves,
                results.KindOf(program));
        }).ToArray();

    public static string Format(MatchResults results)
    {
        var programs = Summarize(results);
        var text = new StringBuilder();
        var culture = CultureInfo.InvariantCulture;
        text.AppendLine(culture, $"{results.Games.Count} games on {results.Size}x{results.Size}, komi {results.Komi}, move cap {results.MoveCap}, seed {results.Seed}");
        foreach (var p in programs)
            text.AppendLine(culture, $"{p.Label} = {p.Spec}{(p.Name == p.Spec ? "" : $" ({p.Name})")} [{p.Kind?.ToString() ?? "kind unknown"}]");
        foreach (var p in programs)
            text.AppendLine(culture, $"{p.Label} wins {Number(p.Score)} of {p.Games}; as black {Number(p.BlackScore)}/{p.BlackGames}, as white {Number(p.WhiteScore)}/{p.WhiteGames}");
        var draws = results.Games.Count(g => g.Winner == Winner.Draw);
        if (draws > 0) text.AppendLine(culture, $"draws: {draws} (counted as half a win each)");
        text.AppendLine();
        text.AppendLine(culture, $"{"",-2} {"games",6} {"wins",6} {"win rate",9} {"95% interval",17} {"Elo",6} {"95% interval",14} {"s/move",9}  {"kind",-10} {"playouts/move",13}");
        foreach (var p in programs)
        {
            var e = p.Estimate;
            text.AppendLine(culture,
                $"{p.Label,-2} {p.Games,6} {Number(p.Score),6} {Percent(e.WinRate),9} {$"[{Percent(e.WinRateLow)}, {Percent(e.WinRateHigh)}]",17} {Elo.Format(e.Elo),6} {$"[{Elo.Format(e.EloLow)}, {Elo.Format(e.EloHigh)}]",14} {p.SecondsPerMove,9:0.0000}  {p.Kind?.Kind.Label() ?? "?",-10} {PlayoutsPerMove(p.Kind?.Playouts),13}");
        }
        text.AppendLine(culture, $"ended by: {string.Join(", ", results.Games.GroupBy(g => g.End).OrderBy(g => g.Key).Select(g => $"{Describe(g.Key)} {g.Count()}"))}");
        return text.ToString();
    }

    public static string Describe(GameEnd end) => end switch
    {
        GameEnd.TwoPasses => "two passes",
        GameEnd.MoveCap => "move cap",
        GameEnd.Resign => "resignation",
        GameEnd.Time => "time",
        GameEnd.IllegalMove => "illegal move",
        GameEnd.Crash => "forfeit",
        _ => throw new ArgumentOutOfRangeException(nameof(end), end, null),
    };

    /// <summary>The table's playouts per move: "3072", "64/candidate" (flat Monte Carlo), "-" for none of ours.</summary>
    private static string PlayoutsPerMove(PlayoutBudget? playouts) => playouts switch
    {
        { PerCandidateMove: { } each } => each.ToString(CultureInfo.InvariantCulture) + "/candidate",
        { PerMove: { } perMove } => perMove.ToString(CultureInfo.InvariantCulture),
        _ => "-",
    };

    private static string Percent(double rate) => (rate * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";

    private static string Number(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);
}
