using GoSeqZero.Trainer.Players;

namespace GoSeqZero.Trainer.Evaluation;

/// <summary>Finds match results on disk and turns them into game outcomes for the ladder.</summary>
internal static class ResultFiles
{
    /// <summary>
    /// The results.json files named by <paramref name="paths"/>: a file as given, a folder searched with its
    /// subfolders. Throws <see cref="FileNotFoundException"/> for a path that yields none.
    /// </summary>
    public static IReadOnlyList<string> Find(IEnumerable<string> paths)
    {
        var files = new List<string>();
        foreach (var path in paths)
        {
            if (File.Exists(path))
            {
                files.Add(path);
            }
            else if (Directory.Exists(path))
            {
                var found = Directory.GetFiles(path, MatchResults.FileName, SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();
                if (found.Length == 0) throw new FileNotFoundException($"{path}: no {MatchResults.FileName} in this folder or below it");
                files.AddRange(found);
            }
            else
            {
                throw new FileNotFoundException($"{path}: no such file or folder; expected a {MatchResults.FileName} or a folder holding match results");
            }
        }
        return files;
    }

    /// <summary>
    /// Each game as an outcome between the two players' specs, from Black's side. Specs are normalized, so results
    /// written before specs were (" gnugo:10", "GNUGO:10") still name one player.
    /// </summary>
    public static IEnumerable<GameOutcome> Outcomes(MatchResults results) =>
        results.Games.Select(game => new GameOutcome(
            PlayerSpec.Normalize(game.Black.Spec), PlayerSpec.Normalize(game.White.Spec), game.ScoreOf(game.Black.Program)));

    /// <summary>Each program's normalized spec with what did the work behind it, for the programs whose results recorded that.</summary>
    public static IEnumerable<(string Spec, ProgramKind Kind)> Kinds(MatchResults results) =>
        Enumerable.Range(0, results.Programs.Count)
            .Where(program => results.KindOf(program) is not null)
            .Select(program => (PlayerSpec.Normalize(results.Programs[program]), results.KindOf(program)!));
}
