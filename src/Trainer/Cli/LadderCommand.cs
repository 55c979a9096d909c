using System.Globalization;
using System.Text;
using CommandLine;
using GoSeqZero.Go.Players;
using GoSeqZero.Trainer.Evaluation;

namespace GoSeqZero.Trainer.Cli;

/// <summary>Rates every player found in match results with one maximum-likelihood Elo fit.</summary>
[Verb("ladder", HelpText = "Maximum-likelihood Elo ratings of all players in one or more match results (results.json files or folders holding them).")]
internal sealed class LadderCommand : ICommand
{
    [Option("results", Required = true, Min = 1, HelpText = "results.json files, or folders searched (with their subfolders) for results.json.")]
    public IEnumerable<string> Results { get; set; } = [];

    [Option("anchor", Default = "random=0", HelpText = "The player whose rating is fixed, as PLAYER=RATING (player as its match spec), e.g. \"gnugo:10=1950\".")]
    public string Anchor { get; set; } = "random=0";

    public int Run()
    {
        Anchor anchor;
        IReadOnlyList<string> files;
        try
        {
            anchor = Evaluation.Anchor.Parse(Anchor);
            files = ResultFiles.Find(Results);
        }
        catch (Exception error) when (error is FormatException or FileNotFoundException)
        {
            Console.Error.WriteLine($"ladder: {error.Message}");
            return 2;
        }

        LadderRatings ratings;
        var kinds = new Dictionary<string, PlayerKind>();
        try
        {
            var results = files.Select(MatchResults.Read).ToArray();
            ratings = Ladder.Fit(results.SelectMany(ResultFiles.Outcomes).ToArray(), anchor);
            // Results written before kinds were leave a player's kind unknown.
            foreach (var (spec, kind) in results.SelectMany(ResultFiles.Kinds)) kinds[spec] = kind.Kind;
        }
        catch (Exception error) when (error is InvalidDataException or ArgumentException or IOException)
        {
            Console.Error.WriteLine($"ladder: {error.Message}");
            return 2;
        }
        Console.Write(Format(ratings, kinds, files.Count));
        return 0;
    }

    /// <summary>The ladder as a table, each player with what did the work behind its moves ("?" when its results did not say).</summary>
    internal static string Format(LadderRatings ratings, IReadOnlyDictionary<string, PlayerKind> kinds, int fileCount)
    {
        var culture = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine(culture, $"{ratings.GamesUsed} games from {fileCount} results file(s); anchor {ratings.Anchor}; ±95% is relative to the anchor");
        if (ratings.SelfPlayGamesSkipped > 0)
            text.AppendLine(culture, $"{ratings.SelfPlayGamesSkipped} games of a player against itself skipped");
        if (ratings.PriorAdded)
            text.AppendLine("some players won or lost all their games, so one virtual draw against the anchor was added for every other player");
        var width = Math.Max(6, ratings.Players.Max(p => p.Player.Length));
        text.AppendLine(culture, $"{"player".PadRight(width)} {"kind",-10} {"games",6} {"score",7} {"rating",7} {"±95%",6}");
        foreach (var p in ratings.Players)
        {
            var interval = p.Player == ratings.Anchor.Player ? "anchor" : p.Interval95.ToString("0", culture);
            var kind = kinds.TryGetValue(p.Player, out var known) ? known.Label() : "?";
            text.AppendLine(culture, $"{p.Player.PadRight(width)} {kind,-10} {p.Games,6} {p.Score,7:0.#} {p.Rating,7:0} {interval,6}");
        }
        return text.ToString();
    }
}
