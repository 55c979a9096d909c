using GoSeqZero.Go;
using GoSeqZero.Trainer.Search;

namespace GoSeqZero.Trainer.Sequences;

/// <summary>What the writer needs from the model next: a value token, or one point of an imagined board.</summary>
internal enum DecisionKind { Value, BoardPoint }

/// <summary>A decision for the model: what kind of token, at which embedding point id, in which role.</summary>
internal readonly record struct Decision(DecisionKind Kind, int PointId, TokenRole Role);

/// <summary>
/// Writes one search step (docs/sequence-format.md) for one game, token by token, as an iterator: the grammar reads top
/// to bottom, and <see cref="SequenceParser"/> beside it reads the same grammar back.
/// Forced tokens go straight into <see cref="Sequence"/>; where the model must choose, the iterator yields a
/// <see cref="Decision"/> and resumes after the driver has called <see cref="Answer"/>. The finished step is <see cref="Record"/>.
/// </summary>
internal sealed class SearchWriter
{
    private readonly Vocabulary _vocabulary;
    private readonly SearchSettings _settings;
    private int _answerToken;
    private double _answerValue;

    public SearchWriter(Vocabulary vocabulary, SearchSettings settings)
    {
        settings.Validate();
        _vocabulary = vocabulary;
        _settings = settings;
    }

    public Vocabulary Vocabulary => _vocabulary;

    public TokenSequence Sequence { get; } = new();

    public SearchRecord? Record { get; private set; }

    /// <summary>Counts of imagined board points written and of those equal to the rules engine's board.</summary>
    public (int Points, int Correct) ImaginedAccuracy { get; private set; }

    /// <summary>The model's answer to the pending decision: the token written and, for values, the expected value behind it.</summary>
    public void Answer(int token, double value = double.NaN)
    {
        _answerToken = token;
        _answerValue = value;
    }

    /// <summary>The whole step for the position <paramref name="root"/> (not finished), its history kept for superko.</summary>
    public IEnumerable<Decision> Write(Board root, ulong seed)
    {
        var n = root.Size;
        Vocabulary.CheckBoardSize(n);
        if (root.IsGameOver) throw new ArgumentException("the game is over: there is nothing to search");
        Sequence.Clear();
        ImaginedAccuracy = (0, 0);
        var random = new FastRandom(seed);
        var toMove = root.ToMove;

        Sequence.Add(Vocabulary.Bos);
        Sequence.Add(Vocabulary.SizeToken(n));
        Sequence.Add(_settings.Mode == SearchMode.Tree ? Vocabulary.ModeTree : Vocabulary.ModeRollout);
        Sequence.Add(Vocabulary.Root);
        Sequence.Add(BoardCodec.SideToMoveTokenOf(toMove));
        if (root.ConsecutivePasses == 1) Sequence.Add(_vocabulary.Passed);
        var rootBoard = root.GetPosition();
        for (var i = 0; i < n * n; i++) Sequence.Add(BoardCodec.PointStateTokenOf(rootBoard[i]), BoardCodec.EmbeddingPointIdOf(i, n));

        var record = new SearchRecord { BoardSize = n, Mode = _settings.Mode, ToMove = toMove, Passed = root.ConsecutivePasses == 1, Board = rootBoard, Root = new ValueRow(n * n + 1) };
        Sequence.Add(Vocabulary.Est);
        foreach (var decision in WriteEstimates(root, record.Root, TokenRole.RootEstimate)) yield return decision;

        record.PassHeldBack = HoldsPassBack(root);
        var chosen = TopMoves(record.Root, record.PassHeldBack ? n * n : -1, ref random);
        // After the opponent's pass, passing ends the game: its child is the exact result and costs no EST row, so it
        // is always searched, and the IMPROVED row (and through it the prior) learns what ending the game here is worth.
        if (_settings.SearchPassAfterPass && record.Passed && !chosen.Contains(n * n)) chosen.Add(n * n);
        var backups = new Dictionary<int, double>();
        foreach (var move in chosen)
        {
            var child = root.Clone();
            child.Play(toMove, BoardCodec.GridPointOf(child, move));
            if (_settings.Mode == SearchMode.Tree)
            {
                var block = new ChildRecord { Move = move, ToMove = child.ToMove, Passed = child.ConsecutivePasses == 1, Board = new Color[n * n] };
                record.Children.Add(block);
                foreach (var decision in WriteChild(child, block)) yield return decision;
                if (_settings.GroundReplies > 0 && block.Estimates is not null) Ground(child, block, ref random);
                backups[move] = block.Backup;
            }
            else
            {
                var rollout = WriteRollout(child, move, toMove, ref random);
                record.Rollouts.Add(rollout);
                backups[move] = rollout.MeanValue;
            }
        }

        // Unsearched moves keep their prior, capped (by default) at the best searched move's improved value: the search
        // found nothing better than that, and the row's best move is then always one it looked at.
        var bestSearched = backups.Count == 0 ? double.PositiveInfinity
            : backups.Max(pair => record.Root.Values[pair.Key] + _settings.Alpha * (pair.Value - record.Root.Values[pair.Key]));
        var unsearchedCap = _settings.CapUnsearched ? bestSearched : double.PositiveInfinity;
        record.Improved = new ValueRow(n * n + 1);
        record.Backup = new ValueRow(n * n + 1);
        Sequence.Add(Vocabulary.Improved);
        for (var move = 0; move <= n * n; move++)
        {
            var pointId = BoardCodec.EmbeddingPointIdOf(move, n);
            if (!record.Root.IsLegal(move, _vocabulary))
            {
                Sequence.Add(_vocabulary.Illegal, pointId);
                record.Improved.Tokens[move] = _vocabulary.Illegal;
                record.Backup.Tokens[move] = _vocabulary.Illegal;
                continue;
            }
            var prior = record.Root.Values[move];
            var improved = backups.TryGetValue(move, out var backup) ? prior + _settings.Alpha * (backup - prior) : Math.Min(prior, unsearchedCap);
            record.Backup.Values[move] = improved;
            record.Backup.Tokens[move] = _vocabulary.ValueToken(_vocabulary.Bucket(improved));
            if (_settings.ModelWritesImproved)
            {
                yield return new Decision(DecisionKind.Value, pointId, TokenRole.Improved);
                record.Improved.Tokens[move] = _answerToken;
                record.Improved.Values[move] = _answerValue;
                Sequence.Add(_answerToken, pointId, TokenRole.Improved);
            }
            else
            {
                record.Improved.Tokens[move] = record.Backup.Tokens[move];
                record.Improved.Values[move] = improved;
                Sequence.Add(record.Backup.Tokens[move], pointId, TokenRole.Improved);
            }
        }
        Sequence.Add(Vocabulary.Eos);
        Record = record;
    }

    private IEnumerable<Decision> WriteEstimates(Board position, ValueRow row, TokenRole role)
    {
        var n = position.Size;
        var color = position.ToMove;
        for (var move = 0; move <= n * n; move++)
        {
            var pointId = BoardCodec.EmbeddingPointIdOf(move, n);
            if (move < n * n && !position.IsLegal(color, BoardCodec.GridPointOf(position, move)))
            {
                row.Tokens[move] = _vocabulary.Illegal;
                Sequence.Add(_vocabulary.Illegal, pointId);
                continue;
            }
            yield return new Decision(DecisionKind.Value, pointId, role);
            row.Tokens[move] = _answerToken;
            row.Values[move] = _answerValue;
            Sequence.Add(_answerToken, pointId, role);
        }
    }

    private IEnumerable<Decision> WriteChild(Board child, ChildRecord block)
    {
        var n = child.Size;
        Sequence.Add(Vocabulary.Child);
        Sequence.Add(BoardCodec.MoveTokenOf(block.Move, n), BoardCodec.EmbeddingPointIdOf(block.Move, n));
        Sequence.Add(BoardCodec.SideToMoveTokenOf(child.ToMove));
        if (block.Passed) Sequence.Add(_vocabulary.Passed);
        var trueBoard = child.GetPosition();
        if (_settings.Boards == BoardSource.Rules)
        {
            for (var i = 0; i < n * n; i++)
            {
                block.Board[i] = trueBoard[i];
                Sequence.Add(BoardCodec.PointStateTokenOf(trueBoard[i]), BoardCodec.EmbeddingPointIdOf(i, n));
            }
        }
        else
        {
            block.TrueBoard = trueBoard;
            var correct = 0;
            for (var i = 0; i < n * n; i++)
            {
                yield return new Decision(DecisionKind.BoardPoint, BoardCodec.EmbeddingPointIdOf(i, n), TokenRole.ImaginedBoard);
                block.Board[i] = BoardCodec.ColorOfPointStateToken(_answerToken);
                if (block.Board[i] == trueBoard[i]) correct++;
                Sequence.Add(_answerToken, BoardCodec.EmbeddingPointIdOf(i, n), TokenRole.ImaginedBoard);
            }
            ImaginedAccuracy = (ImaginedAccuracy.Points + n * n, ImaginedAccuracy.Correct + correct);
        }

        if (child.IsGameOver)
        {
            var result = ResultToken(child.Score(_settings.Komi));
            block.ResultToken = result;
            block.Backup = _vocabulary.OutcomeValue(result, child.ToMove.Opponent());
            Sequence.Add(Vocabulary.Result);
            Sequence.Add(result, Vocabulary.NoPoint, TokenRole.Result);
            yield break;
        }
        // Legality of the child's moves comes from the true position, also when the board was imagined.
        block.Estimates = new ValueRow(n * n + 1);
        Sequence.Add(Vocabulary.Est);
        foreach (var decision in WriteEstimates(child, block.Estimates, TokenRole.ChildEstimate)) yield return decision;
        // The opponent's best reply, among the moves its own search would consider: a pass held back as a last resort
        // is never searched, so never learnt, and its untrained value must not set the backup.
        var best = block.Estimates.ArgMax(_vocabulary, excluded: HoldsPassBack(child) ? n * n : -1);
        block.Backup = 1 - block.Estimates.Values[best];
    }

    /// <summary>
    /// Grounds a child's EST row (<see cref="SearchSettings.GroundReplies"/>): its best replies by its own row, each
    /// valued by random playouts after it (or exactly, when the reply ends the game), and the move's backup becomes
    /// 1 − the best grounded reply. Nothing is written: these are training targets only.
    /// </summary>
    private void Ground(Board child, ChildRecord block, ref FastRandom random)
    {
        var n = child.Size;
        var excluded = HoldsPassBack(child) ? n * n : -1;
        var replies = Enumerable.Range(0, n * n + 1)
            .Where(reply => reply != excluded && block.Estimates!.IsLegal(reply, _vocabulary))
            .OrderByDescending(reply => block.Estimates!.Values[reply]).ThenBy(reply => reply)
            .Take(_settings.GroundReplies);
        var replier = child.ToMove;
        var grandchild = child.Clone();
        var scratch = child.Clone();
        foreach (var reply in replies)
        {
            grandchild.CopyFrom(child);
            grandchild.Play(replier, BoardCodec.GridPointOf(grandchild, reply));
            double total = 0;
            var playouts = grandchild.IsGameOver ? 1 : _settings.GroundPlayouts;
            for (var i = 0; i < playouts; i++)
            {
                scratch.CopyFrom(grandchild);
                total += _vocabulary.OutcomeValue(PlayOut(scratch, null, ref random), replier);
            }
            block.GroundedReplies[reply] = total / playouts;
        }
        if (block.GroundedReplies.Count > 0) block.Backup = 1 - block.GroundedReplies.Values.Max();
    }

    /// <summary>
    /// ROLLOUT m, one random playout from <paramref name="board"/> (the position after m) written out (unless
    /// <see cref="SearchSettings.WritePlayouts"/> is off), and its RESULT.
    /// With <see cref="SearchSettings.Playouts"/> above 1 the rules engine plays the other playouts from the same
    /// position without writing their moves, and the record's mean value (the backup) averages all of them; that mean
    /// is written after the RESULT as a value token. One 0/1 playout is a noisy label, and writing every playout's
    /// moves would multiply the sequence's length.
    /// </summary>
    private RolloutRecord WriteRollout(Board board, int move, Color mover, ref FastRandom random)
    {
        var n = board.Size;
        Sequence.Add(Vocabulary.Rollout);
        Sequence.Add(BoardCodec.MoveTokenOf(move, n), BoardCodec.EmbeddingPointIdOf(move, n));
        var start = _settings.Playouts > 1 ? board.Clone() : null;
        var playout = new List<int>();
        var result = PlayOut(board, playout, ref random);
        if (_settings.WritePlayouts)
            foreach (var index in playout) Sequence.Add(BoardCodec.MoveTokenOf(index, n), BoardCodec.EmbeddingPointIdOf(index, n));
        Sequence.Add(Vocabulary.Result);
        Sequence.Add(result, Vocabulary.NoPoint, TokenRole.Result);

        var total = _vocabulary.OutcomeValue(result, mover);
        // The record says what the sequence says: no moves when they were not written.
        int[] written = _settings.WritePlayouts ? [.. playout] : [];
        if (start is null) return new RolloutRecord { Move = move, Playout = written, ResultToken = result, MeanValue = total };
        var scratch = start.Clone();
        for (var i = 1; i < _settings.Playouts; i++)
        {
            scratch.CopyFrom(start);
            total += _vocabulary.OutcomeValue(PlayOut(scratch, null, ref random), mover);
        }
        // The search's result for this move goes into the sequence: the mean's bucket, with the move's point id, so that
        // the model writing the IMPROVED row (the search player) reads what the backup computed from all the playouts.
        var mean = total / _settings.Playouts;
        Sequence.Add(_vocabulary.ValueToken(_vocabulary.Bucket(mean)), BoardCodec.EmbeddingPointIdOf(move, n));
        return new RolloutRecord { Move = move, Playout = written, ResultToken = result, MeanValue = mean, Playouts = _settings.Playouts };
    }

    /// <summary>
    /// Plays the random playout policy from <paramref name="board"/> until the game ends, or for 3·n² moves as the
    /// default move cap would end it (the sequence stays within <see cref="SearchSettings.MaxTokens"/> whatever cap the
    /// game itself has; the board is then scored as it stands). Returns the result token; the moves go to <paramref name="moves"/>.
    /// </summary>
    private int PlayOut(Board board, List<int>? moves, ref FastRandom random)
    {
        var n = board.Size;
        var played = 0;
        while (!board.IsGameOver && played < Board.DefaultMoveCap(n))
        {
            var point = RandomPlayout.ChooseMove(board, board.ToMove, ref random);
            board.PlayLegal(board.ToMove, point);
            moves?.Add(BoardCodec.MoveIndexOfGridPoint(board, point));
            played++;
        }
        return ResultToken(board.Score(_settings.Komi));
    }

    /// <summary>The k legal moves of highest root value (Gumbel-perturbed when asked), best first, <paramref name="excluded"/> left out.</summary>
    private List<int> TopMoves(ValueRow root, int excluded, ref FastRandom random)
    {
        var scored = new List<(int Move, double Score)>();
        for (var move = 0; move < root.Tokens.Length; move++)
        {
            if (!root.IsLegal(move, _vocabulary) || move == excluded) continue;
            var score = root.Values[move];
            if (_settings.GumbelTopK)
            {
                var u = Math.Max(random.NextDouble(), 1e-300);
                score = score / _settings.GumbelTemperature - Math.Log(-Math.Log(u));
            }
            scored.Add((move, score));
        }
        return scored.OrderByDescending(s => s.Score).ThenBy(s => s.Move).Take(_settings.TopK).Select(s => s.Move).ToList();
    }

    /// <summary>
    /// Whether the pass is held back as a last resort at <paramref name="board"/> (<see cref="SearchSettings.PassOnlyAsLastResort"/>):
    /// the opponent did not just pass, and the side to move still has a move outside its own area.
    /// </summary>
    private bool HoldsPassBack(Board board) => _settings.PassOnlyAsLastResort && board.ConsecutivePasses != 1 && HasMoveOutsideOwnArea(board);

    /// <summary>
    /// Whether the side to move has a legal point, not its own single-point eye, outside its own area: in an empty
    /// region that reaches an opponent's stone, or no stone at all. Once only its own area is left (regions reaching
    /// only its stones), filling it can only cost eyes, and the pass is the move to consider.
    /// </summary>
    internal static bool HasMoveOutsideOwnArea(Board board)
    {
        var color = board.ToMove;
        Span<Color> owners = stackalloc Color[board.Size * board.Size];
        board.EmptyPointOwners(owners);
        foreach (var point in board.EmptyPoints)
            if (owners[board.RowMajorIndexOf(point)] != color && RandomPlayout.IsCandidate(board, color, point)) return true;
        return false;
    }

    private int ResultToken(double blackMinusWhite) =>
        blackMinusWhite > 0 ? _vocabulary.BlackWins : blackMinusWhite < 0 ? _vocabulary.WhiteWins : _vocabulary.Draw;
}
