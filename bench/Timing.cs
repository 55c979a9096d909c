using System.Diagnostics;

namespace GoSeqZero.Bench;

/// <summary>Median wall-clock time of repeated runs: the machines are shared and noisy, so one run proves little.</summary>
internal static class Timing
{
    /// <summary>Runs <paramref name="action"/> <paramref name="warmups"/> times untimed, then <paramref name="repeats"/> times; returns the median seconds.</summary>
    public static double MedianSeconds(Action action, int repeats, int warmups = 1)
    {
        for (var i = 0; i < warmups; i++) action();
        var seconds = new double[repeats];
        for (var i = 0; i < repeats; i++)
        {
            var start = Stopwatch.GetTimestamp();
            action();
            seconds[i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        Array.Sort(seconds);
        return repeats % 2 == 1 ? seconds[repeats / 2] : (seconds[repeats / 2 - 1] + seconds[repeats / 2]) / 2;
    }
}
