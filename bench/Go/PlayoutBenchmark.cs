using System.Diagnostics;
using GoSeqZero.Go;

namespace GoSeqZero.Bench.Go;

/// <summary>
/// Light playouts per second from the empty board: one thread, then one independent playout loop per core.
/// Each repeat runs for a fixed time; the median of the repeats is reported.
/// </summary>
internal static class PlayoutBenchmark
{
    public static int Run(string[] args)
    {
        var options = new Options(args, "size", "seconds", "repeats");
        var size = options.Int("size", 9);
        var seconds = options.Double("seconds", 3);
        var repeats = options.Int("repeats", 5);
        var cores = Environment.ProcessorCount;
        Console.WriteLine($"# playouts on {size}x{size} from the empty board, {repeats} x {seconds} s, {cores} cores, {Environment.Version}");
        // Warm-up, so the JIT has finished tiering up the playout code before anything is timed.
        Measure(size, 1, 0.5, 0);
        foreach (var threads in new[] { 1, cores }.Distinct())
        {
            var runs = Enumerable.Range(0, repeats).Select(repeat => Measure(size, threads, seconds, repeat)).OrderBy(run => run.PlayoutsPerSecond).ToArray();
            var median = runs[runs.Length / 2];
            Console.WriteLine($"threads {threads,2}: median {median.PlayoutsPerSecond,10:N0} playouts/s (min {runs[0].PlayoutsPerSecond:N0}, max {runs[^1].PlayoutsPerSecond:N0}); " +
                              $"{median.PlayoutsPerSecond / threads:N0} per thread; {median.MovesPerPlayout:F1} moves per playout");
        }
        return 0;
    }

    /// <summary>Playouts per second over all threads, and their mean length.</summary>
    private static (double PlayoutsPerSecond, double MovesPerPlayout) Measure(int size, int threads, double seconds, int seedOffset)
    {
        var counts = new long[threads];
        var moves = new long[threads];
        var stopwatch = Stopwatch.StartNew();
        var deadline = TimeSpan.FromSeconds(seconds);
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, thread =>
        {
            var empty = new Board(size);
            var board = new Board(size);
            var random = new FastRandom((ulong)(thread * 1000 + seedOffset + Environment.TickCount));
            long playouts = 0, played = 0;
            while (stopwatch.Elapsed < deadline)
            {
                for (var i = 0; i < 64; i++)
                {
                    board.CopyFrom(empty);
                    RandomPlayout.Run(board, ref random);
                    played += board.MoveCount;
                    playouts++;
                }
            }
            counts[thread] = playouts;
            moves[thread] = played;
        });
        return (counts.Sum() / stopwatch.Elapsed.TotalSeconds, (double)moves.Sum() / counts.Sum());
    }
}
