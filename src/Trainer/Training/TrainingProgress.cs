using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace GoSeqZero.Trainer.Training;

/// <summary>
/// The live progress display on stderr: on a terminal one status line rewritten in place (at most a few times a
/// second) with log lines printed above it; elsewhere (a file, a pipe, CI) a plain status line every
/// <c>plainInterval</c> and the log lines as they come.
/// </summary>
internal sealed class TrainingProgress(TextWriter writer, bool interactive, TimeSpan plainInterval, long? stepBound, double? minutesBound)
{
    private static readonly TimeSpan RedrawInterval = TimeSpan.FromMilliseconds(250);
    private readonly Stopwatch _session = Stopwatch.StartNew();
    private TimeSpan? _lastWrite;
    private string? _status;
    private double _recentStepSeconds = double.NaN;

    /// <summary>Reports a finished step; the line is drawn (or printed) when it is time to.</summary>
    public void Step(StepReport report, string? lastEvaluation)
    {
        // An exponential average follows the step time as games and sequences change, without one slow step dominating.
        _recentStepSeconds = double.IsNaN(_recentStepSeconds) ? report.StepSeconds : 0.9 * _recentStepSeconds + 0.1 * report.StepSeconds;
        _status = StatusLine(report, lastEvaluation);
        var now = _session.Elapsed;
        var due = _lastWrite is not { } last || now - last >= (interactive ? RedrawInterval : plainInterval);
        if (!due) return;
        _lastWrite = now;
        if (interactive) writer.Write("\r" + Fit(_status) + "\u001b[K");
        else writer.WriteLine(_status);
        writer.Flush();
    }

    /// <summary>A line of its own (checkpoint saved, evaluation result); the status line is redrawn under it.</summary>
    public void Log(string line)
    {
        if (interactive && _status is not null) writer.Write("\r\u001b[K");
        writer.WriteLine("train: " + line);
        if (interactive && _status is not null) writer.Write(Fit(_status));
        writer.Flush();
    }

    /// <summary>Ends the display: the status line stays, and the cursor moves below it.</summary>
    public void Finish()
    {
        if (interactive && _status is not null) writer.Write("\r" + Fit(_status) + "\u001b[K\n");
        else if (_status is not null) writer.WriteLine(_status);
        writer.Flush();
    }

    private string StatusLine(StepReport report, string? lastEvaluation)
    {
        var culture = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.Append(culture, $"step {report.Step}");
        if (stepBound is { } steps) text.Append(culture, $"/{steps}");
        text.Append(culture, $" | {report.BoardSize}x{report.BoardSize} games {report.Totals.GamesFinished}");
        if (report.Totals.GamesFinished > 0)
            text.Append(culture, $" (B {100.0 * (report.Totals.BlackWins + 0.5 * report.Totals.Draws) / report.Totals.GamesFinished:0}%, {(double)report.Totals.MovesOfFinishedGames / report.Totals.GamesFinished:0.#} moves)");
        text.Append(culture, $" | {1 / _recentStepSeconds:0.00} step/s, search {Thousands(report.SearchTokensPerSecond)} tok/s, learn {Thousands(report.TrainTokensPerSecond)} tok/s");
        text.Append(culture, $" | loss {report.Loss:0.000}");
        var parts = new List<string>();
        if (double.IsFinite(report.Losses.Improved)) parts.Add(string.Create(culture, $"imp {report.Losses.Improved:0.00}"));
        if (double.IsFinite(report.Losses.Prior)) parts.Add(string.Create(culture, $"prior {report.Losses.Prior:0.00}"));
        if (double.IsFinite(report.Losses.Imagined)) parts.Add(string.Create(culture, $"img {report.Losses.Imagined:0.00}"));
        if (double.IsFinite(report.Losses.Result)) parts.Add(string.Create(culture, $"res {report.Losses.Result:0.00}"));
        if (double.IsFinite(report.Losses.Child)) parts.Add(string.Create(culture, $"child {report.Losses.Child:0.00}"));
        if (parts.Count > 0) text.Append(" (").Append(string.Join(' ', parts)).Append(')');
        if (double.IsFinite(report.ImaginedAccuracy)) text.Append(culture, $" | imagined {100 * report.ImaginedAccuracy:0.0}%");
        if (lastEvaluation is not null) text.Append(" | eval ").Append(lastEvaluation);
        if (Remaining(report.Step) is { } remaining) text.Append(" | ETA ").Append(Clock(remaining));
        return text.ToString();
    }

    /// <summary>Time left under the step or minute bound, whichever comes first; null when unbounded.</summary>
    private TimeSpan? Remaining(long step)
    {
        double? seconds = null;
        if (stepBound is { } steps && double.IsFinite(_recentStepSeconds)) seconds = Math.Max(0, steps - step) * _recentStepSeconds;
        if (minutesBound is { } minutes)
        {
            var left = Math.Max(0, minutes * 60 - _session.Elapsed.TotalSeconds);
            seconds = seconds is null ? left : Math.Min(seconds.Value, left);
        }
        return seconds is null ? null : TimeSpan.FromSeconds(seconds.Value);
    }

    private static string Thousands(double value) =>
        value >= 1e4 ? (value / 1e3).ToString("0", CultureInfo.InvariantCulture) + "k"
        : value >= 1e3 ? (value / 1e3).ToString("0.0", CultureInfo.InvariantCulture) + "k"
        : value.ToString("0", CultureInfo.InvariantCulture);

    private static string Clock(TimeSpan time) =>
        time.TotalHours >= 1 ? $"{(int)time.TotalHours}:{time:mm\\:ss}" : time.ToString("m\\:ss", CultureInfo.InvariantCulture);

    /// <summary>The terminal's width in characters (0 or less: unknown).</summary>
    public Func<int> TerminalWidth { get; init; } = () => Console.WindowWidth;

    /// <summary>Cuts the line to the terminal's width so that rewriting it in place never wraps.</summary>
    private string Fit(string line)
    {
        int width;
        try
        {
            width = TerminalWidth();
        }
        catch (IOException)
        {
            return line;
        }
        return width > 1 && line.Length >= width ? line[..(width - 1)] : line;
    }
}
