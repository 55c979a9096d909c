using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

namespace GoSeqZero.Bench.Micro;

/// <summary>
/// The BenchmarkDotNet suites: small hot paths timed to the nanosecond, with the bytes they allocate. Arguments go to
/// BenchmarkDotNet (<c>--filter</c>, <c>--job</c>, <c>--inProcess</c>, …); <c>--quick</c> is a dry run in this
/// process, seconds in all, to check that every benchmark runs.
/// </summary>
internal static class MicroBenchmarks
{
    public const string Help = "BenchmarkDotNet: board play and legality 9×9/19×19, one random playout, the GEMM micro-kernel, with allocations; " +
                               "--filter *Playout* --quick (a dry run in seconds); other BenchmarkDotNet options pass through (--job short)";

    public static int Run(string[] args)
    {
        var forwarded = args.Where(arg => arg != "--quick").ToList();
        if (forwarded.Count < args.Length) forwarded.AddRange(["--job", "dry", "--inProcess"]);
        // Without a filter BenchmarkDotNet asks on the console which benchmarks to run.
        if (!forwarded.Any(arg => arg is "--filter" or "-f")) forwarded.AddRange(["--filter", "*"]);
        var summaries = BenchmarkSwitcher.FromTypes([typeof(BoardBenchmarks), typeof(PlayoutBenchmarks), typeof(GemmMicroKernelBenchmarks)])
            .Run([.. forwarded], DefaultConfig.Instance.WithOptions(ConfigOptions.JoinSummary));
        return summaries.Any(summary => summary.HasCriticalValidationErrors || summary.Reports.Any(report => !report.Success)) ? 1 : 0;
    }
}
