using GoSeqZero.Go;
using GoSeqZero.Tests.Kernels;
using GoSeqZero.Tests.Trainer.Search;
using GoSeqZero.Trainer.Search;
using GoSeqZero.Trainer.Sequences;
using GoSeqZero.Trainer.Training;

namespace GoSeqZero.Tests.Trainer.Training;

/// <summary>Tiny training runs (one layer of width 16, 5×5, two games, top-k 2, tree and rollout steps) and search steps for the trainer's tests.</summary>
internal static class TinyRuns
{
    public static TrainSettings Settings(int seed = 7) => new()
    {
        Run = new RunSettings { Device = "cpu", Seed = seed },
        Search = new SearchSettings { TopK = 2, Playouts = 1 },
        SelfPlay = new SelfPlaySettings { Games = 2, RolloutFraction = 0.5 },
        Model = new ModelSettings { Layers = 1, Channels = 16, Heads = 2 },
        Optimizer = new OptimizerSettings { WarmupSteps = 0, LearningRate = 3e-3 },
        Losses = new LossSettings { ReplaySamples = 2 },
        Evaluation = new EvaluationSettings { Every = 0 },
        Cadence = new CadenceSettings { CheckpointEvery = 2 },
    };

    /// <summary>The settings with the step bound <paramref name="steps"/>.</summary>
    public static TrainSettings WithSteps(this TrainSettings settings, int steps) => settings with { Run = settings.Run with { Steps = steps } };

    public static TrainingRun Start(TrainSettings settings, string folder) => TrainingRun.Start(settings, folder, KernelDevices.Get("cpu"));

    public static TrainingRun Resume(string folder, Func<TrainSettings, TrainSettings>? change = null) =>
        TrainingRun.Resume(folder, change, KernelDevices.Get("cpu"));

    /// <summary>A fresh folder for a run (not created).</summary>
    public static TemporaryFolder NewFolder() => new("goseqzero-train-");

    /// <summary>
    /// One imagined-board tree step of an untrained model that expands every legal move after White's pass: it holds
    /// every role (root and child estimates, imagined points, the RESULT of Black's ending pass, the IMPROVED row).
    /// </summary>
    public static (StepSample Sample, SearchRecord Record) SearchStepWithEveryRole(Vocabulary vocabulary)
    {
        var settings = new SearchSettings { Boards = BoardSource.Imagined, TopK = 26 };
        using var model = SearchDriverTests.TinyModel(vocabulary, settings.MaxTokens(5), seed: 3);
        using var driver = new SearchDriver(model, vocabulary, settings, batch: 1, maxBoardSize: 5);
        var board = new Board(5);
        board.Play(Color.Black, board.PointAt(2, 2));
        board.Play(Color.White, Board.PassMove);
        var writer = driver.Run([board])[0];
        return (StepSample.From(writer), writer.Record!);
    }
}
