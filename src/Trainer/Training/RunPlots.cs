using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using GoSeqZero.Go.Players;
using ScottPlot;
using ScottPlot.Plottables;

namespace GoSeqZero.Trainer.Training;

/// <summary>
/// PNG plots of a run's metrics.jsonl, in <c>plots/</c> of the run folder: losses, evaluation win rates, the Elo
/// ladder (both with model-only and playout-assisted players apart), imagined accuracy and throughput. Every call redraws them all from the whole file; a plot whose data is
/// all missing is not drawn, and an older file of that name is deleted so that no plot shows metrics the file no
/// longer holds (a resumed run trims them).
/// </summary>
internal static partial class RunPlots
{
    public const string FolderName = "plots";
    public const int Width = 1000, Height = 600;

    private static readonly string[] LossNames = ["loss_improved", "loss_prior", "loss_child", "loss_result", "loss_imagined"];

    /// <summary>Redraws the plots of the run in <paramref name="runDirectory"/>; returns the paths of the PNGs written.</summary>
    public static IReadOnlyList<string> Write(string runDirectory)
    {
        var folder = Path.Combine(runDirectory, FolderName);
        var written = new List<string>();
        foreach (var (name, draw) in Plots(runDirectory))
        {
            var path = Path.Combine(folder, name + ".png");
            using var plot = draw();
            if (plot is not null) written.Add(Save(plot, path));
            else if (File.Exists(path)) File.Delete(path);
        }
        return written;
    }

    /// <summary>The plots of the run's metrics.jsonl by file name, each drawn when called: null when it has no data.</summary>
    internal static IReadOnlyList<(string Name, Func<Plot?> Draw)> Plots(string runDirectory)
    {
        var lines = ReadMetrics(Path.Combine(runDirectory, RunDirectory.MetricsFileName));
        var steps = lines.Where(line => line.Json["evaluation"] is null).Select(line => line.Json).ToList();
        var evaluations = lines.Where(line => line.Json["evaluation"] is JsonObject)
            .Select(line => (line.Step, Evaluation: (JsonObject)line.Json["evaluation"]!)).ToList();
        var window = SmoothingWindow(steps.Count);
        return
        [
            ("losses", () => Losses(steps, window)),
            ("win-rates", () => WinRates(evaluations)),
            ("elo", () => Elo(evaluations)),
            ("imagined-accuracy", () => ImaginedAccuracy(steps, window)),
            ("throughput", () => Throughput(steps, window)),
        ];
    }

    /// <summary>About 1% of the steps, at least 1: enough to see the trend through the noise of single steps.</summary>
    internal static int SmoothingWindow(int stepCount) => Math.Max(1, (int)Math.Round(stepCount / 100.0));

    /// <summary>The mean of each point's value and the <paramref name="window"/> − 1 values before it (fewer at the start).</summary>
    internal static List<(double X, double Y)> MovingAverage(IReadOnlyList<(double X, double Y)> points, int window)
    {
        var averaged = new List<(double X, double Y)>(points.Count);
        var sum = 0.0;
        for (var i = 0; i < points.Count; i++)
        {
            sum += points[i].Y;
            if (i >= window) sum -= points[i - window].Y;
            averaged.Add((points[i].X, sum / Math.Min(i + 1, window)));
        }
        return averaged;
    }

    private static Plot? Losses(List<JsonObject> steps, int window)
    {
        var series = LossNames.Select(name => (Name: name, Points: MovingAverage(Series(steps, name), window)))
            .Where(s => s.Points.Count > 0).ToList();
        if (series.Count == 0) return null;
        var plot = NewPlot($"Losses ({Smoothing(window)})", "step", "loss (nats)");
        foreach (var (name, points) in series) AddLine(plot, name, points);
        return plot;
    }

    private static Plot? ImaginedAccuracy(List<JsonObject> steps, int window)
    {
        var points = MovingAverage(Series(steps, "imagined_accuracy"), window);
        if (points.Count == 0) return null;
        var plot = NewPlot($"Imagined boards equal to the rules engine's ({Smoothing(window)})", "step", "share of points right");
        AddLine(plot, "imagined_accuracy", points);
        plot.Axes.SetLimitsY(0, 1);
        return plot;
    }

    private static Plot? Throughput(List<JsonObject> steps, int window)
    {
        var series = new[] { "train_tokens_per_s", "search_tokens_per_s" }
            .Select(name => (Name: name, Points: MovingAverage(Series(steps, name), window)))
            .Where(s => s.Points.Count > 0).ToList();
        if (series.Count == 0) return null;
        var plot = NewPlot($"Throughput ({Smoothing(window)})", "step", "tokens per second");
        foreach (var (name, points) in series) AddLine(plot, name, points);
        plot.Axes.SetLimitsY(0, 1.05 * Math.Max(1, series.Max(s => s.Points.Max(p => p.Y))));
        return plot;
    }

    /// <summary>
    /// One line per (player, its kind, opponent) over the evaluations, with its 95% interval as error bars: model-only
    /// players solid, playout-assisted ones dashed, so that what the model did alone is never mistaken for what our
    /// playouts did for it.
    /// </summary>
    private static Plot? WinRates(List<(double Step, JsonObject Evaluation)> evaluations)
    {
        var pairs = evaluations
            .SelectMany(e => (e.Evaluation["matches"] as JsonArray ?? []).OfType<JsonObject>().Select(match => (e.Step, Match: match)))
            .Where(x => Number(x.Match, "win_rate") is not null)
            .GroupBy(x => (Player: Text(x.Match, "player") ?? "checkpoint", Kind: Text(x.Match, "player_kind"), Opponent: OpponentLabel(Text(x.Match, "opponent"))))
            .ToList();
        if (pairs.Count == 0) return null;
        var plot = NewPlot("Evaluation win rates (dashed: assisted by our playouts; bars: 95% interval)", "step", "win rate");
        // Pairs evaluated at the same steps would hide each other's bars: each is shifted sideways a little.
        var shift = Math.Max(1, (evaluations.Max(e => e.Step) - evaluations.Min(e => e.Step)) / 100);
        foreach (var (pair, index) in pairs.Select((pair, index) => (pair, index)))
        {
            var offset = (index - (pairs.Count - 1) / 2.0) * shift;
            var intervals = pair.Select(x => (X: x.Step + offset, Y: Number(x.Match, "win_rate")!.Value,
                Low: Number(x.Match, "win_rate_low"), High: Number(x.Match, "win_rate_high"))).ToList();
            var line = AddLine(plot, $"{Tagged(pair.Key.Player, pair.Key.Kind)} vs {pair.Key.Opponent}", intervals.Select(i => (i.X, i.Y)).ToList());
            line.LinePattern = PatternOf(pair.Key.Kind);
            AddIntervals(plot, line, intervals);
        }
        plot.Add.HorizontalLine(0.5, 1, Colors.Gray, LinePattern.Dotted);
        plot.Axes.SetLimitsY(-0.02, 1.02);
        return plot;
    }

    /// <summary>
    /// The ratings of the last ladder (refit over every game so far): each of the checkpoints' players (search, prior,
    /// search-tree...) as a line over their step, solid when model-only and dashed when assisted by our playouts; the
    /// fixed players (random, uct:N, gnugo:L) as dotted horizontal reference lines.
    /// </summary>
    private static Plot? Elo(List<(double Step, JsonObject Evaluation)> evaluations)
    {
        var last = evaluations.LastOrDefault(e => e.Evaluation["ladder"] is JsonObject);
        if (last.Evaluation is null) return null;
        var ladder = (JsonObject)last.Evaluation["ladder"]!;
        var ratings = (ladder["ratings"] as JsonArray ?? []).OfType<JsonObject>()
            .Select(r => (Player: Text(r, "player"), Kind: Text(r, "kind"), Rating: Number(r, "rating"), Low: Number(r, "low"), High: Number(r, "high")))
            .Where(r => r.Player is not null && r.Rating is not null)
            .Select(r => (Player: r.Player!, r.Kind, Rating: r.Rating!.Value, r.Low, r.High, Checkpoint: CheckpointPlayer().Match(r.Player!)))
            .ToList();
        // The ladder names the search player by its step alone ("step-000200") and the others after it ("step-000200:prior").
        var checkpointLines = ratings.Where(r => r.Checkpoint.Success)
            .GroupBy(r => (Player: r.Checkpoint.Groups[2].Success ? r.Checkpoint.Groups[2].Value : "search", r.Kind))
            .OrderBy(g => g.Key.Player == "search" ? 0 : 1).ThenBy(g => g.Key.Player, StringComparer.Ordinal)
            .ToList();
        if (checkpointLines.Count == 0) return null;
        var anchor = Text(ladder, "anchor");
        var title = string.Create(CultureInfo.InvariantCulture, $"Elo of the checkpoints (fitted at step {last.Step:0}")
            + (anchor is null ? "" : $", {anchor} = 0") + "; dashed: assisted; bars: 95%)";
        var plot = NewPlot(title, "step", "Elo");
        foreach (var group in checkpointLines)
        {
            var points = group.Select(r => (X: double.Parse(r.Checkpoint.Groups[1].Value, CultureInfo.InvariantCulture), Y: r.Rating, r.Low, r.High))
                .OrderBy(r => r.X).ToList();
            var line = AddLine(plot, "checkpoints' " + Tagged(group.Key.Player, group.Key.Kind), points.Select(c => (c.X, c.Y)).ToList());
            line.LinePattern = PatternOf(group.Key.Kind);
            AddIntervals(plot, line, points);
        }
        foreach (var reference in ratings.Where(r => !r.Checkpoint.Success).OrderByDescending(r => r.Rating))
        {
            var line = plot.Add.HorizontalLine(reference.Rating, 1.5f, plot.Add.GetNextColor(), LinePattern.Dotted);
            line.LegendText = string.Create(CultureInfo.InvariantCulture, $"{Tagged(reference.Player, reference.Kind)} ({reference.Rating:0})");
        }
        return plot;
    }

    /// <summary>"search [assisted]"; the name alone when metrics written before kinds do not say.</summary>
    private static string Tagged(string player, string? kind) => kind is null ? player : $"{player} [{kind}]";

    /// <summary>Assisted players dashed, every other player solid.</summary>
    private static LinePattern PatternOf(string? kind) => kind == PlayerKind.PlayoutAssisted.Label() ? LinePattern.Dashed : LinePattern.Solid;

    private static Plot NewPlot(string title, string xLabel, string yLabel)
    {
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        plot.ShowLegend(Edge.Right);
        return plot;
    }

    private static Scatter AddLine(Plot plot, string label, List<(double X, double Y)> points)
    {
        var line = plot.Add.ScatterLine(points.Select(p => p.X).ToArray(), points.Select(p => p.Y).ToArray());
        line.LegendText = label;
        // Few points read better as dots; a single one would not show at all as a line.
        line.MarkerSize = points.Count <= 30 ? 6 : 0;
        return line;
    }

    /// <summary>Error bars from each point's low to its high, in the colour of <paramref name="line"/>; a missing bound draws no bar on that side.</summary>
    private static void AddIntervals(Plot plot, Scatter line, List<(double X, double Y, double? Low, double? High)> points)
    {
        var bars = new ErrorBar(
            points.Select(p => p.X).ToList(), points.Select(p => p.Y).ToList(), null, null,
            points.Select(p => Math.Max(0, (p.High ?? p.Y) - p.Y)).ToList(), points.Select(p => Math.Max(0, p.Y - (p.Low ?? p.Y))).ToList())
        {
            Color = line.Color,
        };
        plot.Add.Plottable(bars);
    }

    /// <summary>Writes the PNG under a temporary name beside <paramref name="path"/> and renames it over, so a viewer never opens half a file.</summary>
    private static string Save(Plot plot, string path)
    {
        var folder = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(folder);
        var temporary = Path.Combine(folder, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllBytes(temporary, plot.GetImageBytes(Width, Height, ImageFormat.Png));
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
        return path;
    }

    /// <summary>The lines of metrics.jsonl that parse and have a step, in file order.</summary>
    private static List<(double Step, JsonObject Json)> ReadMetrics(string path)
    {
        var lines = new List<(double Step, JsonObject Json)>();
        if (!File.Exists(path)) return lines;
        // The trainer may append while we read.
        using var reader = new StreamReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));
        while (reader.ReadLine() is { } text)
        {
            if (string.IsNullOrWhiteSpace(text)) continue;
            try
            {
                if (JsonNode.Parse(text) is JsonObject json && Number(json, "step") is { } step) lines.Add((step, json));
            }
            catch (JsonException)
            {
                // A line cut short when the trainer was killed: it has nothing to plot.
            }
        }
        return lines;
    }

    private static List<(double X, double Y)> Series(List<JsonObject> steps, string name) =>
        steps.Select(line => (X: Number(line, "step"), Y: Number(line, name)))
            .Where(p => p.X is not null && p.Y is not null)
            .Select(p => (p.X!.Value, p.Y!.Value))
            .ToList();

    private static double? Number(JsonObject json, string name) =>
        json[name] is JsonValue value && value.TryGetValue(out double number) && double.IsFinite(number) ? number : null;

    private static string? Text(JsonObject json, string name) =>
        json[name] is JsonValue value && value.TryGetValue(out string? text) ? text : null;

    /// <summary>
    /// The untrained step-0 checkpoint keeps its line; the other checkpoint opponents change name at every evaluation
    /// (the one evaluated before) and make one line together.
    /// </summary>
    private static string OpponentLabel(string? opponent) =>
        opponent is null ? "?" : opponent == "step-000000" ? "first checkpoint (step 0)" : CheckpointName().IsMatch(opponent) ? "previous checkpoint" : opponent;

    private static string Smoothing(int window) =>
        string.Create(CultureInfo.InvariantCulture, $"moving average of {window} step{(window == 1 ? "" : "s")}");

    [GeneratedRegex(@"^step-(\d+)$")]
    private static partial Regex CheckpointName();

    /// <summary>A checkpoint's player on the ladder: "step-000200" (its search player) or "step-000200:prior".</summary>
    [GeneratedRegex(@"^step-(\d+)(?::(.+))?$")]
    private static partial Regex CheckpointPlayer();
}
