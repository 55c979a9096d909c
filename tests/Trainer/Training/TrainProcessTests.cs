using System.Diagnostics;
using System.Text.Json.Nodes;
using GoSeqZero.Tests.Trainer.Cli;
using GoSeqZero.Trainer.Training;

namespace GoSeqZero.Tests.Trainer.Training;

/// <summary>The built <c>goseqzero train</c> program as a user runs it: a process that exits 0, is stopped by a signal, or is killed and resumed.</summary>
public class TrainProcessTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private static readonly string[] Tiny = ["--layers", "1", "--channels", "16", "--heads", "2", "--games", "2", "--top-k", "2", "--device", "cpu", "--seed", "4"];

    private static GoSeqZeroProcess Start(params string[] arguments) => new(["train", .. arguments]);

    /// <summary>The exit code and stderr of a trainer that has ended.</summary>
    private static (int ExitCode, string Errors) Finish(GoSeqZeroProcess trainer)
    {
        using (trainer)
        {
            var (exitCode, _, errors) = trainer.Finish(Bound);
            return (exitCode, errors);
        }
    }

    private static List<long> MetricSteps(string folder) =>
        File.ReadLines(Path.Combine(folder, RunDirectory.MetricsFileName)).Select(line => JsonNode.Parse(line)!["step"]!.GetValue<long>()).ToList();

    /// <summary>Waits until the run has written metrics for <paramref name="steps"/> steps (lines may be read while one is half written).</summary>
    private static void WaitForSteps(string folder, Process process, int steps)
    {
        var clock = Stopwatch.StartNew();
        var metrics = Path.Combine(folder, RunDirectory.MetricsFileName);
        while (!File.Exists(metrics) || File.ReadLines(metrics).Count(line => line.EndsWith('}')) < steps)
        {
            Assert.False(process.HasExited, $"the trainer exited early with {(process.HasExited ? process.ExitCode : 0)}");
            Assert.True(clock.Elapsed < Bound, $"no {steps} steps within {Bound.TotalSeconds} s");
            Thread.Sleep(50);
        }
    }

    [Fact]
    public void TrainingForThreeStepsExitsWithZeroAndLeavesARunFolder()
    {
        using var folder = TinyRuns.NewFolder();
        var (exitCode, errors) = Finish(Start([.. Tiny, "--steps", "3", "--run-dir", folder.Path]));

        Assert.True(exitCode == 0, errors);
        Assert.Contains("train: new run in " + folder.Path, errors);
        Assert.Contains("step 1/3", errors);
        Assert.Contains("stopped at step 3 (the step bound is reached)", errors);
        Assert.Equal([1L, 2, 3], MetricSteps(folder.Path));
        Assert.True(File.Exists(Path.Combine(folder.Path, "config.json")));
        Assert.True(RunDirectory.IsComplete(Path.Combine(folder.Path, "checkpoints", "step-000003")));
    }

    [Fact]
    public void SigtermStopsAfterTheCurrentStepSavesACheckpointAndExitsWithZero()
    {
        using var folder = TinyRuns.NewFolder();
        var trainer = Start([.. Tiny, "--run-dir", folder.Path]);
        WaitForSteps(folder.Path, trainer.Process, 2);
        using (var kill = Process.Start("kill", ["-TERM", trainer.Process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) kill.WaitForExit();
        var (exitCode, text) = Finish(trainer);

        Assert.True(exitCode == 0, text);
        Assert.Contains("(interrupted)", text);
        var steps = MetricSteps(folder.Path);
        Assert.Equal(Enumerable.Range(1, steps.Count).Select(i => (long)i), steps);
        Assert.Equal($"checkpoints/{RunDirectory.CheckpointName(steps.Count)}", File.ReadAllText(Path.Combine(folder.Path, "latest")).Trim());
    }

    [Fact]
    public void AKilledTrainerResumesFromItsLastCheckpoint()
    {
        using var folder = TinyRuns.NewFolder();
        var trainer = Start([.. Tiny, "--run-dir", folder.Path, "--checkpoint-every", "2"]);
        WaitForSteps(folder.Path, trainer.Process, 3);
        trainer.Process.Kill();
        Finish(trainer);
        // The kill may have cut the last line short; the resumed run drops it and redoes that step.
        var reached = File.ReadLines(Path.Combine(folder.Path, RunDirectory.MetricsFileName)).Count(line => line.EndsWith('}'));

        var (exitCode, text) = Finish(Start("--resume", folder.Path, "--steps", (reached + 2).ToString(System.Globalization.CultureInfo.InvariantCulture)));

        Assert.True(exitCode == 0, text);
        Assert.Contains("train: resuming " + folder.Path + " at step ", text);
        Assert.Equal(Enumerable.Range(1, reached + 2).Select(i => (long)i), MetricSteps(folder.Path));
    }
}
