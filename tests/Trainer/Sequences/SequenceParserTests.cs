using GoSeqZero.Go;
using GoSeqZero.Trainer.Search;
using GoSeqZero.Trainer.Sequences;
using static GoSeqZero.Tests.Trainer.Sequences.ScriptedSearch;

namespace GoSeqZero.Tests.Trainer.Sequences;

public class SequenceParserTests
{
    private static readonly Vocabulary Vocabulary = new();

    /// <summary>Tree steps with rules and imagined boards, rollout steps of one playout per move and of several (their mean written).</summary>
    public static TheoryData<SearchMode, BoardSource, int> Modes => new()
    {
        { SearchMode.Tree, BoardSource.Rules, 1 },
        { SearchMode.Tree, BoardSource.Imagined, 1 },
        { SearchMode.Rollout, BoardSource.Rules, 1 },
        { SearchMode.Rollout, BoardSource.Rules, 3 },
    };

    [Theory]
    [MemberData(nameof(Modes))]
    public void EveryWrittenStepParsesBackToTheSameRecordOnEveryBoardSize(SearchMode mode, BoardSource boards, int playouts)
    {
        for (var size = Vocabulary.MinBoardSize; size <= Vocabulary.MaxBoardSize; size++)
        for (var depth = 0; depth < 3; depth++)
        {
            // The empty board, a third and two thirds of the points played at random (captures, ko).
            var seed = 7919UL * (ulong)size + 101UL * (ulong)depth + (ulong)mode * 31 + (ulong)boards;
            var settings = new SearchSettings
            {
                Mode = mode, Boards = boards, TopK = 1 + (size + depth) % 4, GumbelTopK = depth != 1, Komi = size % 3 == 0 ? 6 : 7.5, Playouts = playouts,
            };
            var writer = Write(RandomPosition(size, depth * size * size / 3, seed), settings, RandomAnswers(Vocabulary, (int)seed), seed);
            var written = writer.Record!;
            var tokens = writer.Sequence.Tokens;

            var parsed = SequenceParser.Parse(tokens, Vocabulary);
            AssertSameStep(written, parsed);
            Assert.Equal(writer.Sequence.PointIds, SequenceParser.PointIds(tokens, Vocabulary));
            Assert.True(tokens.Count <= settings.MaxTokens(size), $"{size}×{size} {mode}, seed {seed}: {tokens.Count} tokens > {settings.MaxTokens(size)}");
        }
    }

    [Fact]
    public void TerminalChildrenAndDrawsParseBack()
    {
        // After White's pass, Black's pass ends the game; komi 25 makes it a draw on Black's 25 points.
        var writer = Write(Play(5, "C3 pass"), new SearchSettings { TopK = 3, Komi = 25 }, (row, d) =>
            Bucket(Vocabulary, row == 0 && d.PointId == Vocabulary.PassPointId ? 60 : 20 + d.PointId % 7));
        var parsed = SequenceParser.Parse(writer.Sequence.Tokens, Vocabulary);
        AssertSameStep(writer.Record!, parsed);
        Assert.Equal(Vocabulary.Draw, parsed.Children[0].ResultToken);
        Assert.Equal(0.5, parsed.Children[0].Backup);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void ASequenceCutShortAnywhereSaysWhereItEndsAndWhatWasExpected(SearchMode mode, BoardSource boards, int playouts)
    {
        var tokens = SmallStep(mode, boards, playouts).Sequence.Tokens.ToArray();
        for (var length = 0; length < tokens.Length; length++)
        {
            var error = ParseError(tokens[..length]);
            Assert.True(error.TokenIndex == length && error.Found is null, $"cut at {length}: {error.Message}");
            Assert.StartsWith($"the sequence ends at token {length}: expected ", error.Message);
        }
        Assert.Equal("the sequence ends at token 0: expected BOS", ParseError([]).Message);
        Assert.Equal($"the sequence ends at token {tokens.Length - 1}: expected EOS", ParseError(tokens[..^1]).Message);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void ATokenTheGrammarCannotHaveAtItsPlaceIsReportedAtThatToken(SearchMode mode, BoardSource boards, int playouts)
    {
        var writer = SmallStep(mode, boards, playouts);
        var tokens = writer.Sequence.Tokens.ToArray();
        var places = Places(writer.Record!);
        Assert.Equal(tokens.Length, places.Count);
        var replaced = 0;
        for (var i = 0; i < tokens.Length; i++)
        {
            foreach (var (group, token) in Representatives(5))
            {
                if (Allowed(places[i], writer.Record!.Mode).Contains(group)) continue;
                var corrupt = (int[])tokens.Clone();
                corrupt[i] = token;
                var error = ParseError(corrupt);
                Assert.True(error.TokenIndex == i, $"{Vocabulary.Name(token)} at token {i} ({places[i]}): {error.Message}");
                Assert.Equal(Vocabulary.Name(token), error.Found);
                replaced++;
            }
        }
        Assert.True(replaced > 10 * tokens.Length);
    }

    [Fact]
    public void RandomDamageEitherParsesOrThrowsASequenceFormatExceptionInsideTheSequence()
    {
        var random = new Random(12345);
        var originals = new[] { SmallStep(SearchMode.Tree, BoardSource.Rules), SmallStep(SearchMode.Rollout, BoardSource.Rules) }
            .Select(w => w.Sequence.Tokens.ToArray()).ToArray();
        for (var trial = 0; trial < 3000; trial++)
        {
            var tokens = originals[trial % 2].ToList();
            for (var edits = 1 + random.Next(3); edits > 0; edits--)
            {
                var at = random.Next(tokens.Count);
                var token = random.Next(-2, Vocabulary.Count + 3);
                switch (random.Next(3))
                {
                    case 0: tokens[at] = token; break;
                    case 1: tokens.Insert(at, token); break;
                    default: tokens.RemoveAt(at); break;
                }
            }
            try
            {
                SequenceParser.Parse(tokens, Vocabulary);
            }
            catch (SequenceFormatException e)
            {
                Assert.InRange(e.TokenIndex, 0, tokens.Count);
            }
        }
        for (var trial = 0; trial < 300; trial++)
        {
            var noise = Enumerable.Range(0, random.Next(200)).Select(_ => random.Next(-2, Vocabulary.Count + 3)).ToArray();
            Assert.Throws<SequenceFormatException>(() => SequenceParser.Parse(noise, Vocabulary));
        }
    }

    [Fact]
    public void ErrorMessagesSayWhichTokenWhatWasExpectedAndWhatWasFound()
    {
        var writer = SmallStep(SearchMode.Tree, BoardSource.Rules);
        var tokens = writer.Sequence.Tokens.ToArray();
        var record = writer.Record!;
        const int rootRow = 31, firstChild = 57;    // 5×5: BOS SIZE MODE ROOT side, 25 points, EST
        Assert.Equal(Vocabulary.Child, tokens[firstChild]);

        Assert.Equal("token 1: expected a board size (SIZE_5..SIZE_19), found MODE_TREE", Error(1, Vocabulary.ModeTree));
        Assert.Equal("token 40: expected a value token (V_0..V_63) or ILLEGAL, found BLACK", Error(rootRow + 9, Vocabulary.Black));
        Assert.Equal("token 56: expected a value token (V_0..V_63) for PASS, which is always legal, found ILLEGAL", Error(56, Vocabulary.Illegal));
        Assert.Equal("token 7: expected a point state (EMPTY, BLACK or WHITE), found PASS", Error(7, Vocabulary.Pass));
        Assert.Equal("token 58: expected a move on the 5×5 board or PASS, found MOVE_7_0", Error(firstChild + 1, Vocabulary.MoveToken(7, 0)));
        Assert.Equal("token 59: expected TO_MOVE_W (the root's opponent), found TO_MOVE_B", Error(firstChild + 2, Vocabulary.ToMoveBlack));
        var occupied = Array.FindIndex(record.Board, c => c != Color.Empty);
        Assert.Equal($"token 58: expected a move that the root EST row does not mark ILLEGAL, found {Vocabulary.Name(BoardCodec.MoveTokenOf(occupied, 5))}",
            Error(firstChild + 1, BoardCodec.MoveTokenOf(occupied, 5)));
        var secondChild = firstChild + 3 + 25 + 1 + 26;
        Assert.Equal($"token {secondChild + 1}: expected a move not searched yet (this one was at token 58), found {Vocabulary.Name(tokens[firstChild + 1])}",
            Error(secondChild + 1, tokens[firstChild + 1]));
        Assert.Equal($"token {firstChild + 28}: expected EST or RESULT, found IMPROVED", Error(firstChild + 28, Vocabulary.Improved));

        var improvedRow = tokens.Length - 27;
        var illegal = Array.IndexOf(record.Root.Tokens, Vocabulary.Illegal);
        var legal = Array.FindIndex(record.Root.Tokens, t => t != Vocabulary.Illegal);
        Assert.Equal($"token {improvedRow + illegal}: expected ILLEGAL, as in the root EST row, found V_3", Error(improvedRow + illegal, Vocabulary.ValueToken(3)));
        Assert.Equal($"token {improvedRow + legal}: expected a value token (V_0..V_63), as the root EST row has a value here, found ILLEGAL",
            Error(improvedRow + legal, Vocabulary.Illegal));
        Assert.Equal($"token {tokens.Length}: expected nothing after EOS, found PAD", ParseError([.. tokens, Vocabulary.Pad]).Message);
        Assert.Equal($"token {tokens.Length - 1}: expected EOS, found <unknown token {Vocabulary.Count}>", Error(tokens.Length - 1, Vocabulary.Count));

        string Error(int index, int token)
        {
            var corrupt = (int[])tokens.Clone();
            corrupt[index] = token;
            return ParseError(corrupt).Message;
        }
    }

    [Fact]
    public void DescribeListsEveryTokenWithItsPointAndSaysWhatIsWrong()
    {
        var writer = SmallStep(SearchMode.Rollout, BoardSource.Rules);
        var tokens = writer.Sequence.Tokens.ToArray();
        var lines = SequenceParser.Describe(tokens, Vocabulary).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(tokens.Length, lines.Length);
        Assert.Equal("    0  BOS", lines[0]);
        Assert.Equal("    1  SIZE_5", lines[1]);
        Assert.Equal("    2  MODE_ROLLOUT", lines[2]);
        Assert.Matches(@"^    5  (EMPTY|BLACK|WHITE) +A1    point 1$", lines[5]);
        Assert.Matches(@"^   10  (EMPTY|BLACK|WHITE) +A2    point 20$", lines[10]);
        Assert.Matches(@"^   56  (V_\d+) +pass  point 362$", lines[56]);
        Assert.Matches(@"^   57  ROLLOUT$", lines[57]);
        Assert.Equal($"{tokens.Length - 1,5}  EOS", lines[^1]);
        for (var i = 0; i < tokens.Length; i++)
            Assert.Equal(SequenceParser.DescribeToken(i, tokens[i], writer.Sequence.PointIds[i], Vocabulary), lines[i]);

        tokens[40] = Vocabulary.Root;
        var broken = SequenceParser.Describe(tokens, Vocabulary).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(tokens.Length + 1, broken.Length);
        Assert.Equal("   40  ROOT", broken[40]);
        Assert.Equal("   41  " + Vocabulary.Name(tokens[41]), broken[41]);
        Assert.Equal("not a valid search step: token 40: expected a value token (V_0..V_63) or ILLEGAL, found ROOT", broken[^1]);
    }

    /// <summary>A 5×5 step with a few stones, an ILLEGAL point at the root and top-k 2.</summary>
    private static SearchWriter SmallStep(SearchMode mode, BoardSource boards, int playouts = 1) =>
        Write(Play(5, "C3 C4 B4 D2 D4 D3"), new SearchSettings { Mode = mode, Boards = boards, TopK = 2, Playouts = playouts }, RandomAnswers(Vocabulary, 99), 99);

    private static SequenceFormatException ParseError(IReadOnlyList<int> tokens)
    {
        var exception = Record.Exception(() => SequenceParser.Parse(tokens, Vocabulary));
        return Assert.IsType<SequenceFormatException>(exception);
    }

    private static void AssertSameStep(SearchRecord written, SearchRecord parsed)
    {
        Assert.Equal(written.BoardSize, parsed.BoardSize);
        Assert.Equal(written.Mode, parsed.Mode);
        Assert.Equal(written.ToMove, parsed.ToMove);
        Assert.Equal(written.Board, parsed.Board);
        AssertSameRow(written.Root, parsed.Root);
        Assert.Equal(written.Children.Count, parsed.Children.Count);
        for (var c = 0; c < written.Children.Count; c++)
        {
            var (expected, actual) = (written.Children[c], parsed.Children[c]);
            Assert.Equal(expected.Move, actual.Move);
            Assert.Equal(expected.ToMove, actual.ToMove);
            Assert.Equal(expected.Board, actual.Board);
            Assert.Null(actual.TrueBoard);
            Assert.Equal(expected.ResultToken, actual.ResultToken);
            Assert.Equal(expected.Estimates is null, actual.Estimates is null);
            if (expected.Estimates is not null)
            {
                AssertSameRow(expected.Estimates, actual.Estimates!);
                Assert.Equal(1 - actual.Estimates!.Values.Where(v => !double.IsNaN(v)).Max(), actual.Backup, 12);
            }
            else
            {
                Assert.Equal(expected.Backup, actual.Backup);
            }
        }
        Assert.Equal(written.Rollouts.Count, parsed.Rollouts.Count);
        for (var r = 0; r < written.Rollouts.Count; r++)
        {
            Assert.Equal(written.Rollouts[r].Move, parsed.Rollouts[r].Move);
            Assert.Equal(written.Rollouts[r].Playout, parsed.Rollouts[r].Playout);
            Assert.Equal(written.Rollouts[r].ResultToken, parsed.Rollouts[r].ResultToken);
            // The mean of several playouts is read back as its bucket's centre; one playout's is its RESULT's value.
            var mean = written.Rollouts[r].MeanValue;
            Assert.Equal(written.Rollouts[r].Playouts > 1 ? Vocabulary.BucketCenter(Vocabulary.Bucket(mean)) : mean, parsed.Rollouts[r].MeanValue);
        }
        AssertSameRow(written.Improved!, parsed.Improved!);
        Assert.Null(parsed.Backup);
    }

    /// <summary>Same tokens; the parsed values are the centres of the buckets written, NaN where ILLEGAL.</summary>
    private static void AssertSameRow(ValueRow written, ValueRow parsed)
    {
        Assert.Equal(written.Tokens, parsed.Tokens);
        for (var move = 0; move < written.Tokens.Length; move++)
        {
            var token = written.Tokens[move];
            if (token == Vocabulary.Illegal) Assert.True(double.IsNaN(parsed.Values[move]));
            else Assert.Equal(Vocabulary.BucketCenter(Vocabulary.BucketOf(token)), parsed.Values[move]);
        }
    }

    /// <summary>What a place in the grammar is, told from the written record alone (not from the parser).</summary>
    private enum Place
    {
        Bos, Size, Mode, RootMarker, Side, ChildSide, Point, EstMarker, RowValue, PassValue, FirstBlockMarker, NextBlockMarker,
        SearchedMove, EstOrResult, Outcome, PlayoutMove, ImprovedValue, ImprovedIllegal, Eos,
        /// <summary>After a rollout's outcome: its mean, or the next block, or IMPROVED.</summary>
        MeanOrNextBlockMarker,
    }

    /// <summary>Token groups; a wrong token is one whose group the place does not allow.</summary>
    private enum Group
    {
        Pad, Bos, Eos, Size, Mode, Root, Child, Improved, Rollout, Result, Est, Side, State, MoveOnBoard, MoveOffBoard, Pass, Value,
        Illegal, Outcome, Unknown,
    }

    private static List<Place> Places(SearchRecord record)
    {
        var points = record.BoardSize * record.BoardSize;
        var places = new List<Place> { Place.Bos, Place.Size, Place.Mode, Place.RootMarker, Place.Side };
        places.AddRange(Enumerable.Repeat(Place.Point, points));
        AddRow();
        var first = true;
        foreach (var child in record.Children)
        {
            places.AddRange([first ? Place.FirstBlockMarker : Place.NextBlockMarker, Place.SearchedMove, Place.ChildSide]);
            places.AddRange(Enumerable.Repeat(Place.Point, points));
            places.Add(Place.EstOrResult);
            if (child.Estimates is null) places.Add(Place.Outcome);
            else places.AddRange(Enumerable.Repeat(Place.RowValue, points).Append(Place.PassValue));
            first = false;
        }
        var afterOutcome = false;
        foreach (var rollout in record.Rollouts)
        {
            places.AddRange([first ? Place.FirstBlockMarker : afterOutcome ? Place.MeanOrNextBlockMarker : Place.NextBlockMarker, Place.SearchedMove]);
            places.AddRange(Enumerable.Repeat(Place.PlayoutMove, rollout.Playout.Length));
            places.AddRange([Place.PlayoutMove, Place.Outcome]);    // RESULT may stand where a playout move could
            // The mean of several playouts is optional to the grammar: it may be left out, and a value may follow any outcome.
            afterOutcome = rollout.Playouts == 1;
            if (!afterOutcome) places.Add(Place.MeanOrNextBlockMarker);
            first = false;
        }
        places.Add(afterOutcome ? Place.MeanOrNextBlockMarker : Place.NextBlockMarker);
        places.AddRange(record.Root.Tokens.Select(t => t == Vocabulary.Illegal ? Place.ImprovedIllegal : Place.ImprovedValue));
        places.Add(Place.Eos);
        return places;

        void AddRow()
        {
            places.Add(Place.EstMarker);
            places.AddRange(Enumerable.Repeat(Place.RowValue, points).Append(Place.PassValue));
        }
    }

    private static Group[] Allowed(Place place, SearchMode mode) => place switch
    {
        Place.Bos => [Group.Bos],
        Place.Size => [Group.Size],
        Place.Mode => [Group.Mode],
        Place.RootMarker => [Group.Root],
        Place.Side or Place.ChildSide => [Group.Side],
        Place.Point => [Group.State],
        Place.EstMarker => [Group.Est],
        Place.RowValue => [Group.Value, Group.Illegal],
        Place.PassValue or Place.ImprovedValue => [Group.Value],
        Place.FirstBlockMarker => [mode == SearchMode.Tree ? Group.Child : Group.Rollout],
        Place.NextBlockMarker => [mode == SearchMode.Tree ? Group.Child : Group.Rollout, Group.Improved],
        Place.MeanOrNextBlockMarker => [Group.Value, Group.Rollout, Group.Improved],
        Place.SearchedMove => [Group.MoveOnBoard, Group.Pass],
        Place.EstOrResult => [Group.Est, Group.Result],
        Place.Outcome => [Group.Outcome],
        Place.PlayoutMove => [Group.MoveOnBoard, Group.Pass, Group.Result],
        Place.ImprovedIllegal => [Group.Illegal],
        Place.Eos => [Group.Eos],
        _ => throw new ArgumentOutOfRangeException(nameof(place)),
    };

    private static IEnumerable<(Group Group, int Token)> Representatives(int size) =>
    [
        (Group.Pad, Vocabulary.Pad), (Group.Bos, Vocabulary.Bos), (Group.Eos, Vocabulary.Eos),
        (Group.Size, Vocabulary.SizeToken(9)), (Group.Mode, Vocabulary.ModeRollout),
        (Group.Root, Vocabulary.Root), (Group.Child, Vocabulary.Child), (Group.Improved, Vocabulary.Improved),
        (Group.Rollout, Vocabulary.Rollout), (Group.Result, Vocabulary.Result), (Group.Est, Vocabulary.Est),
        (Group.Side, Vocabulary.ToMoveWhite), (Group.State, Vocabulary.White),
        (Group.MoveOnBoard, Vocabulary.MoveToken(size - 1, size - 1)), (Group.MoveOffBoard, Vocabulary.MoveToken(size, 0)),
        (Group.MoveOffBoard, Vocabulary.MoveToken(0, Vocabulary.MaxBoardSize - 1)), (Group.Pass, Vocabulary.Pass),
        (Group.Value, Vocabulary.ValueToken(Vocabulary.ValueBuckets - 1)), (Group.Illegal, Vocabulary.Illegal),
        (Group.Outcome, Vocabulary.WhiteWins), (Group.Outcome, Vocabulary.Draw),
        (Group.Unknown, Vocabulary.Count), (Group.Unknown, -1),
    ];
}
