using System.Diagnostics;
using GoSeqZero.Kernels;

namespace GoSeqZero.Bench.Kernels;

/// <summary>
/// <c>bench -- gemm [--device cpu] [--repeats 7] [--threads N] [--json FILE]</c>: in one run, the machine's FMA peak,
/// our SGEMM (<see cref="IOps.Gemm"/> of the device) and OpenBLAS's <c>cblas_sgemm</c> on the same inputs with the same
/// thread count, for square sizes and the model's shapes in the three layouts the model uses (NT in the forward, NN and
/// TN in the backward). Medians of wall-clock time; both results are compared so a fast wrong answer shows.
/// </summary>
internal static unsafe class GemmBenchmark
{
    /// <summary>A measured shape: the label names op(A) [M×K] · op(B) [K×N] and how each is stored.</summary>
    private readonly record struct Shape(string Label, string Layout, GemmSpec Spec);

    /// <summary>Each timed sample repeats a GEMM until it lasts about this long, so sub-millisecond GEMMs are not timer noise.</summary>
    private const double SecondsPerSample = 2e-3;

    public static int Run(string[] args)
    {
        var options = new Options(args, "device", "repeats", "threads", "json");
        var (repeats, threads) = KernelBench.RepeatsAndThreads(options, defaultRepeats: 7);
        using var device = KernelBench.CreateDevice(options, threads);
        Console.WriteLine($"SGEMM on {device.Description}; {threads} threads; median of {repeats} runs");
        var report = new BenchReport("gemm", args);

        double? peak = null;
        if (device.Kind == DeviceKind.Cpu)
        {
            peak = FmaPeak.MeasureGflops(threads, repeats);
            Console.WriteLine($"FMA peak ({FmaPeak.VectorDescription}, {threads} threads): {peak:F1} GFLOP/s");
            report.Add("fma-peak", peak.Value, "GFLOP/s", ("threads", threads));
        }

        OpenBlas? openBlas = null;
        if (device.IsHostMemory)
        {
            openBlas = OpenBlas.TryLoad(out var reason);
            Console.WriteLine(openBlas is null ? $"no OpenBLAS column: {reason}" : $"compared with {reason}, {threads} threads");
            openBlas?.SetThreads(threads);
        }
        else Console.WriteLine("no OpenBLAS column: the tensors live in GPU memory");

        try
        {
            Console.WriteLine();
            Console.WriteLine($"{"shape",-36} {"ours GFLOP/s",12} {"% of peak",9} {"OpenBLAS",10} {"ratio",6}");
            var random = new Random(20261128);
            foreach (var shape in Shapes(device.Kind))
                Measure(device, shape, openBlas, peak, repeats, threads, random, report);
        }
        finally { openBlas?.Dispose(); }
        report.WriteIfRequested(options);
        return 0;
    }

    private static IEnumerable<Shape> Shapes(DeviceKind kind)
    {
        if (kind == DeviceKind.IlgpuCpu)
        {
            // The emulator runs one OS thread per GPU thread: only small shapes finish in reasonable time.
            foreach (var (m, n, k) in new[] { (64, 64, 64), (128, 96, 64) })
                foreach (var layout in Layouts) yield return Describe(layout(m, n, k), "");
            yield break;
        }
        foreach (var size in new[] { 512, 1024, 2048 }) yield return Describe(GemmSpec.NN(size, size, size), $"{size}³ ");
        foreach (var (m, n, k) in new[] { (4096, 768, 256), (4096, 1024, 256), (4096, 256, 1024) })
            foreach (var layout in Layouts) yield return Describe(layout(m, n, k), "model ");
        // Decoding: a handful of sequences through the same weights, stored [out×in] as in the forward.
        foreach (var (m, n, k) in new[] { (8, 768, 256), (8, 256, 1024) }) yield return Describe(GemmSpec.NT(m, n, k), "decode ");
    }

    private static readonly Func<int, int, int, GemmSpec>[] Layouts = [GemmSpec.NN, GemmSpec.NT, GemmSpec.TN];

    private static Shape Describe(GemmSpec spec, string prefix)
    {
        var a = spec.TransposeA ? $"[{spec.K}×{spec.M}]ᵀ" : $"[{spec.M}×{spec.K}]";
        var b = spec.TransposeB ? $"[{spec.N}×{spec.K}]ᵀ" : $"[{spec.K}×{spec.N}]";
        var layout = $"{(spec.TransposeA ? 'T' : 'N')}{(spec.TransposeB ? 'T' : 'N')}";
        return new Shape($"{prefix}{layout} {a}·{b}", layout, spec);
    }

    private static void Measure(Device device, Shape shape, OpenBlas? openBlas, double? peak, int repeats, int threads, Random random, BenchReport report)
    {
        var spec = shape.Spec;
        var aValues = Uniform(random, (long)spec.M * spec.K);
        var bValues = Uniform(random, (long)spec.K * spec.N);
        using var a = device.Upload<float>(aValues, aValues.Length);
        using var b = device.Upload<float>(bValues, bValues.Length);
        using var c = device.Allocate<float>(spec.M * spec.N);
        var ours = Gflops(spec, repeats, () =>
        {
            device.Ops.Gemm(spec, a, b, c);
            device.Synchronize();
        });
        var parameters = new List<(string, object)> { ("layout", shape.Layout), ("m", spec.M), ("n", spec.N), ("k", spec.K), ("threads", threads) };
        report.Add(shape.Label, ours, "GFLOP/s", [.. parameters, ("implementation", "ours")]);
        var percent = peak is { } p ? $"{100 * ours / p,8:F0}%" : $"{"-",9}";

        var blasText = $"{"-",10} {"-",6}";
        if (openBlas is not null)
        {
            var reference = new float[spec.M * spec.N];
            fixed (float* aPointer = aValues, bPointer = bValues, cPointer = reference)
            {
                float* aPinned = aPointer, bPinned = bPointer, cPinned = cPointer;
                var blas = Gflops(spec, repeats, () =>
                    openBlas.Sgemm(spec.TransposeA, spec.TransposeB, spec.M, spec.N, spec.K, 1, aPinned, spec.Lda, bPinned, spec.Ldb, 0, cPinned, spec.Ldc));
                report.Add(shape.Label, blas, "GFLOP/s", [.. parameters, ("implementation", "openblas")]);
                var ratio = ours / blas;
                report.Add(shape.Label, ratio, "ratio", [.. parameters, ("implementation", "ours/openblas")]);
                blasText = $"{Format(blas),10} {(ratio >= 0.1 ? ratio.ToString("F2") : ratio.ToString("G2")),6}";
            }
            WarnIfDifferent(shape, c.ToArray(), reference);
        }
        Console.WriteLine($"{shape.Label,-36} {Format(ours),12} {percent} {blasText}");
    }

    /// <summary>Median GFLOP/s of <paramref name="gemm"/>: one untimed call (compilation, first touch), one to size the samples, then the samples.</summary>
    private static double Gflops(GemmSpec spec, int repeats, Action gemm)
    {
        gemm();
        var start = Stopwatch.GetTimestamp();
        gemm();
        var once = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var perSample = (int)Math.Clamp(Math.Ceiling(SecondsPerSample / Math.Max(once, 1e-7)), 1, 10_000);
        var seconds = Timing.MedianSeconds(() =>
        {
            for (var i = 0; i < perSample; i++) gemm();
        }, repeats, warmups: 0);
        return spec.Flops * perSample / seconds / 1e9;
    }

    /// <summary>Three significant figures below 10 (the emulator's figures are thousandths), one decimal above.</summary>
    private static string Format(double gflops) => gflops >= 10 ? gflops.ToString("F1") : gflops.ToString("G3");

    /// <summary>Both computed the same product: they may differ by rounding (√K growth), never by more.</summary>
    private static void WarnIfDifferent(Shape shape, float[] ours, float[] reference)
    {
        var worst = 0.0;
        for (var i = 0; i < ours.Length; i++) worst = Math.Max(worst, Math.Abs(ours[i] - reference[i]));
        var allowed = 1e-5 * Math.Sqrt(shape.Spec.K) * 4;
        if (!(worst <= allowed)) Console.WriteLine($"WARNING {shape.Label}: ours and OpenBLAS differ by up to {worst:g3} (allowed {allowed:g3})");
    }

    private static float[] Uniform(Random random, long count)
    {
        var values = new float[count];
        for (long i = 0; i < count; i++) values[i] = 2 * random.NextSingle() - 1;
        return values;
    }
}
