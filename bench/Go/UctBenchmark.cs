using System.Diagnostics;
using GoSeqZero.Go;
using GoSeqZero.Go.Players;

namespace GoSeqZero.Bench.Go;

/// <summary>
/// Seconds per genmove of uct:N on 9×9 on an otherwise idle machine: from the empty board and from a middle-game
/// position (40 random moves in), medians of repeats, one thread and all cores.
/// </summary>
internal static class UctBenchmark
{
    public static int Run(string[] args)
    {
        var options = new Options(args, "size", "repeats");
        var size = options.Int("size", 9);
        var repeats = options.Int("repeats", 5);
        var cores = Environment.ProcessorCount;
        var empty = new Game(size, 7);
        var middle = new Game(size, 7);
        var random = new FastRandom(7);
        for (var i = 0; i < 40 && !middle.IsOver; i++)
            middle.Play(middle.ToMove, middle.Board.VertexOf(RandomPlayout.ChooseMove(middle.Board, middle.ToMove, ref random)));
        // Enough searches for the JIT to finish tiering up before anything is timed.
        for (var i = 0; i < 20; i++)
        {
            using var warmUp = new UctPlayer(2000, 1 + i % cores, seed: 99 + i);
            warmUp.GenMove(i % 2 == 0 ? empty : middle, Color.Black, CancellationToken.None);
        }
        Console.WriteLine($"# uct genmove on {size}x{size}, median of {repeats}, {cores} cores, {Environment.Version}");
        foreach (var playouts in new[] { 1000, 10000 })
            foreach (var threads in new[] { 1, cores }.Distinct())
                foreach (var (name, game) in new[] { ("empty board", empty), ("move 40", middle) })
                {
                    var seconds = new double[repeats];
                    for (var r = 0; r < repeats; r++)
                    {
                        using var player = new UctPlayer(playouts, threads, seed: r);
                        var stopwatch = Stopwatch.StartNew();
                        player.GenMove(game, game.ToMove, CancellationToken.None);
                        seconds[r] = stopwatch.Elapsed.TotalSeconds;
                    }
                    Array.Sort(seconds);
                    var median = seconds[repeats / 2];
                    Console.WriteLine($"uct:{playouts,-6} threads {threads,2}  {name,-12} {median,8:F4} s/move  {playouts / median,10:N0} playouts/s");
                }
        return 0;
    }
}
