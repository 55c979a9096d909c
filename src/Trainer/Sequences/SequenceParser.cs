using System.Text;
using GoSeqZero.Go;

namespace GoSeqZero.Trainer.Sequences;

/// <summary>
/// Reads a search step back from its tokens (docs/sequence-format.md) as <see cref="SearchWriter"/> beside it writes
/// them, checking the whole grammar on the way: a sequence either yields a <see cref="SearchRecord"/> or throws
/// <see cref="SequenceFormatException"/> at the first token that breaks it. Checked beyond the token classes: the board
/// size bounds every move, a child's side to move is the root's opponent, a searched move is one the root EST row does
/// not mark ILLEGAL and is searched once, PASS always has a value, and the IMPROVED row has ILLEGAL exactly where the
/// root EST row has it. What needs the game's history (the boards after each move, legality inside a row, rollout
/// moves) is not checked: the sequence does not hold that history.
/// </summary>
internal static class SequenceParser
{
    /// <summary>
    /// The step the tokens hold. Values are the centres of the buckets written (NaN where ILLEGAL); a child's
    /// <see cref="ChildRecord.Backup"/> is computed from them (1 − its best value) or from its RESULT; the record has no
    /// <see cref="SearchRecord.Backup"/> and no imagined children's <see cref="ChildRecord.TrueBoard"/>, which only the writer knows.
    /// </summary>
    public static SearchRecord Parse(IReadOnlyList<int> tokens, Vocabulary vocabulary) => new Reader(tokens, vocabulary).ReadStep();

    /// <summary>The point id of every token (0 for none), as the grammar assigns them; throws like <see cref="Parse"/>.</summary>
    public static int[] PointIds(IReadOnlyList<int> tokens, Vocabulary vocabulary)
    {
        var reader = new Reader(tokens, vocabulary);
        reader.ReadStep();
        return reader.PointIds;
    }

    /// <summary>
    /// One line per token: index, name, and for tokens that carry a point its GTP vertex and point id
    /// (e.g. "   31  V_30          A1    point 1"). A sequence that breaks the grammar is listed all the same, without
    /// point ids from the offending token on, and a last line says what is wrong with it.
    /// </summary>
    public static string Describe(IReadOnlyList<int> tokens, Vocabulary vocabulary)
    {
        var reader = new Reader(tokens, vocabulary);
        string? problem = null;
        try
        {
            reader.ReadStep();
        }
        catch (SequenceFormatException e)
        {
            problem = e.Message;
        }
        var text = new StringBuilder();
        for (var i = 0; i < tokens.Count; i++) text.Append(DescribeToken(i, tokens[i], reader.PointIds[i], vocabulary)).Append('\n');
        if (problem is not null) text.Append("not a valid search step: ").Append(problem).Append('\n');
        return text.ToString();
    }

    public static string DescribeToken(int index, int token, int pointId, Vocabulary vocabulary)
    {
        var line = $"{index,5}  {vocabulary.Name(token),-12}";
        return pointId == Vocabulary.NoPoint ? line.TrimEnd() : $"{line}  {PointName(pointId),-4}  point {pointId}";
    }

    /// <summary>The GTP vertex of a point id ("A1" is column 0, row 0), or "pass".</summary>
    public static string PointName(int pointId) => pointId switch
    {
        Vocabulary.PassPointId => "pass",
        > Vocabulary.NoPoint and < Vocabulary.PassPointId => BoardCodec.VertexOfEmbeddingPointId(pointId).ToString(),
        _ => $"<point id {pointId}>",
    };

    /// <summary>A cursor over the tokens; each Read method consumes one production of the grammar.</summary>
    private sealed class Reader(IReadOnlyList<int> tokens, Vocabulary vocabulary)
    {
        private int _next;
        private int _size;

        public int[] PointIds { get; } = new int[tokens.Count];

        private int Points => _size * _size;

        public SearchRecord ReadStep()
        {
            Take(Vocabulary.Bos);
            const string sizeExpected = "a board size (SIZE_5..SIZE_19)";
            if (!Vocabulary.IsSize(Peek(sizeExpected))) throw Unexpected(sizeExpected);
            _size = Vocabulary.BoardSizeOf(tokens[_next++]);
            var mode = Peek("MODE_TREE or MODE_ROLLOUT") switch
            {
                Vocabulary.ModeTree => SearchMode.Tree,
                Vocabulary.ModeRollout => SearchMode.Rollout,
                _ => throw Unexpected("MODE_TREE or MODE_ROLLOUT"),
            };
            _next++;

            Take(Vocabulary.Root);
            var toMove = ReadSideToMove(null);
            var passed = ReadPassed();
            var board = ReadBoard();
            Take(Vocabulary.Est);
            var record = new SearchRecord { BoardSize = _size, Mode = mode, ToMove = toMove, Passed = passed, Board = board, Root = ReadEstimates() };

            var marker = mode == SearchMode.Tree ? Vocabulary.Child : Vocabulary.Rollout;
            var searchedAt = new Dictionary<int, int>();
            while (true)
            {
                var expected = searchedAt.Count == 0 ? vocabulary.Name(marker) : $"{vocabulary.Name(marker)} or IMPROVED";
                var token = Peek(expected);
                if (token == Vocabulary.Improved && searchedAt.Count > 0) break;
                if (token != marker) throw Unexpected(expected);
                _next++;
                var move = ReadSearchedMove(record.Root, searchedAt);
                if (mode == SearchMode.Tree) record.Children.Add(ReadChild(move, toMove));
                else record.Rollouts.Add(ReadRollout(move, toMove));
            }
            Take(Vocabulary.Improved);
            record.Improved = ReadImproved(record.Root);
            Take(Vocabulary.Eos);
            if (_next < tokens.Count) throw Unexpected("nothing after EOS");
            return record;
        }

        /// <summary>After the CHILD marker and its move: side to move, board, then an EST row or RESULT and outcome.</summary>
        private ChildRecord ReadChild(int move, Color rootToMove)
        {
            var toMove = ReadSideToMove(rootToMove.Opponent());
            // PASSED follows a child's side to move when its move is a pass and the game goes on.
            if (move != Points && tokens.Count > _next && tokens[_next] == vocabulary.Passed) throw Unexpected("a point state (PASSED only follows a pass)");
            var child = new ChildRecord { Move = move, ToMove = toMove, Passed = ReadPassed(), Board = ReadBoard() };
            const string expected = "EST or RESULT";
            var token = Peek(expected);
            if (token == Vocabulary.Est)
            {
                _next++;
                child.Estimates = ReadEstimates();
                child.Backup = 1 - child.Estimates.Values[child.Estimates.ArgMax(vocabulary)];
            }
            else if (token == Vocabulary.Result)
            {
                _next++;
                var result = ReadOutcome();
                child.ResultToken = result;
                child.Backup = vocabulary.OutcomeValue(result, rootToMove);
            }
            else
            {
                throw Unexpected(expected);
            }
            return child;
        }

        /// <summary>After the ROLLOUT marker and its move: the playout's moves, RESULT and outcome, and the mean of several playouts when written.</summary>
        private RolloutRecord ReadRollout(int move, Color rootToMove)
        {
            var playout = new List<int>();
            var expected = $"a move on the {_size}×{_size} board, PASS or RESULT";
            while (Peek(expected) != Vocabulary.Result)
            {
                if (!BoardCodec.TryMoveIndexOfToken(tokens[_next], _size, out var played)) throw Unexpected(expected);
                PointIds[_next++] = BoardCodec.EmbeddingPointIdOf(played, _size);
                playout.Add(played);
            }
            _next++;
            var result = ReadOutcome();
            if (_next >= tokens.Count || !vocabulary.IsValue(tokens[_next]))
                return new RolloutRecord { Move = move, Playout = [.. playout], ResultToken = result, MeanValue = vocabulary.OutcomeValue(result, rootToMove) };
            var mean = vocabulary.BucketCenter(vocabulary.BucketOf(tokens[_next]));
            PointIds[_next++] = BoardCodec.EmbeddingPointIdOf(move, _size);
            return new RolloutRecord { Move = move, Playout = [.. playout], ResultToken = result, MeanValue = mean };
        }

        private int ReadSearchedMove(ValueRow root, Dictionary<int, int> searchedAt)
        {
            var expected = $"a move on the {_size}×{_size} board or PASS";
            if (!BoardCodec.TryMoveIndexOfToken(Peek(expected), _size, out var move)) throw Unexpected(expected);
            if (!root.IsLegal(move, vocabulary)) throw Unexpected("a move that the root EST row does not mark ILLEGAL");
            if (searchedAt.TryGetValue(move, out var earlier)) throw Unexpected($"a move not searched yet (this one was at token {earlier})");
            searchedAt[move] = _next;
            PointIds[_next++] = BoardCodec.EmbeddingPointIdOf(move, _size);
            return move;
        }

        private Color ReadSideToMove(Color? required)
        {
            var expected = required switch
            {
                Color.Black => "TO_MOVE_B (the root's opponent)",
                Color.White => "TO_MOVE_W (the root's opponent)",
                _ => "TO_MOVE_B or TO_MOVE_W",
            };
            var token = Peek(expected);
            if (!Vocabulary.IsSideToMove(token)) throw Unexpected(expected);
            var color = BoardCodec.ColorOfSideToMoveToken(token);
            if (required is not null && color != required) throw Unexpected(expected);
            _next++;
            return color;
        }

        /// <summary>The optional PASSED after a side to move.</summary>
        private bool ReadPassed()
        {
            if (_next >= tokens.Count || tokens[_next] != vocabulary.Passed) return false;
            _next++;
            return true;
        }

        private Color[] ReadBoard()
        {
            var board = new Color[Points];
            for (var i = 0; i < Points; i++)
            {
                const string expected = "a point state (EMPTY, BLACK or WHITE)";
                var token = Peek(expected);
                if (!Vocabulary.IsPointState(token)) throw Unexpected(expected);
                board[i] = BoardCodec.ColorOfPointStateToken(token);
                PointIds[_next++] = BoardCodec.EmbeddingPointIdOf(i, _size);
            }
            return board;
        }

        /// <summary>An EST row after its marker: n² values or ILLEGAL, then a value for PASS, which is always legal.</summary>
        private ValueRow ReadEstimates()
        {
            var row = new ValueRow(Points + 1);
            var valueOrIllegal = $"{ValueTokens} or ILLEGAL";
            var passValue = $"{ValueTokens} for PASS, which is always legal";
            for (var move = 0; move <= Points; move++)
            {
                var expected = move == Points ? passValue : valueOrIllegal;
                var token = Peek(expected);
                if (vocabulary.IsValue(token)) row.Values[move] = vocabulary.BucketCenter(vocabulary.BucketOf(token));
                else if (token != vocabulary.Illegal || move == Points) throw Unexpected(expected);
                row.Tokens[move] = token;
                PointIds[_next++] = BoardCodec.EmbeddingPointIdOf(move, _size);
            }
            return row;
        }

        /// <summary>The IMPROVED row after its marker: a value wherever the root EST row has one, ILLEGAL elsewhere.</summary>
        private ValueRow ReadImproved(ValueRow root)
        {
            var row = new ValueRow(Points + 1);
            for (var move = 0; move <= Points; move++)
            {
                var legal = root.IsLegal(move, vocabulary);
                var expected = legal ? $"{ValueTokens}, as the root EST row has a value here" : "ILLEGAL, as in the root EST row";
                var token = Peek(expected);
                if (legal && vocabulary.IsValue(token)) row.Values[move] = vocabulary.BucketCenter(vocabulary.BucketOf(token));
                else if (legal || token != vocabulary.Illegal) throw Unexpected(expected);
                row.Tokens[move] = token;
                PointIds[_next++] = BoardCodec.EmbeddingPointIdOf(move, _size);
            }
            return row;
        }

        private int ReadOutcome()
        {
            const string expected = "an outcome (B_WINS, W_WINS or DRAW)";
            var token = Peek(expected);
            if (token != vocabulary.BlackWins && token != vocabulary.WhiteWins && token != vocabulary.Draw) throw Unexpected(expected);
            _next++;
            return token;
        }

        private string ValueTokens => $"a value token (V_0..V_{vocabulary.ValueBuckets - 1})";

        private void Take(int token)
        {
            var expected = vocabulary.Name(token);
            if (Peek(expected) != token) throw Unexpected(expected);
            _next++;
        }

        /// <summary>The next token; the sequence must not end before it.</summary>
        private int Peek(string expected) =>
            _next < tokens.Count ? tokens[_next] : throw new SequenceFormatException(_next, expected, null);

        private SequenceFormatException Unexpected(string expected) => new(_next, expected, vocabulary.Name(tokens[_next]));
    }
}
