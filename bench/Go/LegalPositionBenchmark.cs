using System.Diagnostics;
using GoSeqZero.Go;

namespace GoSeqZero.Bench.Go;

/// <summary>The 4×4 term of OEIS A094777 (24 318 165), too slow for the test suite.</summary>
internal static class LegalPositionBenchmark
{
    private static readonly long[] Known = [1, 57, 12_675, 24_318_165];

    public static int Run(string[] args)
    {
        var options = new Options(args, "size");
        var size = options.Int("size", 4);
        var stopwatch = Stopwatch.StartNew();
        var count = LegalPositions.Count(size, Environment.ProcessorCount);
        var expected = size <= Known.Length ? Known[size - 1] : (long?)null;
        Console.WriteLine($"{size}x{size}: {count:N0} legal positions in {stopwatch.Elapsed.TotalSeconds:F1} s; OEIS A094777 says {expected:N0}: {(count == expected ? "match" : "MISMATCH")}");
        return count == expected ? 0 : 1;
    }
}
