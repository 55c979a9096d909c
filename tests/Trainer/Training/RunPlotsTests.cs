using System.Buffers.Binary;
using System.Text.Json.Nodes;
using GoSeqZero.Trainer.Training;
using ScottPlot;
using ScottPlot.Plottables;

namespace GoSeqZero.Tests.Trainer.Training;

/// <summary>The PNG plots drawn from a run's metrics.jsonl.</summary>
public sealed class RunPlotsTests : IDisposable
{
    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    private readonly string run = Directory.CreateTempSubdirectory("goseqzero-plots-").FullName;

    private string Metrics => Path.Combine(run, RunDirectory.MetricsFileName);
    private string Plot(string name) => Path.Combine(run, RunPlots.FolderName, name + ".png");

    public void Dispose() => Directory.Delete(run, recursive: true);

    /// <summary>
    /// 300 steps of falling losses (imagined loss from step 50 on, result loss on even steps, no imagined boards),
    /// evaluations at 100, 200 and 300 against random, uct:200 and the previous checkpoint with a ladder each, and a
    /// last line cut short by a kill.
    /// </summary>
    private static string RealisticMetrics()
    {
        var random = new Random(3);
        var lines = new List<string>();
        for (var step = 1; step <= 300; step++)
        {
            double Noisy(double start) => start * Math.Exp(-step / 150.0) + 0.2 * random.NextDouble();
            lines.Add(new JsonObject
            {
                ["step"] = step, ["elapsed_s"] = step * 1.7, ["loss"] = Noisy(3.5),
                ["loss_improved"] = Noisy(3.0), ["loss_prior"] = Noisy(3.2),
                ["loss_imagined"] = step >= 50 ? Noisy(1.5) : null, ["loss_result"] = step % 2 == 0 ? Noisy(0.7) : null,
                ["imagined_accuracy"] = null,
                ["train_tokens_per_s"] = 52000 + 3000 * random.NextDouble(), ["search_tokens_per_s"] = 18000 + 2000 * random.NextDouble(),
                ["black_win_rate"] = step > 3 ? 0.52 : null, ["mean_game_moves"] = step > 3 ? 31.5 : null, ["games"] = step * 2,
                ["an_unknown_field"] = "ignored",
            }.ToJsonString());
            if (step % 100 == 0) lines.Add(Evaluation(step));
        }
        lines.Add("""{"step": 301, "elapsed_s": 511.7, "loss": 1.2, "loss_impr""");
        return string.Join('\n', lines);
    }

    private static string Evaluation(int step)
    {
        JsonObject Match(string opponent, double winRate) => new()
        {
            ["opponent"] = opponent, ["player"] = "search", ["games"] = 20, ["score"] = winRate * 20, ["win_rate"] = winRate,
            ["win_rate_low"] = Math.Max(0, winRate - 0.2), ["win_rate_high"] = Math.Min(1, winRate + 0.15),
            ["elo"] = winRate is > 0 and < 1 ? 400 * Math.Log10(winRate / (1 - winRate)) : null, ["folder"] = $"evaluations/step-{step:D6}/vs-{opponent}",
        };
        var matches = new JsonArray(Match("random", 0.5 + step / 1000.0), Match("uct:200", step / 1000.0));
        if (step > 100) matches.Add(Match($"step-{step - 100:D6}", 0.6));
        var ratings = new JsonArray(
            new JsonObject { ["player"] = "random", ["rating"] = 0.0, ["low"] = 0.0, ["high"] = 0.0 },
            new JsonObject { ["player"] = "uct:200", ["rating"] = 420.5, ["low"] = 350.0, ["high"] = 490.0 });
        for (var checkpoint = 100; checkpoint <= step; checkpoint += 100)
            ratings.Add(new JsonObject { ["player"] = $"step-{checkpoint:D6}", ["rating"] = checkpoint * 1.1, ["low"] = checkpoint * 1.1 - 80, ["high"] = checkpoint * 1.1 + 75 });
        return new JsonObject
        {
            ["step"] = step, ["time"] = "2026-11-28T12:00:00.000Z",
            ["evaluation"] = new JsonObject
            {
                ["step"] = step, ["size"] = 5, ["summary"] = "@" + step, ["matches"] = matches,
                ["ladder"] = new JsonObject { ["anchor"] = "random", ["ratings"] = ratings },
            },
        }.ToJsonString();
    }

    private static (int Width, int Height) PngSize(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.AsSpan().StartsWith(PngSignature), $"{path} does not start with the PNG signature");
        // The first chunk is IHDR: length (4), type (4), then width and height as big-endian 32-bit integers.
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(bytes, 12, 4));
        return (BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
    }

    [Fact]
    public void EveryPlotWithDataIsWrittenAsAPngOfThePlotSizeAndOneWithoutDataIsNot()
    {
        File.WriteAllText(Metrics, RealisticMetrics());

        var written = RunPlots.Write(run);

        string[] expected = ["losses", "win-rates", "elo", "throughput"];
        Assert.Equal(expected.Select(Plot).Order(), written.Order());
        foreach (var path in written) Assert.Equal((RunPlots.Width, RunPlots.Height), PngSize(path));
        Assert.False(File.Exists(Plot("imagined-accuracy")), "imagined accuracy is null on every line");
        Assert.Equal(expected.Length, Directory.GetFiles(Path.Combine(run, RunPlots.FolderName)).Length);
    }

    [Fact]
    public void RedrawingReplacesThePlotsAndDeletesOnesWhoseDataIsGone()
    {
        File.WriteAllText(Metrics, RealisticMetrics());
        RunPlots.Write(run);
        var stepLinesOnly = File.ReadLines(Metrics).Where(line => !line.Contains("\"evaluation\"", StringComparison.Ordinal)).ToList();
        File.WriteAllLines(Metrics, stepLinesOnly);

        var written = RunPlots.Write(run);

        Assert.Equal(new[] { Plot("losses"), Plot("throughput") }.Order(), written.Order());
        Assert.False(File.Exists(Plot("win-rates")));
        Assert.False(File.Exists(Plot("elo")));
        Assert.Equal(written.Order(), Directory.GetFiles(Path.Combine(run, RunPlots.FolderName)).Order());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("\n{\"step\": 1, \"loss_impro")]
    public void AMissingEmptyOrUnreadableMetricsFileDrawsNothing(string? metrics)
    {
        if (metrics is not null) File.WriteAllText(Metrics, metrics);

        Assert.Empty(RunPlots.Write(run));
        Assert.False(Directory.Exists(Path.Combine(run, RunPlots.FolderName)));
    }

    /// <summary>Evaluations at 100 and 200 of a rollout-trained run: its prior and search-tree model-only, its search assisted.</summary>
    private static string MetricsWithKinds() => string.Join('\n', new[] { 100, 200 }.Select(step =>
    {
        JsonObject Match(string player, string kind, double winRate) => new()
        {
            ["player"] = player, ["player_kind"] = kind, ["opponent"] = "random", ["opponent_kind"] = "program", ["games"] = 20,
            ["win_rate"] = winRate, ["win_rate_low"] = winRate - 0.2, ["win_rate_high"] = winRate + 0.1,
        };
        JsonObject Rating(string player, string kind, double rating) => new() { ["player"] = player, ["kind"] = kind, ["rating"] = rating, ["low"] = rating - 50, ["high"] = rating + 50 };
        var ratings = new JsonArray(Rating("random", "program", 0), Rating("uct:200", "program", 420));
        for (var checkpoint = 100; checkpoint <= step; checkpoint += 100)
        {
            ratings.Add(Rating($"step-{checkpoint:D6}", "assisted", checkpoint * 3));
            ratings.Add(Rating($"step-{checkpoint:D6}:prior", "model-only", checkpoint));
            ratings.Add(Rating($"step-{checkpoint:D6}:search-tree", "model-only", checkpoint / 2.0));
        }
        return new JsonObject
        {
            ["step"] = step,
            ["evaluation"] = new JsonObject
            {
                ["step"] = step,
                ["matches"] = new JsonArray(Match("prior", "model-only", 0.6), Match("search", "assisted", 0.95), Match("search-tree", "model-only", 0.3)),
                ["ladder"] = new JsonObject { ["anchor"] = "random", ["ratings"] = ratings },
            },
        }.ToJsonString();
    }));

    private (string Label, LinePattern Pattern)[] Lines(string plotName)
    {
        using var plot = RunPlots.Plots(run).Single(p => p.Name == plotName).Draw()!;
        return plot.GetPlottables().Select(p => p switch
        {
            Scatter line => (line.LegendText, line.LinePattern),
            HorizontalLine line => (line.LegendText, line.LinePattern),
            _ => ("", LinePattern.Solid),
        }).Where(line => line.Item1 != "").ToArray();
    }

    [Fact]
    public void WinRatesAndEloKeepModelOnlyPlayersSolidAndAssistedOnesDashedEachLabelledWithItsKind()
    {
        File.WriteAllText(Metrics, MetricsWithKinds());

        Assert.Equal(
            [("prior [model-only] vs random", LinePattern.Solid), ("search [assisted] vs random", LinePattern.Dashed), ("search-tree [model-only] vs random", LinePattern.Solid)],
            Lines("win-rates"));
        // Every checkpoint player is a line of its own over the steps; the fixed players are dotted references.
        Assert.Equal(
            [("checkpoints' search [assisted]", LinePattern.Dashed), ("checkpoints' prior [model-only]", LinePattern.Solid),
             ("checkpoints' search-tree [model-only]", LinePattern.Solid), ("uct:200 [program] (420)", LinePattern.Dotted), ("random [program] (0)", LinePattern.Dotted)],
            Lines("elo"));
    }

    [Fact]
    public void TheMovingAverageTakesEachPointWithTheOnesBeforeItInTheWindow()
    {
        var points = new[] { 1.0, 2, 3, 4, 6 }.Select((y, i) => (X: 10.0 + i, Y: y)).ToList();

        Assert.Equal([(10, 1), (11, 1.5), (12, 2.5), (13, 3.5), (14, 5)], RunPlots.MovingAverage(points, 2));
        Assert.Equal(points, RunPlots.MovingAverage(points, 1));
        Assert.Equal([(10, 1), (11, 1.5), (12, 2), (13, 2.5), (14, 3.2)], RunPlots.MovingAverage(points, 9));
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(60, 1)]
    [InlineData(300, 3)]
    [InlineData(25_000, 250)]
    public void TheWindowIsAboutOnePercentOfTheStepsAndAtLeastOne(int steps, int window) =>
        Assert.Equal(window, RunPlots.SmoothingWindow(steps));
}
