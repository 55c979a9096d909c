using GoSeqZero.Go;
using GoSeqZero.Trainer.Search;
using GoSeqZero.Trainer.Sequences;
using GoSeqZero.Transformer;

namespace GoSeqZero.Trainer.Training;

/// <summary>The search steps written for every game in one iteration, and what the search cost.</summary>
internal sealed record SearchedPositions(StepSample[] Samples, SearchRecord[] Records, long ModelTokens, long ImaginedPoints, long ImaginedCorrect)
{
    public long Tokens { get; } = Samples.Sum(s => (long)s.Length);

    /// <summary>The share of imagined board points the rules engine confirmed; NaN when no board was imagined.</summary>
    public double ImaginedAccuracy => ImaginedPoints > 0 ? (double)ImaginedCorrect / ImaginedPoints : double.NaN;
}

/// <summary>
/// The games self-play runs in parallel: each iteration writes one search step for every game's position (batched
/// through one <see cref="SearchDriver"/> per board size and mode), then plays a move in every game from its step's
/// improved values. A finished game makes room for a new one.
/// </summary>
internal sealed class SelfPlay(Gpt model, Vocabulary vocabulary, TrainSettings settings, SelfPlayGame[] games) : IDisposable
{
    private readonly Dictionary<(int Size, SearchMode Mode), SearchDriver> _drivers = [];

    public SelfPlayGame[] Games { get; } = games;

    /// <summary>Draws each game's step kind: a rollout step with probability <paramref name="rolloutFraction"/>, a tree step otherwise.</summary>
    public SearchMode[] DrawModes(double rolloutFraction, ref FastRandom random)
    {
        var modes = new SearchMode[Games.Length];
        for (var slot = 0; slot < modes.Length; slot++)
            modes[slot] = rolloutFraction > 0 && random.NextDouble() < rolloutFraction ? SearchMode.Rollout : SearchMode.Tree;
        return modes;
    }

    /// <summary>Writes one search step for every game: one batched run per board size and mode.</summary>
    public SearchedPositions Search(SearchMode[] modes, ref FastRandom random)
    {
        var samples = new StepSample[Games.Length];
        var records = new SearchRecord[Games.Length];
        var before = Counts();
        foreach (var group in Enumerable.Range(0, Games.Length).GroupBy(slot => (Games[slot].Size, Mode: modes[slot])).OrderBy(g => g.Key.Size).ThenBy(g => g.Key.Mode))
        {
            var slots = group.ToArray();
            var driver = DriverFor(group.Key.Size, group.Key.Mode);
            driver.Random = new FastRandom(random.NextUInt64());
            var writers = driver.Run(slots.Select(slot => Games[slot].Game.Board).ToArray());
            for (var i = 0; i < slots.Length; i++)
            {
                samples[slots[i]] = StepSample.From(writers[i]);
                records[slots[i]] = writers[i].Record!;
            }
        }
        var after = Counts();
        return new SearchedPositions(samples, records, after.ModelTokens - before.ModelTokens,
            after.ImaginedPoints - before.ImaginedPoints, after.ImaginedCorrect - before.ImaginedCorrect);
    }

    /// <summary>
    /// Plays a move in every game, drawn from its improved values (at the self-play temperature for a game's first
    /// moves, the best after), and returns the games that ended; <paramref name="newGame"/> takes their slots.
    /// </summary>
    public List<SelfPlayGame> Play(SearchedPositions searched, ref FastRandom random, Func<SelfPlayGame> newGame)
    {
        var finished = new List<SelfPlayGame>();
        for (var slot = 0; slot < Games.Length; slot++)
        {
            var game = Games[slot];
            var record = searched.Records[slot];
            var temperature = game.Moves.Count < settings.SelfPlay.TemperatureMoves ? settings.SelfPlay.Temperature : 0;
            var move = MoveChoice.Choose(record, vocabulary, temperature, ref random, passUnlessSearched: !settings.Search.PassOnlyAsLastResort);
            game.Play(move, searched.Samples[slot], record.Improved!.Values[move]);
            if (!game.IsOver) continue;
            finished.Add(game);
            Games[slot] = newGame();
        }
        return finished;
    }

    private SearchDriver DriverFor(int size, SearchMode mode)
    {
        if (_drivers.TryGetValue((size, mode), out var driver)) return driver;
        driver = new SearchDriver(model, vocabulary, settings.SearchFor(size, mode), Games.Length, size);
        _drivers[(size, mode)] = driver;
        return driver;
    }

    private (long ModelTokens, long ImaginedPoints, long ImaginedCorrect) Counts() =>
        (_drivers.Values.Sum(d => d.Statistics.ModelTokens), _drivers.Values.Sum(d => d.Statistics.ImaginedPoints), _drivers.Values.Sum(d => d.Statistics.ImaginedCorrect));

    public void Dispose()
    {
        foreach (var driver in _drivers.Values) driver.Dispose();
    }
}
