namespace GoSeqZero.Go.Players;

/// <summary>
/// Flat Monte Carlo, the search without a tree: every candidate move (the legal points that are not the mover's own
/// single-point eye, plus the pass) gets the same number of light random playouts, and the move of highest mean wins.
/// It is what a rollout step computes for its searched moves, over all the moves instead of the prior's top k, so it
/// measures what the prior's choice of moves (and the model's reading of the means) adds at a given playout budget.
/// A draw counts half; the playouts of one move run on one thread, the moves are spread over the cores.
/// </summary>
public sealed class FlatMonteCarloPlayer : IPlayer
{
    private readonly int _playoutsPerMove;
    private readonly int _threads;
    private ulong _seed;

    public FlatMonteCarloPlayer(int playoutsPerMove, int threads, int seed)
    {
        if (playoutsPerMove < 1) throw new ArgumentOutOfRangeException(nameof(playoutsPerMove), playoutsPerMove, "flat Monte Carlo needs at least one playout per move");
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), threads, "flat Monte Carlo needs at least one thread");
        _playoutsPerMove = playoutsPerMove;
        _threads = threads;
        _seed = (ulong)seed;
        Name = $"flat:{playoutsPerMove}";
    }

    public string Name { get; }

    public PlayerKind Kind => PlayerKind.Program;

    public PlayoutBudget? Playouts => PlayoutBudget.ForEachCandidate(_playoutsPerMove);

    /// <summary>Each candidate of the last search and its mean outcome for the mover, for tests.</summary>
    public IReadOnlyDictionary<Vertex, double> LastMeans { get; private set; } = new Dictionary<Vertex, double>();

    public Vertex GenMove(Game game, Color color, CancellationToken cancellation)
    {
        var root = game.Board.Clone();
        if (root.IsGameOver) return Vertex.Pass;
        if (root.ToMove != color) root.SetToMove(color);
        var candidates = new List<int>();
        foreach (var point in root.EmptyPoints)
            if (RandomPlayout.IsCandidate(root, color, point)) candidates.Add(point);
        candidates.Add(Board.PassMove);

        var means = new double[candidates.Count];
        var baseSeed = _seed++;
        Parallel.For(0, candidates.Count, new ParallelOptions { MaxDegreeOfParallelism = _threads, CancellationToken = cancellation }, index =>
        {
            var random = new FastRandom(baseSeed * 7919 + (ulong)index);
            var board = root.Clone();
            var wins = 0.0;
            for (var i = 0; i < _playoutsPerMove; i++)
            {
                board.CopyFrom(root);
                board.PlayLegal(color, candidates[index]);
                var score = RandomPlayout.Run(board, ref random) - game.Komi;
                var blackWins = score > 0 ? 1.0 : score < 0 ? 0.0 : 0.5;
                wins += color == Color.Black ? blackWins : 1 - blackWins;
            }
            means[index] = wins / _playoutsPerMove;
        });

        // The first of equal means: the pass is last, so it is played only when nothing does better.
        var best = 0;
        for (var i = 1; i < means.Length; i++)
            if (means[i] > means[best]) best = i;
        LastMeans = candidates.Select((move, i) => (root.VertexOf(move), means[i])).ToDictionary(pair => pair.Item1, pair => pair.Item2);
        return root.VertexOf(candidates[best]);
    }

    public void Dispose() { }
}
