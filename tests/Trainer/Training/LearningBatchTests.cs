using GoSeqZero.Go;
using GoSeqZero.Trainer.Sequences;
using GoSeqZero.Trainer.Training;

namespace GoSeqZero.Tests.Trainer.Training;

/// <summary>How search steps become training rows: targets, weights by the target's role, allowed tokens, companions, padding.</summary>
[Collection("Kernels")]
public class LearningBatchTests
{
    private static readonly Vocabulary Vocabulary = new();
    private static readonly LossWeights DistinctWeights = new(Improved: 1, Prior: 2, Imagined: 3, Result: 4);

    private static HashSet<int> AllowedAt(GoSeqZero.Transformer.TrainingBatch batch, int row) =>
        Enumerable.Range(0, Vocabulary.Count).Where(token => (batch.AllowedTokens![row * batch.MaskWords + token / 32] & (1u << (token % 32))) != 0).ToHashSet();

    private static HashSet<int> ValueTokens => Enumerable.Range(0, Vocabulary.ValueBuckets).Select(Vocabulary.ValueToken).ToHashSet();

    [Fact]
    public void EachRowPredictsTheNextLabelWeightedByItsRoleAndAllowsOnlyWhatThatLossCanAnswer()
    {
        var (sample, _) = TinyRuns.SearchStepWithEveryRole(Vocabulary);
        foreach (var role in Enum.GetValues<TokenRole>()) Assert.Contains(role, sample.Roles);

        var batch = LearningBatch.Build([LearningSequence.Search(sample)], Vocabulary, DistinctWeights).Batch;

        Assert.Equal(sample.Length, batch.Tokens);
        for (var t = 0; t < sample.Length; t++)
        {
            Assert.Equal(sample.Tokens[t], batch.TokenIds[t]);
            Assert.Equal(sample.PointIds[t], batch.PointIds[t]);
            Assert.Equal(t, batch.Positions[t]);
            if (t == sample.Length - 1)
            {
                Assert.Equal(0f, batch.Weights[t]);
                continue;
            }
            var role = sample.Roles[t + 1];
            Assert.Equal(sample.LabelAt(t + 1), batch.Targets[t]);
            var expected = role switch { TokenRole.Improved => 1f, TokenRole.ImaginedBoard => 3f, TokenRole.Result => 4f, _ => 0f };
            Assert.True(expected == batch.Weights[t], $"token {t + 1} ({Vocabulary.Name(sample.Tokens[t + 1])}, {role}): weight {batch.Weights[t]}, expected {expected}");
            var allowed = AllowedAt(batch, t);
            var expectedAllowed = role switch
            {
                TokenRole.Improved => ValueTokens,
                TokenRole.ImaginedBoard => [Vocabulary.Empty, Vocabulary.Black, Vocabulary.White],
                TokenRole.Result => [Vocabulary.BlackWins, Vocabulary.WhiteWins, Vocabulary.Draw],
                _ => [],
            };
            Assert.True(expectedAllowed.SetEquals(allowed), $"token {t + 1} ({role}): allowed {string.Join(' ', allowed.Select(Vocabulary.Name))}");
            if (expected > 0) Assert.Contains(batch.Targets[t], allowed);
        }
    }

    [Fact]
    public void ImaginedPointsAreLabelledWithTheRulesEnginesBoard()
    {
        var (sample, record) = TinyRuns.SearchStepWithEveryRole(Vocabulary);
        var points = 25;
        var imagined = Enumerable.Range(0, sample.Length).Where(i => sample.Roles[i] == TokenRole.ImaginedBoard).ToArray();
        Assert.Equal(record.Children.Count * points, imagined.Length);
        for (var j = 0; j < imagined.Length; j++)
        {
            var truth = record.Children[j / points].TrueBoard![j % points];
            Assert.Equal(BoardCodec.PointStateTokenOf(truth), sample.LabelAt(imagined[j]));
        }
        // The untrained model imagines some points wrong, so labels and tokens really differ there, and only there.
        Assert.Contains(imagined, i => sample.LabelAt(i) != sample.Tokens[i]);
        for (var i = 0; i < sample.Length; i++)
            if (sample.Roles[i] != TokenRole.ImaginedBoard) Assert.Equal(sample.Tokens[i], sample.LabelAt(i));
    }

    [Fact]
    public void TheCompanionIsTheRootWithTheImprovedValuesAsItsEstimatesAndTeachesThePrior()
    {
        var (sample, record) = TinyRuns.SearchStepWithEveryRole(Vocabulary);
        var companion = LearningSequence.Companion(sample, Vocabulary);
        var root = sample.RootLength;

        Assert.Equal(root + 1 + 26 + 1, companion.Length);
        Assert.Equal(sample.Tokens[..root], companion.Tokens[..root]);
        Assert.Equal(sample.PointIds[..root], companion.PointIds[..root]);
        Assert.Equal(Vocabulary.Est, companion.Tokens[root]);
        Assert.Equal(Vocabulary.Est, sample.Tokens[root]);
        Assert.Equal(sample.Tokens[sample.ImprovedStart..(sample.ImprovedStart + 26)], companion.Tokens[(root + 1)..(root + 27)]);
        // Estimate k sits at point k exactly as in the root EST row of the search step.
        Assert.Equal(sample.PointIds[(root + 1)..(root + 27)], companion.PointIds[(root + 1)..(root + 27)]);
        Assert.Equal(Vocabulary.Eos, companion.Tokens[^1]);

        var occupied = 2 * 5 + 2;
        Assert.Equal(Vocabulary.Illegal, companion.Tokens[root + 1 + occupied]);
        for (var move = 0; move < 26; move++)
            Assert.Equal(record.Improved!.IsLegal(move, Vocabulary) ? LossKind.Prior : LossKind.None, companion.Kinds[root + 1 + move]);
        Assert.Equal(25, companion.Kinds.Count(kind => kind == LossKind.Prior));

        var batch = LearningBatch.Build([companion], Vocabulary, DistinctWeights).Batch;
        for (var t = 0; t + 1 < companion.Length; t++)
        {
            Assert.Equal(companion.Kinds[t + 1] == LossKind.Prior ? 2f : 0f, batch.Weights[t]);
            if (batch.Weights[t] > 0) Assert.True(ValueTokens.SetEquals(AllowedAt(batch, t)));
        }
    }

    [Fact]
    public void WithoutUnsearchedTargetsOnlyTheSearchedAndPlayedMovesAreLearnt()
    {
        var settings = new GoSeqZero.Trainer.Search.SearchSettings { TopK = 3 };
        using var model = Search.SearchDriverTests.TinyModel(Vocabulary, settings.MaxTokens(5), seed: 5);
        using var driver = new GoSeqZero.Trainer.Search.SearchDriver(model, Vocabulary, settings, batch: 1, maxBoardSize: 5);
        var writer = driver.Run([new Board(5)])[0];
        var (sample, record) = (StepSample.From(writer), writer.Record!);
        var searched = record.SearchedMoves.ToHashSet();
        Assert.Equal(3, searched.Count);
        var legal = Enumerable.Range(0, 26).Where(m => record.Improved!.IsLegal(m, Vocabulary)).ToList();
        Assert.Equal(searched.Order(), Enumerable.Range(0, 26).Where(m => sample.Searched[m]));
        // An unsearched move played (drawn at a temperature) carries the outcome: it is learnt too.
        var played = legal.First(m => !searched.Contains(m));
        sample.BlendOutcome(Vocabulary, played, record.Improved!.Values[played], outcome: 1, lambda: 0.5);
        Assert.Equal(played, sample.PlayedMove);

        var search = LearningSequence.Search(sample, unsearchedToo: false);
        var companion = LearningSequence.Companion(sample, Vocabulary, unsearchedToo: false);
        foreach (var move in legal)
        {
            var learnt = searched.Contains(move) || move == played;
            Assert.Equal(learnt ? LossKind.Improved : LossKind.None, search.Kinds[sample.ImprovedStart + move]);
            Assert.Equal(learnt ? LossKind.Prior : LossKind.None, companion.Kinds[sample.RootLength + 1 + move]);
        }
        Assert.Equal(searched.Count + 1, search.Kinds.Count(k => k == LossKind.Improved));
        // Asked to, every legal entry is learnt.
        Assert.Equal(legal.Count, LearningSequence.Search(sample, unsearchedToo: true).Kinds.Count(k => k == LossKind.Improved));
    }

    [Fact]
    public void ARolloutStepsCompanionTeachesTheTreeModePrior()
    {
        var settings = new GoSeqZero.Trainer.Search.SearchSettings { Mode = SearchMode.Rollout, TopK = 3 };
        using var model = Search.SearchDriverTests.TinyModel(Vocabulary, settings.MaxTokens(5), seed: 5);
        using var driver = new GoSeqZero.Trainer.Search.SearchDriver(model, Vocabulary, settings, batch: 1, maxBoardSize: 5);
        var sample = StepSample.From(driver.Run([new Board(5)])[0]);
        Assert.Equal(Vocabulary.ModeRollout, sample.Tokens[2]);
        var companion = LearningSequence.Companion(sample, Vocabulary);
        Assert.Equal(Vocabulary.ModeTree, companion.Tokens[2]);
        Assert.Equal(sample.Tokens[3..sample.RootLength], companion.Tokens[3..sample.RootLength]);
        Assert.Equal(sample.Tokens[sample.ImprovedStart..^1], companion.Tokens[(sample.RootLength + 1)..^1]);
    }

    [Fact]
    public void ThePlayedChildsEstimatesLearnTheNextStepsImprovedRow()
    {
        // Two consecutive steps of one game: C3 is searched from the empty board and played, then the position after it is searched.
        var settings = new GoSeqZero.Trainer.Search.SearchSettings { TopK = 26 };
        using var model = Search.SearchDriverTests.TinyModel(Vocabulary, settings.MaxTokens(5), seed: 5);
        using var driver = new GoSeqZero.Trainer.Search.SearchDriver(model, Vocabulary, settings, batch: 1, maxBoardSize: 5);
        var root = new Board(5);
        var first = StepSample.From(driver.Run([root])[0]);
        const int c3 = 2 * 5 + 2;
        root.Play(Color.Black, root.PointAt(2, 2));
        var second = StepSample.From(driver.Run([root])[0]);
        var unlabelled = LearningSequence.Search(first);
        Assert.DoesNotContain(LossKind.Child, unlabelled.Kinds);

        Assert.True(first.SetPlayedChildTarget(c3, second, Vocabulary));

        var start = first.ChildTargetStart;
        Assert.Equal(Vocabulary.Est, first.Tokens[start - 1]);
        Assert.Equal(BoardCodec.MoveTokenOf(c3, 5), first.Tokens[start - 1 - 25 - 2]);   // CHILD C3 TO_MOVE_W board EST
        var sequence = LearningSequence.Search(first);
        for (var move = 0; move < 26; move++)
        {
            var target = second.Tokens[second.ImprovedStart + move];
            Assert.Equal(target, sequence.Labels[start + move]);
            Assert.Equal(target == Vocabulary.Illegal ? LossKind.None : LossKind.Child, sequence.Kinds[start + move]);
        }
        // Nothing else changes: the other children's rows stay unweighted, the IMPROVED row keeps its own labels.
        Assert.Equal(25, sequence.Kinds.Count(k => k == LossKind.Child));
        Assert.Equal(first.Tokens[first.ImprovedStart..], sequence.Labels[first.ImprovedStart..]);
        var batch = LearningBatch.Build([sequence], Vocabulary, DistinctWeights with { Child = 5 });
        Assert.Equal(25 * 5f, batch.Batch.Weights.Where(w => w == 5f).Sum());

        // A next step that is not the child's position is refused (its row of legal moves cannot line up).
        var unrelated = new Board(5);
        unrelated.Play(Color.Black, unrelated.PointAt(0, 0));
        var other = StepSample.From(driver.Run([unrelated])[0]);
        Assert.Throws<InvalidOperationException>(() => StepSample.From(driver.Run([new Board(5)])[0]).SetPlayedChildTarget(c3, other, Vocabulary));
    }

    [Fact]
    public void GroundedRepliesAreChildTargetsLabelledWithTheirPlayoutValues()
    {
        var settings = new GoSeqZero.Trainer.Search.SearchSettings { TopK = 3, GroundReplies = 2, GroundPlayouts = 4 };
        using var model = Search.SearchDriverTests.TinyModel(Vocabulary, settings.MaxTokens(5), seed: 5);
        using var driver = new GoSeqZero.Trainer.Search.SearchDriver(model, Vocabulary, settings, batch: 1, maxBoardSize: 5);
        var writer = driver.Run([new Board(5)])[0];
        var sample = StepSample.From(writer);
        var children = writer.Record!.Children;
        Assert.Equal(3 * 2, sample.GroundedTargets.Length);
        var sequence = LearningSequence.Search(sample);
        var expected = children.SelectMany(child => child.GroundedReplies.Select(pair => Vocabulary.ValueToken(Vocabulary.Bucket(pair.Value)))).Order();
        Assert.Equal(expected, sample.GroundedTargets.Select(index => sequence.Labels[index]).Order());
        Assert.All(sample.GroundedTargets, index =>
        {
            Assert.Equal(TokenRole.ChildEstimate, sample.Roles[index]);
            Assert.Equal(LossKind.Child, sequence.Kinds[index]);
        });
        // Only the grounded entries of the child rows are learnt; everything else keeps its own token as label.
        Assert.Equal(6, sequence.Kinds.Count(k => k == LossKind.Child));
        Assert.All(Enumerable.Range(0, sample.Length).Except(sample.GroundedTargets), i => Assert.Equal(sample.Tokens[i], sequence.Labels[i]));
    }

    [Fact]
    public void ShorterSequencesArePaddedWithUnweightedPadRows()
    {
        var (sample, _) = TinyRuns.SearchStepWithEveryRole(Vocabulary);
        var companion = LearningSequence.Companion(sample, Vocabulary);
        var learning = LearningBatch.Build([LearningSequence.Search(sample), companion], Vocabulary, DistinctWeights);
        var batch = learning.Batch;

        Assert.Equal(2, batch.Sequences);
        Assert.Equal(sample.Length, batch.Tokens);
        Assert.Equal(sample.Length + companion.Length, learning.Tokens);
        for (var t = companion.Length; t < batch.Tokens; t++)
        {
            var row = batch.Tokens + t;
            Assert.Equal(Vocabulary.Pad, batch.TokenIds[row]);
            Assert.Equal(0f, batch.Weights[row]);
            Assert.Equal(t, batch.Positions[row]);
        }
    }

    [Fact]
    public void LossesAreReportedAsTheMeanPerTargetTokenOfEachKind()
    {
        var (sample, _) = TinyRuns.SearchStepWithEveryRole(Vocabulary);
        var learning = LearningBatch.Build([LearningSequence.Search(sample), LearningSequence.Companion(sample, Vocabulary)], Vocabulary, DistinctWeights);
        var perToken = new Dictionary<LossKind, float> { [LossKind.Improved] = 1.5f, [LossKind.Prior] = 2.5f, [LossKind.Imagined] = 0.25f, [LossKind.Result] = 3f };
        // The forward pass reports weight · (−log p) per row.
        var rowLosses = learning.RowKinds.Select((kind, row) => kind == LossKind.None ? 0f : learning.Batch.Weights[row] * perToken[kind]).ToArray();

        var losses = learning.Losses(rowLosses);

        Assert.Equal(1.5, losses.Improved, 5);
        Assert.Equal(2.5, losses.Prior, 5);
        Assert.Equal(0.25, losses.Imagined, 5);
        Assert.Equal(3, losses.Result, 5);
        var withoutImagined = LearningBatch.Build([LearningSequence.Search(sample)], Vocabulary, DistinctWeights with { Imagined = 0 });
        Assert.True(double.IsNaN(withoutImagined.Losses(new float[withoutImagined.Batch.Rows]).Imagined));
    }
}
