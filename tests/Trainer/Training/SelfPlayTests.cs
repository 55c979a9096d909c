using GoSeqZero.Go;
using GoSeqZero.Trainer.Sequences;
using GoSeqZero.Trainer.Training;

namespace GoSeqZero.Tests.Trainer.Training;

/// <summary>Self-play's parts: moves drawn from the improved values, outcomes, blending, the replay buffer and its file.</summary>
[Collection("Kernels")]
public class SelfPlayTests
{
    private static readonly Vocabulary Vocabulary = new();

    [Theory]
    [InlineData(0.2, 1.0, 0.5, 0.6)]
    [InlineData(0.9, 0.0, 0.5, 0.45)]
    [InlineData(0.3, 0.5, 1.0, 0.5)]
    [InlineData(0.7, 0.0, 0.0, 0.7)]
    public void TheOutcomeIsBlendedIntoTheImprovedValueOfThePlayedMoveOnly(double improved, double outcome, double lambda, double blended)
    {
        var (sample, record) = TinyRuns.SearchStepWithEveryRole(Vocabulary);
        var before = (int[])sample.Tokens.Clone();
        var move = 7;
        Assert.True(record.Improved!.IsLegal(move, Vocabulary));

        sample.BlendOutcome(Vocabulary, move, improved, outcome, lambda);

        var index = sample.ImprovedStart + move;
        Assert.Equal(Vocabulary.ValueToken(Vocabulary.Bucket(blended)), sample.Tokens[index]);
        Assert.Equal(sample.Tokens[index], sample.LabelAt(index));
        for (var i = 0; i < before.Length; i++)
            if (i != index) Assert.Equal(before[i], sample.Tokens[i]);
    }

    [Fact]
    public void BlendedIntoAllTheOutcomeMovesEveryLegalValueAndLeavesIllegalOnesAlone()
    {
        var (sample, record) = TinyRuns.SearchStepWithEveryRole(Vocabulary);
        var before = (int[])sample.Tokens.Clone();
        var played = 7;

        sample.BlendOutcomeIntoAll(Vocabulary, played, improvedValue: 0.2, outcome: 1, lambda: 0.5);

        for (var move = 0; move < 26; move++)
        {
            var index = sample.ImprovedStart + move;
            if (!record.Improved!.IsLegal(move, Vocabulary))
            {
                Assert.Equal(Vocabulary.Illegal, sample.Tokens[index]);
                continue;
            }
            var value = move == played ? 0.2 : Vocabulary.BucketCenter(Vocabulary.BucketOf(before[index]));
            Assert.Equal(Vocabulary.ValueToken(Vocabulary.Bucket(0.5 * value + 0.5)), sample.Tokens[index]);
        }
        for (var i = 0; i < sample.ImprovedStart; i++) Assert.Equal(before[i], sample.Tokens[i]);
    }

    [Fact]
    public void AnIllegalMoveCannotHaveAnOutcomeBlendedIn()
    {
        var (sample, _) = TinyRuns.SearchStepWithEveryRole(Vocabulary);
        var error = Assert.Throws<InvalidOperationException>(() => sample.BlendOutcome(Vocabulary, 2 * 5 + 2, 0.5, 1, 0.5));
        Assert.Contains("ILLEGAL", error.Message);
    }

    [Theory]
    [InlineData(7.5, 1.0, 0.0)]
    [InlineData(25.0, 0.5, 0.5)]
    [InlineData(30.0, 0.0, 1.0)]
    public void AFinishedGameIsWorthItsTrompTaylorResultToEachSide(double komi, double black, double white)
    {
        var (sample, _) = TinyRuns.SearchStepWithEveryRole(Vocabulary);
        var game = new SelfPlayGame(5, komi, number: 1);
        Assert.Throws<InvalidOperationException>(() => game.OutcomeFor(Color.Black));
        game.Play(2 * 5 + 2, sample, 0.5);
        game.Play(25, sample, 0.5);
        game.Play(25, sample, 0.5);

        Assert.True(game.IsOver);
        Assert.Equal(black, game.OutcomeFor(Color.Black));
        Assert.Equal(white, game.OutcomeFor(Color.White));
        Assert.Equal([Color.Black, Color.White, Color.Black], game.Steps.Select(s => s.Mover));
    }

    private static ValueRow Row(params double[] values)
    {
        var row = new ValueRow(values.Length);
        for (var move = 0; move < values.Length; move++)
        {
            row.Tokens[move] = double.IsNaN(values[move]) ? Vocabulary.Illegal : Vocabulary.ValueToken(Vocabulary.Bucket(values[move]));
            row.Values[move] = values[move];
        }
        return row;
    }

    /// <summary>A tree step on a 2×2 board (four points and pass) whose IMPROVED row is <paramref name="values"/> and which searched <paramref name="searched"/>.</summary>
    private static SearchRecord Step(double[] values, params int[] searched)
    {
        var record = new SearchRecord { BoardSize = 2, Mode = SearchMode.Tree, ToMove = Color.Black, Board = new Color[4], Root = Row(values) };
        foreach (var move in searched) record.Children.Add(new ChildRecord { Move = move, ToMove = Color.White, Board = new Color[4] });
        record.Improved = Row(values);
        return record;
    }

    [Fact]
    public void AtTemperatureZeroTheBestSearchedMoveIsPlayed()
    {
        var random = new FastRandom(1);
        Assert.Equal(2, MoveChoice.Choose(Step([0.3, double.NaN, 0.8, 0.5, 0.1], 2, 3), Vocabulary, 0, ref random));
        Assert.Equal(3, MoveChoice.Choose(Step([0.3, 0.9, 0.9, 0.9, 0.2], 3, 2), Vocabulary, 0, ref random));
        // An unsearched move of higher value is not played greedily: the search did not look at it.
        Assert.Equal(3, MoveChoice.Choose(Step([0.95, 0.1, 0.2, 0.6, 0.2], 3, 2), Vocabulary, 0, ref random));
    }

    [Fact]
    public void AnUnsearchedPassIsNeverDrawnWhenPassIsALastResort()
    {
        var random = new FastRandom((ulong)Environment.TickCount64);
        var step = Step([0.2, 0.3, 0.4, 0.5, 0.99], 3);
        var passes = 0;
        for (var i = 0; i < 2000; i++)
        {
            Assert.NotEqual(4, MoveChoice.Choose(step, Vocabulary, temperature: 0.05, ref random, passUnlessSearched: false));
            if (MoveChoice.Choose(step, Vocabulary, temperature: 0.05, ref random) == 4) passes++;
        }
        Assert.True(passes > 1000, $"the pass, far the best, was drawn {passes} times in 2000 when allowed");
    }

    [Fact]
    public void MovesAreDrawnInProportionToTheSoftmaxOfTheirValuesAndNeverIllegal()
    {
        var row = Step([0.2, double.NaN, 0.5, 0.6, double.NaN], 3);
        var temperature = 0.1;
        var weights = new[] { Math.Exp(2), 0, Math.Exp(5), Math.Exp(6), 0 };
        var seed = (ulong)Environment.TickCount64;
        var random = new FastRandom(seed);
        const int draws = 20000;
        var counts = new int[5];
        for (var i = 0; i < draws; i++) counts[MoveChoice.Choose(row, Vocabulary, temperature, ref random)]++;

        Assert.Equal(0, counts[1] + counts[4]);
        for (var move = 0; move < 5; move++)
        {
            var expected = weights[move] / weights.Sum();
            Assert.True(Math.Abs(counts[move] / (double)draws - expected) < 0.02, $"seed {seed}: move {move} drawn {counts[move]} times in {draws}, expected a share of {expected:0.000}");
        }
    }

    [Fact]
    public void TheReplayBufferReplacesItsOldestStepAndDrawsDistinctSteps()
    {
        var samples = Enumerable.Range(0, 5).Select(_ => TinyRuns.SearchStepWithEveryRole(Vocabulary).Sample).ToArray();
        var replay = new ReplayBuffer(3);
        foreach (var sample in samples) replay.Add(sample);

        Assert.Equal(3, replay.Count);
        Assert.Equal(2, replay.Next);
        Assert.Equal([samples[3], samples[4], samples[2]], replay.Stored);
        var random = new FastRandom(5);
        var two = replay.Draw(2, ref random);
        Assert.Equal(2, two.Distinct().Count());
        var all = replay.Draw(10, ref random);
        Assert.Equal(3, all.Distinct().Count());
        var again = new FastRandom(5);
        Assert.Equal(two, replay.Draw(2, ref again));
    }

    [Fact]
    public void TheSelfPlayStateFileGivesBackTheReplayBufferAndTheGamesInProgress()
    {
        using var folder = TinyRuns.NewFolder();
        // Grounded tree steps too, so that the file carries grounded targets.
        var settings = TinyRuns.Settings();
        using var run = TinyRuns.Start(settings with { SelfPlay = settings.SelfPlay with { GroundReplies = 2, GroundPlayouts = 2 }, Losses = new LossSettings { ReplaySamples = 2, Replay = 16 } }, folder.Path);
        while (run.Totals.GamesFinished == 0 || run.Games.All(g => g.Moves.Count == 0)) run.TrainStep();
        var path = Path.Combine(folder.Path, "state.bin");
        SelfPlayStateFile.Write(path, run.Replay, run.Games);

        var (replay, games) = SelfPlayStateFile.Read(path);

        Assert.Equal((run.Replay.Capacity, run.Replay.Next, run.Replay.Count), (replay.Capacity, replay.Next, replay.Count));
        foreach (var (saved, read) in run.Replay.Stored.Zip(replay.Stored))
        {
            Assert.Equal(saved.Tokens, read.Tokens);
            Assert.Equal(saved.PointIds, read.PointIds);
            Assert.Equal(saved.Roles, read.Roles);
            Assert.Equal(saved.BoardSize, read.BoardSize);
            Assert.Equal(saved.Labels, read.Labels);
            Assert.Equal(saved.ChildTargetStart, read.ChildTargetStart);
            Assert.Equal(saved.ChildTargetMoves, read.ChildTargetMoves);
            Assert.Equal(saved.PlayedMove, read.PlayedMove);
            Assert.Equal(saved.GroundedTargets, read.GroundedTargets);
        }
        Assert.Contains(replay.Stored, s => s.GroundedTargets.Length > 0);
        // Finished games' steps carry their played child's target, and it survives the file.
        Assert.Contains(replay.Stored, s => s.ChildTargetStart >= 0);
        Assert.Equal(run.Games.Count, games.Count);
        foreach (var (saved, read) in run.Games.Zip(games))
        {
            Assert.Equal((saved.Number, saved.Size, saved.Game.Komi), (read.Number, read.Size, read.Game.Komi));
            Assert.Equal(saved.Moves, read.Moves);
            Assert.Equal(saved.Game.Board.Hash, read.Game.Board.Hash);
            Assert.Equal(saved.Steps.Select(s => (s.Move, s.ImprovedValue, s.Mover)), read.Steps.Select(s => (s.Move, s.ImprovedValue, s.Mover)));
            Assert.Equal(saved.Steps.Select(s => s.Sample.Tokens), read.Steps.Select(s => s.Sample.Tokens));
        }
        var again = Path.Combine(folder.Path, "again.bin");
        SelfPlayStateFile.Write(again, replay, games);
        Assert.Equal(File.ReadAllBytes(path), File.ReadAllBytes(again));
    }

    [Fact]
    public void ACutOrAlteredSelfPlayStateFileIsRefusedWithItsPath()
    {
        using var folder = TinyRuns.NewFolder();
        using var run = TinyRuns.Start(TinyRuns.Settings(), folder.Path);
        run.TrainStep();
        var path = Path.Combine(folder.Path, "state.bin");
        SelfPlayStateFile.Write(path, run.Replay, run.Games);
        var bytes = File.ReadAllBytes(path);

        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        Assert.StartsWith(path + ": at byte ", Assert.Throws<InvalidDataException>(() => SelfPlayStateFile.Read(path)).Message);

        var altered = (byte[])bytes.Clone();
        altered[0] ^= 0xFF;
        File.WriteAllBytes(path, altered);
        Assert.Contains("wrong magic", Assert.Throws<InvalidDataException>(() => SelfPlayStateFile.Read(path)).Message);
    }
}
