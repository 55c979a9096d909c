using GoSeqZero.Go;
using GoSeqZero.Trainer.Search;
using GoSeqZero.Trainer.Sequences;
using static GoSeqZero.Tests.Trainer.Sequences.ScriptedSearch;

namespace GoSeqZero.Tests.Trainer.Sequences;

/// <summary>
/// The writer without a model: scripts answer its decisions, the rules engine says what the forced tokens must be,
/// and the parser reads every sequence back (so each one also obeys the grammar).
/// </summary>
public class SearchWriterTests
{
    private static readonly Vocabulary Vocabulary = new();

    [Theory]
    [InlineData(SearchMode.Tree)]
    [InlineData(SearchMode.Rollout)]
    public void ForcedTokensAreWhatTheRulesEngineSaysOnEveryBoardSize(SearchMode mode)
    {
        for (var size = Vocabulary.MinBoardSize; size <= Vocabulary.MaxBoardSize; size++)
        for (var half = 1; half <= 2; half++)
        {
            var seed = (ulong)(1000 * size + 10 * half + (int)mode);
            var root = RandomPosition(size, half * size * size / 2, seed);
            var settings = new SearchSettings { Mode = mode, TopK = 3, GumbelTopK = true, Komi = 0.5 };
            var writer = Write(root, settings, RandomAnswers(Vocabulary, (int)seed), seed);
            var record = SequenceParser.Parse(writer.Sequence.Tokens, Vocabulary);
            var where = $"{size}×{size} {mode}, seed {seed}";

            Assert.True(writer.Sequence.Count <= settings.MaxTokens(size), where);
            Assert.Equal(root.GetPosition(), record.Board);
            Assert.Equal(root.ToMove, record.ToMove);
            AssertIllegalExactlyWhereTheRulesSay(root, record.Root, where + ", root");
            if (mode == SearchMode.Tree)
            {
                Assert.Equal(3, record.Children.Count);
                foreach (var child in record.Children) AssertChildFollowsTheRules(root, child, settings.Komi, where);
            }
            else
            {
                Assert.Equal(3, record.Rollouts.Count);
                foreach (var rollout in record.Rollouts) AssertRolloutFollowsTheRules(root, rollout, settings.Komi, where);
            }
        }
    }

    [Fact]
    public void ARolloutStepWithSeveralPlayoutsWritesOneAndBacksUpTheMeanOfAll()
    {
        const int playouts = 400;
        var root = RandomPosition(5, 6, seed: 21);
        var settings = new SearchSettings { Mode = SearchMode.Rollout, TopK = 2, Playouts = playouts, Komi = 0.5 };
        var writer = Write(root, settings, RandomAnswers(Vocabulary, 5), seed: 9);
        var record = writer.Record!;
        var parsed = SequenceParser.Parse(writer.Sequence.Tokens, Vocabulary);

        Assert.True(writer.Sequence.Count <= settings.MaxTokens(5));
        Assert.Equal(2, record.Rollouts.Count);
        for (var i = 0; i < record.Rollouts.Count; i++)
        {
            var rollout = record.Rollouts[i];
            var where = $"rollout of move {rollout.Move}";
            // One playout is in the sequence, and it is the one the record keeps.
            Assert.Equal(rollout.Playout, parsed.Rollouts[i].Playout);
            Assert.Equal(rollout.ResultToken, parsed.Rollouts[i].ResultToken);
            // The mean of all of them is written too, as its bucket: the search player reads it.
            Assert.Equal(Vocabulary.BucketCenter(Vocabulary.Bucket(rollout.MeanValue)), parsed.Rollouts[i].MeanValue);
            AssertRolloutFollowsTheRules(root, rollout, settings.Komi, where);
            // The backup (α = 1) is the mean of all of them: a whole number of wins out of 400, close to what 4,000
            // independent playouts from the same position give (within 5σ of the difference).
            Assert.Equal(playouts, rollout.Playouts);
            Assert.Equal(rollout.MeanValue, record.Backup!.Values[rollout.Move]);
            Assert.Equal(Math.Round(rollout.MeanValue * playouts), rollout.MeanValue * playouts, 9);
            var expected = PlayoutWinRate(root, rollout.Move, settings.Komi, 4000, seed: (ulong)(100 + i));
            var sigma = Math.Sqrt(Math.Max(expected * (1 - expected), 0.01) * (1.0 / playouts + 1.0 / 4000));
            Assert.InRange(rollout.MeanValue, expected - 5 * sigma, expected + 5 * sigma);
        }
    }

    [Fact]
    public void WithoutItsPlayoutARolloutBlockIsFiveTokensAndReadsBackTheSameMeans()
    {
        var root = RandomPosition(7, 10, seed: 5);
        var full = new SearchSettings { Mode = SearchMode.Rollout, TopK = 20, Playouts = 50, Komi = 7.5 };
        var compact = full with { WritePlayouts = false };
        var written = Write(root, full, RandomAnswers(Vocabulary, 3), seed: 11);
        var writer = Write(root, compact, RandomAnswers(Vocabulary, 3), seed: 11);
        var tokens = writer.Sequence.Tokens;

        // The same playouts are drawn either way; only their moves are left out of the sequence (and of the record).
        Assert.Equal(written.Record!.Rollouts.Select(r => (r.Move, r.ResultToken, r.MeanValue)), writer.Record!.Rollouts.Select(r => (r.Move, r.ResultToken, r.MeanValue)));
        Assert.All(writer.Record.Rollouts, rollout => Assert.Empty(rollout.Playout));
        var blocks = Enumerable.Range(0, tokens.Count).Where(i => tokens[i] == Vocabulary.Rollout).ToArray();
        Assert.Equal(20, blocks.Length);
        foreach (var at in blocks)
        {
            Assert.Equal(Vocabulary.Result, tokens[at + 2]);
            Assert.Contains(tokens[at + 3], new[] { Vocabulary.BlackWins, Vocabulary.WhiteWins, Vocabulary.Draw });
            Assert.True(Vocabulary.IsValue(tokens[at + 4]), $"token {at + 4} is {Vocabulary.Name(tokens[at + 4])}");
        }
        Assert.True(tokens.Count <= compact.MaxTokens(7), $"{tokens.Count} tokens > {compact.MaxTokens(7)}");
        Assert.True(compact.MaxTokens(7) < full.MaxTokens(7) / 10);

        var parsed = SequenceParser.Parse(tokens, Vocabulary);
        Assert.Equal(writer.Record.Rollouts.Select(r => Vocabulary.BucketCenter(Vocabulary.Bucket(r.MeanValue))), parsed.Rollouts.Select(r => r.MeanValue));
        Assert.All(parsed.Rollouts, rollout => Assert.Empty(rollout.Playout));
        Assert.Equal(writer.Sequence.PointIds, SequenceParser.PointIds(tokens, Vocabulary));
    }

    [Theory]
    [InlineData(-30.0, 1.0, 8)]
    [InlineData(30.0, 0.0, 8)]
    [InlineData(-30.0, 1.0, 1)]
    [InlineData(30.0, 0.0, 1)]
    public void PlayoutsOfADecidedGameBackUpItsResultForTheSideToMove(double komi, double blackValue, int playouts)
    {
        // A komi beyond the board's 25 points decides every game: Black (to move) wins all or none of them.
        var root = RandomPosition(5, 4, seed: 3);
        Assert.Equal(Color.Black, root.ToMove);
        var settings = new SearchSettings { Mode = SearchMode.Rollout, TopK = 3, Playouts = playouts, Komi = komi };
        var writer = Write(root, settings, RandomAnswers(Vocabulary, 1));
        Assert.All(writer.Record!.Rollouts, rollout => Assert.Equal(blackValue, rollout.MeanValue));
        // Read back, with the mean written (several playouts) or from the RESULT (one): the extreme buckets' centres.
        var parsed = SequenceParser.Parse(writer.Sequence.Tokens, Vocabulary);
        var expected = playouts == 1 ? blackValue : Vocabulary.BucketCenter(Vocabulary.Bucket(blackValue));
        Assert.All(parsed.Rollouts, rollout => Assert.Equal(expected, rollout.MeanValue));
        // The mean follows each RESULT outcome exactly when there are several playouts.
        var tokens = writer.Sequence.Tokens;
        var afterOutcomes = Enumerable.Range(0, tokens.Count - 2).Where(i => tokens[i] == Vocabulary.Result).Select(i => tokens[i + 2]).ToArray();
        Assert.Equal(3, afterOutcomes.Length);
        Assert.All(afterOutcomes, token => Assert.Equal(playouts > 1, Vocabulary.IsValue(token)));
    }

    /// <summary>The share of random playouts from <paramref name="root"/> after <paramref name="move"/> that its side to move wins.</summary>
    private static double PlayoutWinRate(Board root, int move, double komi, int count, ulong seed)
    {
        var n = root.Size;
        var child = root.Clone();
        child.Play(root.ToMove, BoardCodec.GridPointOf(child, move));
        var random = new FastRandom(seed);
        var wins = 0.0;
        for (var i = 0; i < count; i++)
        {
            var board = child.Clone();
            var score = RandomPlayout.Run(board, ref random) - komi;
            wins += score == 0 ? 0.5 : (score > 0) == (root.ToMove == Color.Black) ? 1 : 0;
        }
        return wins / count;
    }

    [Fact]
    public void OccupiedAndSuicidePointsAreIllegalButACapturingSelfAtariIsNot()
    {
        // White B1 and A2 make A1 suicide for Black. E5 has no empty neighbour either, but Black E5 takes White D5's
        // last liberty (Black C5 and D4 surround it), so it captures and is legal.
        var stones = new Color[25];
        foreach (var v in new[] { "C3", "C5", "D4" }) stones[MoveIndex(v, 5)] = Color.Black;
        foreach (var v in new[] { "B1", "A2", "D5", "E4" }) stones[MoveIndex(v, 5)] = Color.White;
        var root = new Board(5);
        root.SetPosition(stones, Color.Black);
        var row = Write(root, new SearchSettings { TopK = 1 }, (_, _) => Bucket(Vocabulary, 30)).Record!.Root;

        Assert.Equal("suicide", root.WhyIllegal(Color.Black, root.PointAt(0, 0)));
        Assert.False(row.IsLegal(MoveIndex("A1", 5), Vocabulary));
        foreach (var occupied in new[] { "C3", "C5", "D4", "B1", "A2", "D5", "E4" }) Assert.False(row.IsLegal(MoveIndex(occupied, 5), Vocabulary));
        Assert.True(row.IsLegal(MoveIndex("E5", 5), Vocabulary));
        AssertIllegalExactlyWhereTheRulesSay(root, row, "suicide position");
    }

    [Fact]
    public void AKoRecaptureForbiddenByPositionalSuperkoIsIllegalAtTheRootAndInsideAChild()
    {
        // Rules case "ko" (tests/Data/Rules/rules.txt): Black C3 takes White B3; White's immediate B3 would repeat a position.
        var beforeCapture = new Board(5);
        var stones = new Color[25];
        foreach (var v in new[] { "B4", "A3", "B2" }) stones[MoveIndex(v, 5)] = Color.Black;
        foreach (var v in new[] { "C4", "B3", "D3", "C2" }) stones[MoveIndex(v, 5)] = Color.White;
        beforeCapture.SetPosition(stones, Color.Black);
        var capture = MoveIndex("C3", 5);
        var recapture = MoveIndex("B3", 5);

        // Inside a child: the script makes the capture the best root move; the child's row must forbid the recapture.
        var writer = Write(beforeCapture, new SearchSettings { TopK = 1 }, (row, d) => Bucket(Vocabulary, row == 0 && d.PointId == Vocabulary.EmbeddingPointId(2, 2) ? 60 : 20));
        var child = Assert.Single(writer.Record!.Children);
        Assert.Equal(capture, child.Move);
        Assert.False(child.Estimates!.IsLegal(recapture, Vocabulary));

        // At the root: the board after the capture, White to move, with its history.
        var afterCapture = beforeCapture.Clone();
        afterCapture.Play(Color.Black, afterCapture.PointAt(2, 2));
        Assert.Contains("superko", afterCapture.WhyIllegal(Color.White, afterCapture.PointAt(1, 2)));
        var rootRow = Write(afterCapture, new SearchSettings { TopK = 1 }, (_, _) => Bucket(Vocabulary, 30)).Record!.Root;
        Assert.False(rootRow.IsLegal(recapture, Vocabulary));
        AssertIllegalExactlyWhereTheRulesSay(afterCapture, rootRow, "ko");

        // The same stones set up without a history: the recapture is legal, so ILLEGAL above came from superko.
        var withoutHistory = new Board(5);
        withoutHistory.SetPosition(afterCapture.GetPosition(), Color.White);
        var freshRow = Write(withoutHistory, new SearchSettings { TopK = 1 }, (_, _) => Bucket(Vocabulary, 30)).Record!.Root;
        Assert.True(freshRow.IsLegal(recapture, Vocabulary));
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(0.5)]
    public void TheBackupMovesEachExpandedMoveByAlphaTowardOneMinusItsChildsBestValue(double alpha)
    {
        // Black to move on a 5×5 board with two stones. Root values: C3 bucket 50, D3 bucket 40, pass 5, others 20.
        // Child after C3 (White to move): best bucket 45 (at B2), so backup(C3) = 1 − 45.5/64.
        // Child after D3: best bucket 10 (every legal move), so backup(D3) = 1 − 10.5/64.
        var root = Play(5, "B4 D2");
        var c3 = MoveIndex("C3", 5);
        var d3 = MoveIndex("D3", 5);
        var settings = new SearchSettings { TopK = 2, Alpha = alpha };
        var writer = Write(root, settings, (row, decision) =>
        {
            var (x, y) = decision.PointId == Vocabulary.PassPointId ? (-1, -1) : Vocabulary.PointOfEmbeddingPointId(decision.PointId);
            return row switch
            {
                0 when (x, y) == (2, 2) => Bucket(Vocabulary, 50),
                0 when (x, y) == (3, 2) => Bucket(Vocabulary, 40),
                0 when x < 0 => Bucket(Vocabulary, 5),
                0 => Bucket(Vocabulary, 20),
                1 when (x, y) == (1, 1) => Bucket(Vocabulary, 45),
                1 => Bucket(Vocabulary, 3),
                _ => Bucket(Vocabulary, 10),
            };
        });
        var record = writer.Record!;
        Assert.Equal(new[] { c3, d3 }, record.Children.Select(c => c.Move));
        Assert.Equal(1 - 45.5 / 64, record.Children[0].Backup, 12);
        Assert.Equal(1 - 10.5 / 64, record.Children[1].Backup, 12);

        var expected = new Dictionary<int, double>
        {
            [c3] = 50.5 / 64 + alpha * (1 - 45.5 / 64 - 50.5 / 64),
            [d3] = 40.5 / 64 + alpha * (1 - 10.5 / 64 - 40.5 / 64),
        };
        for (var move = 0; move < record.MoveCount; move++)
        {
            if (!record.Root.IsLegal(move, Vocabulary))
            {
                Assert.Equal(Vocabulary.Illegal, record.Backup!.Tokens[move]);
                Assert.Equal(Vocabulary.Illegal, record.Improved!.Tokens[move]);
                continue;
            }
            var value = expected.TryGetValue(move, out var backedUp) ? backedUp : record.Root.Values[move];
            Assert.Equal(value, record.Backup!.Values[move], 12);
            Assert.Equal(Vocabulary.ValueToken(Vocabulary.Bucket(value)), record.Backup.Tokens[move]);
            // Self-play: the IMPROVED row is forced from the backup.
            Assert.Equal(record.Backup.Tokens[move], record.Improved!.Tokens[move]);
        }
        Assert.Equal(alpha == 1 ? 18 : 34, Vocabulary.BucketOf(record.Improved!.Tokens[c3]));
        Assert.Equal(alpha == 1 ? 53 : 47, Vocabulary.BucketOf(record.Improved.Tokens[d3]));
    }

    [Theory]
    [InlineData(7.0, 1.0)]
    [InlineData(25.0, 0.5)]
    [InlineData(30.0, 0.0)]
    public void PassingAfterTheOpponentsPassEndsTheGameAndTheChildGetsTheExactResult(double komi, double value)
    {
        // Black C3, White passes: Black's pass ends the game; Black's area is all 25 points, so Black − White = 25 − komi.
        var root = Play(5, "C3 pass");
        var settings = new SearchSettings { TopK = 2, Komi = komi };
        var writer = Write(root, settings, (row, decision) =>
            Bucket(Vocabulary, row == 0 && decision.PointId == Vocabulary.PassPointId ? 63 : row == 0 ? 30 : 12));
        var record = writer.Record!;
        var pass = record.Children[0];
        Assert.Equal(record.PassMove, pass.Move);
        Assert.Null(pass.Estimates);
        Assert.Equal(value == 1 ? Vocabulary.BlackWins : value == 0 ? Vocabulary.WhiteWins : Vocabulary.Draw, pass.ResultToken);
        Assert.Equal(value, pass.Backup);
        Assert.Equal(value, record.Backup!.Values[record.PassMove]);
        // The non-terminal second child still gets an EST row.
        Assert.NotNull(record.Children[1].Estimates);

        // In the tokens: PASSED after the root's side to move (White has just passed), the board after Black's pass,
        // then RESULT and the outcome, then the next CHILD.
        var tokens = writer.Sequence.Tokens;
        Assert.True(record.Passed);
        Assert.Equal(Vocabulary.Passed, tokens[5]);
        var firstChild = 3 + 3 + 25 + 1 + 26;      // BOS SIZE MODE, ROOT side PASSED board, EST row
        var boardStart = firstChild + 3;            // CHILD PASS TO_MOVE_W
        Assert.Equal(Vocabulary.Child, tokens[firstChild]);
        Assert.Equal(Vocabulary.Pass, tokens[firstChild + 1]);
        Assert.Equal(Vocabulary.Result, tokens[boardStart + 25]);
        Assert.Equal(pass.ResultToken, tokens[boardStart + 26]);
        Assert.Equal(TokenRole.Result, writer.Sequence.Roles[boardStart + 26]);
        Assert.Equal(Vocabulary.Child, tokens[boardStart + 27]);
        var parsed = SequenceParser.Parse(tokens, Vocabulary);
        Assert.Equal(record.Children[0].ResultToken, parsed.Children[0].ResultToken);
        Assert.True(parsed.Passed);
        Assert.False(parsed.Children[1].Passed);
    }

    [Fact]
    public void WithPassAsLastResortThePassIsSearchedOnlyAfterAPassOrWhenOnlyOwnAreaIsLeft()
    {
        var settings = new SearchSettings { TopK = 3, PassOnlyAsLastResort = true };
        // The model likes the pass best; with moves left and no pass before, it is not searched.
        ScriptedAnswer PassFirst(int row, Decision decision) => Bucket(Vocabulary, row == 0 && decision.PointId == Vocabulary.PassPointId ? 63 : 20);
        var open = Write(Play(5, "C3"), settings, PassFirst).Record!;
        Assert.DoesNotContain(25, open.SearchedMoves);
        Assert.Equal(3, open.SearchedMoves.Count());
        Assert.Contains(25, Write(Play(5, "C3"), settings with { PassOnlyAsLastResort = false }, PassFirst).Record!.SearchedMoves);
        // After the opponent's pass it is searched (and ends the game).
        Assert.Contains(25, Write(Play(5, "C3 pass"), settings, PassFirst).Record!.SearchedMoves);
        // Black's only empty points are its own single-point eyes: the pass is the move left.
        var eyes = new Board(5);
        var stones = new Color[25];
        for (var i = 0; i < 25; i++) stones[i] = Color.Black;
        stones[0] = stones[12] = Color.Empty;        // A1 and C3
        eyes.SetPosition(stones, Color.Black);
        Assert.Contains(25, Write(eyes, settings, PassFirst).Record!.SearchedMoves);
        // Black's wall on column C leaves two regions that reach only Black: filling its own area can only cost eyes,
        // so the pass is searched. White, to move there, has only Black's area to contest: it plays on.
        var wall = new Color[25];
        for (var y = 0; y < 5; y++) wall[y * 5 + 2] = Color.Black;
        var settled = new Board(5);
        settled.SetPosition(wall, Color.Black);
        Assert.False(SearchWriter.HasMoveOutsideOwnArea(settled));
        Assert.Contains(25, Write(settled, settings, PassFirst).Record!.SearchedMoves);
        settled.SetToMove(Color.White);
        Assert.True(SearchWriter.HasMoveOutsideOwnArea(settled));
        // A white stone dropped into Black's area (A2) contests it again.
        wall[5] = Color.White;
        settled.SetPosition(wall, Color.Black);
        Assert.True(SearchWriter.HasMoveOutsideOwnArea(settled));
        Assert.DoesNotContain(25, Write(settled, settings, PassFirst).Record!.SearchedMoves);
    }

    [Fact]
    public void APassHeldBackAsALastResortNeitherSetsAChildsBackupNorIsThePriorsMove()
    {
        // Every row rates the pass best. Held back, the pass is never searched, so never learnt: its value must not
        // decide the opponent's best reply in a child, nor the prior player's move.
        ScriptedAnswer PassBest(int row, Decision decision) => Bucket(Vocabulary, decision.PointId == Vocabulary.PassPointId ? 63 : 20);
        var held = Write(Play(5, "C3"), new SearchSettings { TopK = 2, PassOnlyAsLastResort = true }, PassBest).Record!;
        Assert.True(held.PassHeldBack);
        Assert.NotEqual(held.PassMove, held.BestPriorMove(Vocabulary));
        Assert.All(held.Children, child => Assert.Equal(1 - Vocabulary.BucketCenter(20), child.Backup, 9));

        var open = Write(Play(5, "C3"), new SearchSettings { TopK = 2, PassOnlyAsLastResort = false }, PassBest).Record!;
        Assert.False(open.PassHeldBack);
        Assert.Equal(open.PassMove, open.BestPriorMove(Vocabulary));
        Assert.All(open.Children.Where(child => child.Estimates is not null), child => Assert.Equal(1 - Vocabulary.BucketCenter(63), child.Backup, 9));
    }

    [Fact]
    public void APassThatDoesNotEndTheGameIsMarkedPassedInItsChildSoThatThePassBackIsKnownToEndIt()
    {
        var root = Play(5, "C3");
        var settings = new SearchSettings { TopK = 2, PassOnlyAsLastResort = false };
        var writer = Write(root, settings, (row, decision) =>
            Bucket(Vocabulary, row == 0 && decision.PointId == Vocabulary.PassPointId ? 63 : 20));
        var record = writer.Record!;
        Assert.False(record.Passed);
        var pass = record.Children[0];
        Assert.Equal(record.PassMove, pass.Move);
        Assert.True(pass.Passed);
        Assert.NotNull(pass.Estimates);
        Assert.False(record.Children[1].Passed);
        var tokens = writer.Sequence.Tokens;
        var firstChild = 3 + 2 + 25 + 1 + 26;      // BOS SIZE MODE, ROOT side board, EST row
        Assert.Equal([Vocabulary.Child, Vocabulary.Pass, Vocabulary.ToMoveBlack, Vocabulary.Passed], tokens.Skip(firstChild).Take(4));
        Assert.Equal(1, tokens.Count(t => t == Vocabulary.Passed));
        var parsed = SequenceParser.Parse(tokens, Vocabulary);
        Assert.True(parsed.Children[0].Passed);
        Assert.False(parsed.Passed);
        // PASSED after a child that is not a pass breaks the grammar.
        var broken = tokens.ToList();
        var secondChild = broken.IndexOf(Vocabulary.Child, firstChild + 1);
        broken.Insert(secondChild + 3, Vocabulary.Passed);
        Assert.Contains("PASSED only follows a pass", Assert.Throws<SequenceFormatException>(() => SequenceParser.Parse(broken, Vocabulary)).Message);
    }

    [Fact]
    public void WhenTheModelWritesTheImprovedRowItIsKeptAsWrittenBesideTheComputedBackup()
    {
        var root = Play(5, "C3 C4");
        var settings = new SearchSettings { TopK = 2, ModelWritesImproved = true };
        var improvedDecisions = 0;
        var writer = Write(root, settings, (row, decision) =>
        {
            if (decision.Role != TokenRole.Improved) return Bucket(Vocabulary, decision.PointId == Vocabulary.EmbeddingPointId(1, 1) && row == 0 ? 40 : 25);
            improvedDecisions++;
            return Bucket(Vocabulary, 2);
        });
        var record = writer.Record!;
        var legal = Enumerable.Range(0, record.MoveCount).Where(m => record.Root.IsLegal(m, Vocabulary)).ToList();
        Assert.Equal(legal.Count, improvedDecisions);
        foreach (var move in legal)
        {
            Assert.Equal(Vocabulary.ValueToken(2), record.Improved!.Tokens[move]);
            Assert.Equal(2.5 / 64, record.Improved.Values[move]);
        }
        // The backup still moved B2 (the best root move) to 1 − the child's best value: it differs from what the model wrote.
        var b2 = MoveIndex("B2", 5);
        Assert.Equal(1 - 25.5 / 64, record.Backup!.Values[b2], 12);
        Assert.NotEqual(record.Backup.Tokens[b2], record.Improved!.Tokens[b2]);
        var improvedRoles = writer.Sequence.Roles.Count(r => r == TokenRole.Improved);
        Assert.Equal(legal.Count, improvedRoles);
        Assert.Equal(Vocabulary.ValueToken(2), SequenceParser.Parse(writer.Sequence.Tokens, Vocabulary).Improved!.Tokens[b2]);
    }

    [Fact]
    public void InSelfPlayTheImprovedRowIsForcedAndTheModelWritesOnlyEstimates()
    {
        var root = RandomPosition(7, 12, 5);
        var writer = Write(root, new SearchSettings { TopK = 3 }, (_, decision) =>
        {
            Assert.NotEqual(TokenRole.Improved, decision.Role);
            return Bucket(Vocabulary, 31);
        });
        var sequence = writer.Sequence;
        for (var i = 0; i < sequence.Count; i++)
        {
            var isValue = Vocabulary.IsValue(sequence.Tokens[i]);
            Assert.Equal(isValue, sequence.Roles[i] is TokenRole.RootEstimate or TokenRole.ChildEstimate or TokenRole.Improved);
        }
        // IMPROVED, one value or ILLEGAL per move, EOS.
        Assert.Equal(Vocabulary.Improved, sequence.Tokens[sequence.Count - 2 - writer.Record!.MoveCount]);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(9)]
    [InlineData(19)]
    public void ATreeStepWithKNonTerminalChildrenIsExactlyMaxTokensLong(int size)
    {
        var root = RandomPosition(size, size, (ulong)size);
        var settings = new SearchSettings { TopK = 4 };
        var writer = Write(root, settings, RandomAnswers(Vocabulary, size));
        Assert.All(writer.Record!.Children, c => Assert.NotNull(c.Estimates));
        // No pass was played or searched, so no PASSED and no pass block: n² + 6 tokens short of the longest step.
        Assert.DoesNotContain(Vocabulary.Passed, writer.Sequence.Tokens);
        Assert.Equal(settings.MaxTokens(size) - size * size - 6, writer.Sequence.Count);
        // BOS SIZE MODE, ROOT side board, EST row, k × (CHILD move side board, EST row), IMPROVED row, EOS.
        var points = size * size;
        Assert.Equal(3 + (points + 2) + (points + 2) + settings.TopK * (points + 3 + points + 2) + (points + 2) + 1, writer.Sequence.Count);
    }

    [Fact]
    public void ImaginedBoardsAreWrittenAsTheModelSaysAndGradedAgainstTheRulesEngine()
    {
        var root = RandomPosition(6, 10, 3);
        var settings = new SearchSettings { TopK = 3, Boards = BoardSource.Imagined };
        var writer = Write(root, settings, (_, decision) =>
            decision.Kind == DecisionKind.BoardPoint ? new ScriptedAnswer(Vocabulary.Empty, double.NaN) : Bucket(Vocabulary, 33));
        var record = writer.Record!;
        var empties = 0;
        foreach (var child in record.Children)
        {
            Assert.All(child.Board, c => Assert.Equal(Color.Empty, c));
            var truth = root.Clone();
            truth.Play(root.ToMove, BoardCodec.GridPointOf(truth, child.Move));
            Assert.Equal(truth.GetPosition(), child.TrueBoard);
            empties += child.TrueBoard!.Count(c => c == Color.Empty);
            Assert.NotNull(child.Estimates);
            // Legality in the child's row comes from the true position, not from the imagined (empty) board.
            AssertIllegalExactlyWhereTheRulesSay(truth, child.Estimates!, "imagined child");
        }
        Assert.Equal((3 * 36, empties), writer.ImaginedAccuracy);
        Assert.Equal(3 * 36, writer.Sequence.Roles.Count(r => r == TokenRole.ImaginedBoard));
    }

    internal static void AssertIllegalExactlyWhereTheRulesSay(Board position, ValueRow row, string where)
    {
        var n = position.Size;
        for (var move = 0; move < n * n; move++)
        {
            var legal = position.IsLegal(position.ToMove, BoardCodec.GridPointOf(position, move));
            Assert.True(legal == row.IsLegal(move, Vocabulary), $"{where}: move {move} is {(legal ? "legal" : "illegal")} for the rules engine");
        }
        Assert.True(row.IsLegal(n * n, Vocabulary), $"{where}: pass must be legal");
    }

    private static void AssertChildFollowsTheRules(Board root, ChildRecord child, double komi, string where)
    {
        var n = root.Size;
        var board = root.Clone();
        board.Play(root.ToMove, BoardCodec.GridPointOf(board, child.Move));
        Assert.Equal(board.GetPosition(), child.Board);
        Assert.Equal(board.ToMove, child.ToMove);
        if (board.IsGameOver)
        {
            Assert.Null(child.Estimates);
            Assert.Equal(ResultToken(board.Score(komi)), child.ResultToken);
        }
        else
        {
            Assert.Null(child.ResultToken);
            AssertIllegalExactlyWhereTheRulesSay(board, child.Estimates!, $"{where}, child {child.Move}");
        }
    }

    private static void AssertRolloutFollowsTheRules(Board root, RolloutRecord rollout, double komi, string where)
    {
        var n = root.Size;
        var board = root.Clone();
        foreach (var move in rollout.Playout.Prepend(rollout.Move))
        {
            Assert.False(board.IsGameOver, $"{where}: the rollout of {rollout.Move} goes on after the game ended");
            var point = BoardCodec.GridPointOf(board, move);
            Assert.True(board.IsLegal(board.ToMove, point), $"{where}: rollout of {rollout.Move} plays illegal move {move}");
            board.Play(board.ToMove, point);
        }
        Assert.True(board.IsGameOver, $"{where}: the rollout of {rollout.Move} stops before the game ends");
        Assert.Equal(ResultToken(board.Score(komi)), rollout.ResultToken);
    }

    [Fact]
    public void GroundingValuesEachChildsBestRepliesByPlayoutsWritesNothingAndBacksUpTheBestOfThem()
    {
        // Black to move; the root's C3 and D3 are searched. Each child's best two replies by its own row (B2 then D4
        // after C3; every other reply lower) are grounded by playouts.
        var root = Play(5, "B4 D2");
        ScriptedAnswer Script(int row, Decision decision)
        {
            var (x, y) = decision.PointId == Vocabulary.PassPointId ? (-1, -1) : Vocabulary.PointOfEmbeddingPointId(decision.PointId);
            return (row, x, y) switch
            {
                (0, 2, 2) => Bucket(Vocabulary, 50),
                (0, 3, 2) => Bucket(Vocabulary, 40),
                (0, _, _) => Bucket(Vocabulary, 20),
                (_, 1, 1) => Bucket(Vocabulary, 45),
                (_, 3, 3) => Bucket(Vocabulary, 30),
                _ => Bucket(Vocabulary, 3),
            };
        }
        var plain = Write(root, new SearchSettings { TopK = 2 }, Script);
        var grounded = Write(root, new SearchSettings { TopK = 2, GroundReplies = 2, GroundPlayouts = 8 }, Script);

        // Nothing of the grounding is written: the step up to its IMPROVED row is the same.
        var improved = plain.Sequence.Tokens.ToList().LastIndexOf(Vocabulary.Improved);
        Assert.Equal(plain.Sequence.Tokens.Take(improved), grounded.Sequence.Tokens.Take(improved));
        foreach (var child in grounded.Record!.Children)
        {
            Assert.Equal([MoveIndex("B2", 5), MoveIndex("D4", 5)], child.GroundedReplies.Keys.Order());
            Assert.All(child.GroundedReplies.Values, value => Assert.InRange(value, 0, 1));
            // 8 playouts give means in eighths.
            Assert.All(child.GroundedReplies.Values, value => Assert.Equal(Math.Round(value * 8), value * 8, 9));
            Assert.Equal(1 - child.GroundedReplies.Values.Max(), child.Backup, 12);
        }
        Assert.All(plain.Record!.Children, child => Assert.Empty(child.GroundedReplies));
    }

    [Fact]
    public void AGroundedReplyThatEndsTheGameIsValuedExactly()
    {
        // White to move after C3 plays a pass (the pass may be searched); Black's pass in reply ends the game, and
        // Black owns the board: the reply is worth 1 to Black, the White pass 0.
        var root = Play(5, "C3");
        var settings = new SearchSettings { TopK = 1, PassOnlyAsLastResort = false, GroundReplies = 1, Komi = 7.5 };
        var writer = Write(root, settings, (_, decision) => Bucket(Vocabulary, decision.PointId == Vocabulary.PassPointId ? 60 : 3));
        var child = Assert.Single(writer.Record!.Children);
        Assert.Equal(BoardCodec.PassMoveIndex(5), child.Move);
        Assert.Equal(1.0, child.GroundedReplies[BoardCodec.PassMoveIndex(5)]);
        Assert.Equal(0.0, child.Backup);
    }

    private static int ResultToken(double blackMinusWhite) =>
        blackMinusWhite > 0 ? Vocabulary.BlackWins : blackMinusWhite < 0 ? Vocabulary.WhiteWins : Vocabulary.Draw;
}
