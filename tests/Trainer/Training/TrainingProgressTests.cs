using GoSeqZero.Trainer.Training;

namespace GoSeqZero.Tests.Trainer.Training;

/// <summary>The progress display: one line rewritten in place on a terminal, plain lines at an interval elsewhere.</summary>
public class TrainingProgressTests
{
    private static StepReport Report(long step) => new()
    {
        Step = step, BoardSize = 5, StepSeconds = 0.5, SearchSeconds = 0.2, LearnSeconds = 0.3, SearchTokens = 4000, ModelTokens = 1500,
        TrainTokens = 6000, Sequences = 32, ReplayedSteps = 0, Loss = 2.5f, Losses = new LossBreakdown(2.25, 2.75, double.NaN, 1.5),
        GradientNorm = 0.8f, LearningRate = 1e-3f, ImaginedAccuracy = double.NaN, GamesFinishedNow = 0,
        Totals = new RunTotals { GamesFinished = 4, BlackWins = 1, MovesOfFinishedGames = 60 }, ReplaySize = 60,
    };

    [Fact]
    public void OnATerminalTheStatusLineIsRewrittenInPlaceWithLogLinesAboveIt()
    {
        var output = new StringWriter();
        var progress = new TrainingProgress(output, interactive: true, TimeSpan.FromSeconds(10), stepBound: 100, minutesBound: null) { TerminalWidth = () => 0 };

        progress.Step(Report(1), lastEvaluation: null);
        progress.Log("checkpoint checkpoints/step-000001");
        progress.Step(Report(2), "@2: vs random 70%");
        progress.Finish();

        var text = output.ToString();
        Assert.StartsWith("\rstep 1/100 | 5x5 games 4 (B 25%, 15 moves) | 2.00 step/s, search 20k tok/s, learn 20k tok/s | loss 2.500 (imp 2.25 prior 2.75 res 1.50) | ETA 0:49\u001b[K", text);
        Assert.Contains("\r\u001b[Ktrain: checkpoint checkpoints/step-000001\n", text);
        // The second step came within the redraw interval: only Finish draws it, with the evaluation, and ends the line.
        Assert.EndsWith("| eval @2: vs random 70% | ETA 0:49\u001b[K\n", text);
        Assert.Equal(2, text.Count(c => c == '\n'));
    }

    [Fact]
    public void OnANarrowTerminalTheStatusLineIsCutSoThatItNeverWraps()
    {
        var output = new StringWriter();
        var progress = new TrainingProgress(output, interactive: true, TimeSpan.FromSeconds(10), stepBound: null, minutesBound: null) { TerminalWidth = () => 20 };

        progress.Step(Report(1), lastEvaluation: null);

        Assert.Equal("\rstep 1 | 5x5 games \u001b[K", output.ToString());
    }

    [Fact]
    public void ElsewhereAPlainLineIsPrintedAtTheIntervalAndAtTheEnd()
    {
        var output = new StringWriter();
        var progress = new TrainingProgress(output, interactive: false, TimeSpan.FromHours(1), stepBound: null, minutesBound: 30);

        for (var step = 1; step <= 5; step++) progress.Step(Report(step), lastEvaluation: null);
        progress.Finish();

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("step 1 | ", lines[0]);
        Assert.StartsWith("step 5 | ", lines[1]);
        Assert.DoesNotContain('\r', output.ToString());
        Assert.Contains("| ETA 29:5", lines[1]);
    }
}
