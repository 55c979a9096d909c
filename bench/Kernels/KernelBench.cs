using GoSeqZero.Kernels;
using GoSeqZero.Kernels.Simd;

namespace GoSeqZero.Bench.Kernels;

/// <summary>The options the timed kernel benchmarks share: <c>--repeats</c>, <c>--threads</c> and <c>--device</c>.</summary>
internal static class KernelBench
{
    public static (int Repeats, int Threads) RepeatsAndThreads(Options options, int defaultRepeats)
    {
        var repeats = options.Int("repeats", defaultRepeats);
        var threads = options.Int("threads", Environment.ProcessorCount);
        if (repeats < 1 || threads < 1) throw new ArgumentException("--repeats and --threads must be at least 1");
        return (repeats, threads);
    }

    /// <summary>The <c>--device</c> (cpu by default); its SIMD path, when it has one, runs on <paramref name="threads"/> threads.</summary>
    public static Device CreateDevice(Options options, int threads)
    {
        var device = Device.Create(options.String("device", "cpu"));
        if (device.Ops is SimdOps simd) simd.Options = simd.Options with { Threads = threads };
        return device;
    }
}
