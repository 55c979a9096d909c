using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using GoSeqZero.Kernels;

namespace GoSeqZero.Bench.Kernels;

/// <summary>
/// The machine's measured fp32 FMA peak: every thread runs independent chains of vector FMAs with no memory traffic,
/// enough chains to hide the FMA latency on two pipes (latency 4–5 cycles × 2 pipes ≤ 16 chains). The yardstick
/// for GEMM efficiency and, later, for model FLOP utilisation.
/// </summary>
internal static class FmaPeak
{
    private const int Chains = 16;

    /// <summary>Median GFLOP/s over <paramref name="repeats"/> runs of about <paramref name="secondsPerRun"/> seconds on <paramref name="threads"/> threads.</summary>
    public static double MeasureGflops(int threads, int repeats, double secondsPerRun = 0.2)
    {
        var iterations = CalibrateIterations(secondsPerRun);
        var flopsPerRun = (double)iterations * Chains * VectorFloats * 2 * threads;
        var seconds = Timing.MedianSeconds(() => RunOnThreads(threads, iterations), repeats);
        return flopsPerRun / seconds / 1e9;
    }

    /// <summary>Which vectors the chains use: the widest the SIMD GEMM uses on this machine.</summary>
    public static string VectorDescription => SimdCapabilities.HasVector512 ? "Vector512 FMA" : SimdCapabilities.HasVector256Fma ? "Vector256 FMA" : "Vector256 multiply+add";

    private static int VectorFloats => SimdCapabilities.HasVector512 ? 16 : 8;

    private static long CalibrateIterations(double secondsPerRun)
    {
        const long probe = 1 << 20;
        RunChains(probe);
        var start = Stopwatch.GetTimestamp();
        RunChains(probe);
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        return Math.Max(probe, (long)(probe * secondsPerRun / Math.Max(seconds, 1e-6)));
    }

    private static void RunOnThreads(int threads, long iterations)
    {
        if (threads == 1)
        {
            RunChains(iterations);
            return;
        }
        using var start = new Barrier(threads);
        var workers = new Thread[threads];
        for (var i = 0; i < threads; i++)
        {
            workers[i] = new Thread(() =>
            {
                start.SignalAndWait();
                RunChains(iterations);
            });
            workers[i].Start();
        }
        foreach (var worker in workers) worker.Join();
    }

    private static float RunChains(long iterations) => SimdCapabilities.HasVector512 ? Chains512(iterations) : Chains256(iterations);

    /// <summary>16 chains x ← x·m + d, which converge to a fixed point instead of overflowing; the sum is returned so no chain is dead code.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Chains512(long iterations)
    {
        var m = Vector512.Create(0.999f);
        var d = Vector512.Create(0.001f);
        Vector512<float> x0 = Vector512.Create(0.1f), x1 = x0 + d, x2 = x1 + d, x3 = x2 + d, x4 = x3 + d, x5 = x4 + d, x6 = x5 + d, x7 = x6 + d;
        Vector512<float> x8 = x7 + d, x9 = x8 + d, xA = x9 + d, xB = xA + d, xC = xB + d, xD = xC + d, xE = xD + d, xF = xE + d;
        for (long i = 0; i < iterations; i++)
        {
            x0 = Avx512F.FusedMultiplyAdd(x0, m, d); x1 = Avx512F.FusedMultiplyAdd(x1, m, d);
            x2 = Avx512F.FusedMultiplyAdd(x2, m, d); x3 = Avx512F.FusedMultiplyAdd(x3, m, d);
            x4 = Avx512F.FusedMultiplyAdd(x4, m, d); x5 = Avx512F.FusedMultiplyAdd(x5, m, d);
            x6 = Avx512F.FusedMultiplyAdd(x6, m, d); x7 = Avx512F.FusedMultiplyAdd(x7, m, d);
            x8 = Avx512F.FusedMultiplyAdd(x8, m, d); x9 = Avx512F.FusedMultiplyAdd(x9, m, d);
            xA = Avx512F.FusedMultiplyAdd(xA, m, d); xB = Avx512F.FusedMultiplyAdd(xB, m, d);
            xC = Avx512F.FusedMultiplyAdd(xC, m, d); xD = Avx512F.FusedMultiplyAdd(xD, m, d);
            xE = Avx512F.FusedMultiplyAdd(xE, m, d); xF = Avx512F.FusedMultiplyAdd(xF, m, d);
        }
        return Vector512.Sum(x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + xA + xB + xC + xD + xE + xF);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Chains256(long iterations)
    {
        var m = Vector256.Create(0.999f);
        var d = Vector256.Create(0.001f);
        Vector256<float> x0 = Vector256.Create(0.1f), x1 = x0 + d, x2 = x1 + d, x3 = x2 + d, x4 = x3 + d, x5 = x4 + d, x6 = x5 + d, x7 = x6 + d;
        Vector256<float> x8 = x7 + d, x9 = x8 + d, xA = x9 + d, xB = xA + d, xC = xB + d, xD = xC + d, xE = xD + d, xF = xE + d;
        for (long i = 0; i < iterations; i++)
        {
            x0 = MultiplyAdd(x0, m, d); x1 = MultiplyAdd(x1, m, d); x2 = MultiplyAdd(x2, m, d); x3 = MultiplyAdd(x3, m, d);
            x4 = MultiplyAdd(x4, m, d); x5 = MultiplyAdd(x5, m, d); x6 = MultiplyAdd(x6, m, d); x7 = MultiplyAdd(x7, m, d);
            x8 = MultiplyAdd(x8, m, d); x9 = MultiplyAdd(x9, m, d); xA = MultiplyAdd(xA, m, d); xB = MultiplyAdd(xB, m, d);
            xC = MultiplyAdd(xC, m, d); xD = MultiplyAdd(xD, m, d); xE = MultiplyAdd(xE, m, d); xF = MultiplyAdd(xF, m, d);
        }
        return Vector256.Sum(x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + xA + xB + xC + xD + xE + xF);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> MultiplyAdd(Vector256<float> x, Vector256<float> y, Vector256<float> z) =>
        Fma.IsSupported ? Fma.MultiplyAdd(x, y, z) : x * y + z;
}
