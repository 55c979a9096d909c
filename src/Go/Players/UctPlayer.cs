namespace GoSeqZero.Go.Players;

/// <summary>
/// The classic Monte Carlo baseline: UCT (UCB1 applied to trees) with light uniform random playouts.
/// Root parallel: each thread grows its own tree from the same root with its share of the playouts, and the
/// root statistics are summed; no locks. (So uct:N on more cores is a little weaker per playout, and faster.)
/// Candidate moves are the legal points that are not the mover's own single-point eye, plus the pass; a
/// terminal position (two passes) is scored exactly; a draw counts half. Resigns when the best move, searched
/// at least <see cref="ResignMinimumVisits"/> times, wins under 5% of its playouts.
/// </summary>
public sealed class UctPlayer : IPlayer
{
    private const double Exploration = 0.7;
    private const double ResignBelow = 0.05;
    /// <summary>Below this many visits a low win rate is noise, not a reason to give up.</summary>
    private const int ResignMinimumVisits = 200;
    private readonly int _playoutsPerMove;
    private readonly int _threads;
    private ulong _seed;

    public UctPlayer(int playoutsPerMove, int threads, int seed)
    {
        if (playoutsPerMove < 1) throw new ArgumentOutOfRangeException(nameof(playoutsPerMove), playoutsPerMove, "UCT needs at least one playout per move");
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), threads, "UCT needs at least one thread");
        _playoutsPerMove = playoutsPerMove;
        _threads = Math.Min(threads, playoutsPerMove);
        _seed = (ulong)seed;
        Name = $"uct:{playoutsPerMove}";
    }

    public string Name { get; }

    public PlayerKind Kind => PlayerKind.Program;

    public PlayoutBudget? Playouts => PlayoutBudget.Fixed(_playoutsPerMove);

    /// <summary>Playouts run by the last search.</summary>
    public long LastPlayouts { get; private set; }

    public Vertex GenMove(Game game, Color color, CancellationToken cancellation)
    {
        var root = game.Board.Clone();
        // Nothing is left to search in a finished game (two passes or the move cap); GTP may still ask.
        if (root.IsGameOver) return Vertex.Pass;
        // GTP may ask for either colour: the search starts with the asked colour to move.
        if (root.ToMove != color) root.SetToMove(color);
        var trees = new Tree[_threads];
        var baseSeed = _seed++;
        Parallel.For(0, _threads, new ParallelOptions { MaxDegreeOfParallelism = _threads, CancellationToken = cancellation }, thread =>
        {
            var share = _playoutsPerMove / _threads + (thread < _playoutsPerMove % _threads ? 1 : 0);
            var tree = new Tree(root, game.Komi, baseSeed * 7919 + (ulong)thread);
            tree.Search(share, cancellation);
            trees[thread] = tree;
        });

        var visits = new Dictionary<int, (int Visits, double Wins)>();
        foreach (var tree in trees)
            foreach (var child in tree.Root.Children!)
            {
                visits.TryGetValue(child.Move, out var sum);
                visits[child.Move] = (sum.Visits + child.Visits, sum.Wins + child.Wins);
            }
        var best = visits.MaxBy(pair => (pair.Value.Visits, pair.Value.Wins));
        LastPlayouts = trees.Sum(t => (long)t.Root.Visits);
        if (best.Value.Visits >= ResignMinimumVisits && best.Value.Wins / best.Value.Visits < ResignBelow) return Vertex.Resign;
        return root.VertexOf(best.Key);
    }

    public void Dispose() { }

    private sealed class Node(int move, Node? parent, Color mover)
    {
        public readonly int Move = move;
        public readonly Node? Parent = parent;
        /// <summary>The colour that played <see cref="Move"/> into this node.</summary>
        public readonly Color Mover = mover;
        public Node[]? Children;
        public int Visits;
        /// <summary>Wins for the player who made <see cref="Move"/>.</summary>
        public double Wins;
    }

    private sealed class Tree
    {
        public readonly Node Root;
        private readonly Board _root;
        private readonly Board _scratch;
        private readonly double _komi;
        private FastRandom _random;
        private readonly int[] _moves;

        public Tree(Board root, double komi, ulong seed)
        {
            _root = root;
            Root = new Node(Board.PassMove, null, root.ToMove.Opponent());
            _scratch = root.Clone();
            _komi = komi;
            _random = new FastRandom(seed);
            _moves = new int[root.Size * root.Size + 1];
        }

        public void Search(int playouts, CancellationToken cancellation)
        {
            Expand(Root, _root);
            for (var i = 0; i < playouts; i++)
            {
                if ((i & 63) == 0) cancellation.ThrowIfCancellationRequested();
                Playout();
            }
        }

        private void Playout()
        {
            var board = _scratch;
            board.CopyFrom(_root);
            var node = Root;
            while (node.Children is not null && !board.IsGameOver)
            {
                node = SelectChild(node);
                board.PlayLegal(board.ToMove, node.Move);
                if (node.Visits == 0) break;
            }
            if (node.Children is null && node.Visits > 0 && !board.IsGameOver) Expand(node, board);
            var score = RandomPlayout.Run(board, ref _random) - _komi;
            var blackWins = score > 0 ? 1.0 : score < 0 ? 0.0 : 0.5;
            for (var n = node; n is not null; n = n.Parent)
            {
                n.Visits++;
                n.Wins += n.Mover == Color.Black ? blackWins : 1 - blackWins;
            }
        }

        private Node SelectChild(Node node)
        {
            var logParent = Math.Log(Math.Max(1, node.Visits));
            Node best = node.Children![0];
            var bestScore = double.NegativeInfinity;
            foreach (var child in node.Children)
            {
                // Unvisited children first, in their (shuffled) order.
                if (child.Visits == 0) return child;
                var score = child.Wins / child.Visits + Exploration * Math.Sqrt(logParent / child.Visits);
                if (score > bestScore) { bestScore = score; best = child; }
            }
            return best;
        }

        private void Expand(Node node, Board board)
        {
            var color = board.ToMove;
            var count = 0;
            foreach (var p in board.EmptyPoints)
                if (RandomPlayout.IsCandidate(board, color, p)) _moves[count++] = p;
            _moves[count++] = Board.PassMove;
            for (var i = count - 1; i > 0; i--)
            {
                var j = _random.NextInt(i + 1);
                (_moves[i], _moves[j]) = (_moves[j], _moves[i]);
            }
            var children = new Node[count];
            for (var i = 0; i < count; i++) children[i] = new Node(_moves[i], node, color);
            node.Children = children;
        }
    }
}
