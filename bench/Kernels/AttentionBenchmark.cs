using System.Runtime.Intrinsics;
using GoSeqZero.Kernels;

namespace GoSeqZero.Bench.Kernels;

/// <summary>
/// <c>bench -- attention [--device cpu] [--repeats 3] [--threads N] [--json FILE]</c>: fused causal attention
/// (<see cref="IOps.AttentionForward"/> and <see cref="IOps.AttentionBackward"/> of the device) forward and backward,
/// beside a naive attention that materialises the T×T probabilities, for T of 512, 2048 and 8192 at head sizes 32 and 64
/// (256 channels, batch 1). Medians of wall-clock time. Effective GFLOP/s follow FlashAttention's accounting: the forward
/// counts the multiply-adds of QKᵀ and PV over the causal half (<see cref="AttentionShape.ForwardFlops"/>), the backward
/// 2.5 times that, whatever each implementation actually recomputes.
/// </summary>
internal static class AttentionBenchmark
{
    /// <summary>The naive attention keeps P and dS, T² floats each per head; past this many bytes in all it is skipped.</summary>
    private const long NaiveMemoryLimit = 1L << 30;

    private const double BackwardFlopsFactor = 2.5;

    public static int Run(string[] args)
    {
        var options = new Options(args, "device", "repeats", "threads", "json");
        var (repeats, threads) = KernelBench.RepeatsAndThreads(options, defaultRepeats: 3);
        using var device = KernelBench.CreateDevice(options, threads);
        var report = new BenchReport("attention", args);
        Console.WriteLine($"causal attention on {device.Description}; {threads} threads; median of {repeats} runs");
        Console.WriteLine($"GFLOP/s count the forward as 4·B·heads·headSize·T(T+1)/2 (QKᵀ and PV, causal half) and the backward as {BackwardFlopsFactor}× that");
        Console.WriteLine(device.Kind == DeviceKind.Cpu
            ? "naive: the same SIMD path with the T×T scores, P and dS materialised per head (plain vector loops, no GEMM calls), parallel over heads and rows"
            : "naive: written for the SIMD path only; not run on this device");
        Console.WriteLine();
        Console.WriteLine($"{"T",6} {"head",4} {"heads",5} | {"fused fwd ms",12} {"bwd ms",9} {"fwd+bwd GFLOP/s",15} | {"naive fwd ms",12} {"bwd ms",9} {"GFLOP/s",8} {"speed-up",8} {"max |Δout|",10}");

        var random = new Random(20261128);
        foreach (var tokens in Tokens(device.Kind))
        foreach (var heads in new[] { 8, 4 })
            Measure(device, new AttentionShape(1, tokens, 256, heads), repeats, threads, random, report);
        report.WriteIfRequested(options);
        return 0;
    }

    /// <summary>The emulator runs one OS thread per GPU thread: only a short sequence finishes in reasonable time.</summary>
    private static int[] Tokens(DeviceKind kind) => kind == DeviceKind.IlgpuCpu ? [64] : [512, 2048, 8192];

    private static void Measure(Device device, AttentionShape shape, int repeats, int threads, Random random, BenchReport report)
    {
        int batch = shape.Batch, tokens = shape.Tokens, channels = shape.Channels;
        var qkvValues = Uniform(random, 3L * batch * tokens * channels);
        var outputGradientValues = Uniform(random, (long)batch * tokens * channels);
        using var qkv = device.Upload<float>(qkvValues, batch, tokens, 3 * channels);
        using var outputGradient = device.Upload<float>(outputGradientValues, batch, tokens, channels);
        using var output = device.Allocate<float>(batch, tokens, channels);
        using var logSumExp = device.Allocate<float>(batch, shape.Heads, tokens);
        using var qkvGradient = device.Allocate<float>(batch, tokens, 3 * channels);
        device.Ops.Fill(qkvGradient, 0);

        var forward = Timing.MedianSeconds(() =>
        {
            device.Ops.AttentionForward(output, logSumExp, qkv, shape);
            device.Synchronize();
        }, repeats);
        var backward = Timing.MedianSeconds(() =>
        {
            device.Ops.AttentionBackward(qkvGradient, outputGradient, output, logSumExp, qkv, shape);
            device.Synchronize();
        }, repeats);
        var flops = shape.ForwardFlops * (1 + BackwardFlopsFactor);
        var fused = flops / (forward + backward) / 1e9;
        var parameters = new (string, object)[] { ("tokens", tokens), ("headSize", shape.HeadSize), ("heads", shape.Heads), ("threads", threads) };
        report.Add("fused forward", forward * 1e3, "ms", parameters);
        report.Add("fused backward", backward * 1e3, "ms", parameters);
        report.Add("fused forward+backward", fused, "GFLOP/s", parameters);
        var line = $"{tokens,6} {shape.HeadSize,4} {shape.Heads,5} | {forward * 1e3,12:F2} {backward * 1e3,9:F2} {fused,15:F1} | ";

        var naiveBytes = 2L * shape.Heads * tokens * tokens * sizeof(float);
        if (device.Kind != DeviceKind.Cpu) line += $"{"-",12} {"-",9} {"-",8} {"-",8} {"-",10}";
        else if (naiveBytes > NaiveMemoryLimit) line += $"skipped: P and dS would take {naiveBytes >> 20} MiB";
        else
        {
            var naive = new NaiveAttention(shape, threads);
            var naiveGradient = new float[qkvValues.Length];
            var naiveForward = Timing.MedianSeconds(() => naive.Forward(qkvValues), repeats);
            var naiveBackward = Timing.MedianSeconds(() => naive.Backward(naiveGradient, outputGradientValues, qkvValues), repeats);
            var naiveRate = flops / (naiveForward + naiveBackward) / 1e9;
            var difference = MaxDifference(output.ToArray(), naive.Output);
            report.Add("naive forward", naiveForward * 1e3, "ms", parameters);
            report.Add("naive backward", naiveBackward * 1e3, "ms", parameters);
            report.Add("naive forward+backward", naiveRate, "GFLOP/s", parameters);
            report.Add("fused/naive speed-up", fused / naiveRate, "ratio", parameters);
            line += $"{naiveForward * 1e3,12:F2} {naiveBackward * 1e3,9:F2} {naiveRate,8:F1} {fused / naiveRate,8:F2} {difference,10:E1}";
        }
        Console.WriteLine(line);
    }

    private static float[] Uniform(Random random, long count)
    {
        var values = new float[count];
        for (long i = 0; i < count; i++) values[i] = 2 * random.NextSingle() - 1;
        return values;
    }

    private static float MaxDifference(float[] left, float[] right)
    {
        var worst = 0f;
        for (var i = 0; i < left.Length; i++) worst = MathF.Max(worst, MathF.Abs(left[i] - right[i]));
        return worst;
    }

    /// <summary>
    /// Attention the textbook way on host arrays: per head, the causal half of the T×T scores is written out, softmaxed
    /// in place into P, and multiplied into V; the backward keeps P, writes dS = P ∘ (dO·Vᵀ − D) out, then forms dQ row by
    /// row and dK, dV column by column. Inner loops are Vector512 dot products and row updates (head sizes here are
    /// multiples of 16); rows run in parallel.
    /// </summary>
    private sealed unsafe class NaiveAttention(AttentionShape shape, int threads)
    {
        private readonly float[] _probabilities = new float[(long)shape.Heads * shape.Tokens * shape.Tokens];
        private readonly float[] _scoreGradients = new float[(long)shape.Heads * shape.Tokens * shape.Tokens];
        private readonly ParallelOptions _parallel = new() { MaxDegreeOfParallelism = threads };

        public float[] Output { get; } = new float[shape.Batch * shape.Tokens * shape.Channels];

        private int HeadSize => shape.HeadSize;
        private int Tokens => shape.Tokens;
        private float Scale => 1 / MathF.Sqrt(shape.HeadSize);

        public void Forward(float[] qkv)
        {
            fixed (float* qkvPointer = qkv, probabilities = _probabilities, output = Output)
            {
                var (q, p, o) = ((nint)qkvPointer, (nint)probabilities, (nint)output);
                Parallel.For(0, shape.Heads * Tokens, _parallel, index =>
                {
                    int head = index / Tokens, i = index % Tokens;
                    var row = (float*)p + ((long)head * Tokens + i) * Tokens;
                    var query = Part((float*)q, 0, head, i);
                    var max = float.NegativeInfinity;
                    for (var j = 0; j <= i; j++) max = MathF.Max(max, row[j] = Dot(query, Part((float*)q, 1, head, j)) * Scale);
                    var sum = 0f;
                    for (var j = 0; j <= i; j++) sum += row[j] = MathF.Exp(row[j] - max);
                    var target = (float*)o + (long)i * shape.Channels + head * HeadSize;
                    new Span<float>(target, HeadSize).Clear();
                    for (var j = 0; j <= i; j++) AddScaled(target, row[j] /= sum, Part((float*)q, 2, head, j));
                });
            }
        }

        /// <summary>Adds the gradient into <paramref name="qkvGradient"/>; the probabilities are the last forward's.</summary>
        public void Backward(float[] qkvGradient, float[] outputGradient, float[] qkv)
        {
            fixed (float* qkvPointer = qkv, gradientPointer = qkvGradient, outputGradientPointer = outputGradient, output = Output)
            fixed (float* probabilities = _probabilities, scoreGradients = _scoreGradients)
            {
                var (q, g, dO, o, p, dS) = ((nint)qkvPointer, (nint)gradientPointer, (nint)outputGradientPointer, (nint)output, (nint)probabilities, (nint)scoreGradients);
                Parallel.For(0, shape.Heads * Tokens, _parallel, index =>
                {
                    int head = index / Tokens, i = index % Tokens;
                    long rowOffset = ((long)head * Tokens + i) * Tokens;
                    float* pRow = (float*)p + rowOffset, dSRow = (float*)dS + rowOffset;
                    var gradientRow = (float*)dO + (long)i * shape.Channels + head * HeadSize;
                    var rowTerm = Dot(gradientRow, (float*)o + (long)i * shape.Channels + head * HeadSize);
                    for (var j = 0; j <= i; j++) dSRow[j] = pRow[j] * (Dot(gradientRow, Part((float*)q, 2, head, j)) - rowTerm);
                    var queryGradient = Part((float*)g, 0, head, i);
                    for (var j = 0; j <= i; j++) AddScaled(queryGradient, Scale * dSRow[j], Part((float*)q, 1, head, j));
                });
                Parallel.For(0, shape.Heads * Tokens, _parallel, index =>
                {
                    int head = index / Tokens, j = index % Tokens;
                    float* keyGradient = Part((float*)g, 1, head, j), valueGradient = Part((float*)g, 2, head, j);
                    for (var i = j; i < Tokens; i++)
                    {
                        long offset = ((long)head * Tokens + i) * Tokens + j;
                        AddScaled(keyGradient, Scale * ((float*)dS)[offset], Part((float*)q, 0, head, i));
                        AddScaled(valueGradient, ((float*)p)[offset], (float*)dO + (long)i * shape.Channels + head * HeadSize);
                    }
                });
            }
        }

        private float* Part(float* qkv, int part, int head, int token) =>
            qkv + (long)token * 3 * shape.Channels + part * shape.Channels + head * HeadSize;

        private float Dot(float* left, float* right)
        {
            var sum = Vector512<float>.Zero;
            for (var d = 0; d < HeadSize; d += Vector512<float>.Count)
                sum = Vector512.FusedMultiplyAdd(Vector512.Load(left + d), Vector512.Load(right + d), sum);
            return Vector512.Sum(sum);
        }

        private void AddScaled(float* target, float factor, float* source)
        {
            var scale = Vector512.Create(factor);
            for (var d = 0; d < HeadSize; d += Vector512<float>.Count)
                Vector512.FusedMultiplyAdd(scale, Vector512.Load(source + d), Vector512.Load(target + d)).Store(target + d);
        }
    }
}
