using GoSeqZero.Go;
using GoSeqZero.Kernels;
using GoSeqZero.Tests.Trainer.Search;
using GoSeqZero.Trainer.Search;
using GoSeqZero.Trainer.Sequences;
using GoSeqZero.Trainer.Training;
using GoSeqZero.Transformer;

namespace GoSeqZero.Tests.Trainer.Training;

/// <summary>
/// Policy improvement on a position whose winning move the rules decide: the search (the IMPROVED row) ranks the
/// move above where the prior did, and dynamic-evaluation steps on that search teach it to the prior and to the
/// model's own IMPROVED row.
/// </summary>
[Collection("Kernels")]
public class PolicyImprovementTests
{
    private static readonly Vocabulary Vocabulary = new();

    private const double Komi = 2.5;

    /// <summary>
    /// Black to move with one move left before the move cap ends the game (komi 2.5). Black walls off columns A–B with
    /// column C; White holds column D with E as territory. A white stone on A1 in atari makes A–B neutral, so Black
    /// loses by 7.5; capturing it at A2 makes them Black's and Black wins by 2.5. Every other move loses.
    /// </summary>
    internal static Board CaptureDecidesTheGame()
    {
        var stones = new Color[25];
        for (var y = 0; y < 5; y++)
        {
            stones[y * 5 + 2] = Color.Black;
            stones[y * 5 + 3] = Color.White;
        }
        stones[0] = Color.White;     // A1, its last liberty at A2
        stones[1] = Color.Black;     // B1
        var board = new Board(5);
        board.SetPosition(stones, Color.Black);
        board.MoveCap = board.MoveCount + 1;
        return board;
    }

    private const int Capture = 5; // A2: index y·5 + x

    [Fact]
    public void TheRulesDecideThePositionOnlyTheCaptureWins()
    {
        var root = CaptureDecidesTheGame();
        Assert.True(root.Score(Komi) < 0);
        var winners = new List<int>();
        for (var move = 0; move <= 25; move++)
        {
            var point = BoardCodec.GridPointOf(root, move);
            if (move < 25 && !root.IsLegal(Color.Black, point)) continue;
            var child = root.Clone();
            child.Play(Color.Black, point);
            Assert.True(child.IsGameOver);
            if (child.Score(Komi) > 0) winners.Add(move);
        }
        Assert.Equal([Capture], winners);
    }

    [Fact]
    public void TheSearchRanksTheCaptureFirstAndDynamicEvaluationTeachesItToThePriorAndToTheModelsOwnImprovedRow()
    {
        // Every legal move is expanded, so the search is exact here: the capture's child is a won end, the others lost.
        var settings = new SearchSettings { TopK = 26, Komi = Komi };
        using var model = SearchDriverTests.TinyModel(Vocabulary, settings.MaxTokens(5), seed: 3);
        using var optimizer = new AdamWOptimizer(model, new AdamWSettings(3e-3f, WeightDecay: 0f), maxGradientNorm: 1);
        using var selfPlay = new SearchDriver(model, Vocabulary, settings, batch: 1, maxBoardSize: 5);
        using var searchPlayer = new SearchDriver(model, Vocabulary, settings with { ModelWritesImproved = true }, batch: 1, maxBoardSize: 5);

        var before = selfPlay.Run([CaptureDecidesTheGame()])[0];
        var priorRankBefore = Rank(before.Record!.Root, Capture);
        Assert.True(priorRankBefore > 1, $"the untrained prior already ranks the capture first; choose another model seed (rank {priorRankBefore}: {string.Join(" ", before.Record.Root.Values.Select(v => v.ToString("0.0000")))})");
        Assert.Equal(1, Rank(before.Record.Improved!, Capture));
        Assert.Equal(1.0, before.Record.Improved!.Values[Capture]);
        var searchPlayerRankBefore = Rank(searchPlayer.Run([CaptureDecidesTheGame()])[0].Record!.Improved!, Capture);

        // Dynamic evaluation: optimizer steps on this search step and its companion, as the trainer takes them.
        var sample = StepSample.From(before);
        var batch = LearningBatch.Build([LearningSequence.Search(sample), LearningSequence.Companion(sample, Vocabulary)], Vocabulary, new LossWeights(1, 1, 1, 1));
        var firstLoss = model.Forward(batch.Batch);
        var loss = firstLoss;
        for (var step = 0; step < 60; step++)
        {
            if (step > 0) loss = model.Forward(batch.Batch);
            model.Backward();
            optimizer.Update(3e-3f);
        }
        Assert.True(loss < firstLoss / 2, $"the loss on the step went from {firstLoss} to {loss}");

        var after = selfPlay.Run([CaptureDecidesTheGame()])[0];
        var priorRankAfter = Rank(after.Record!.Root, Capture);
        Assert.True(priorRankAfter == 1, $"the prior ranks the capture {priorRankAfter} after dynamic evaluation ({priorRankBefore} before)");
        var searchPlayerRankAfter = Rank(searchPlayer.Run([CaptureDecidesTheGame()])[0].Record!.Improved!, Capture);
        Assert.True(searchPlayerRankAfter == 1, $"the model's own IMPROVED row ranks the capture {searchPlayerRankAfter} after dynamic evaluation ({searchPlayerRankBefore} before)");
    }

    /// <summary>1 + the number of other legal moves valued at least as high as <paramref name="move"/> (ties count against it).</summary>
    private static int Rank(ValueRow row, int move)
    {
        var rank = 1;
        for (var other = 0; other < row.Values.Length; other++)
            if (other != move && row.IsLegal(other, Vocabulary) && row.Values[other] >= row.Values[move]) rank++;
        return rank;
    }
}
