using System.Runtime.InteropServices;
using GoSeqZero.Kernels;
using ILGPU.Runtime;
using Device = GoSeqZero.Kernels.Device;

namespace GoSeqZero.Bench.Kernels;

/// <summary>
/// <c>bench -- rowops [--device cpu] [--repeats 7] [--json FILE]</c>: the memory-bound ops (LayerNorm, GELU, AdamW) in
/// GB/s beside the machine's copy bandwidth measured in the same run. Bytes are those the op's definition reads and
/// writes (fp32; caches and write-allocate traffic not counted), the same convention as the copy's 2 × size, so the
/// ratio says how close an op comes to streaming its data once. On a CPU an op that reads every array it writes (the
/// backward ops, AdamW) can pass 1: the copy also reads each destination line before writing it, uncounted; so can a
/// shape whose arrays fit the last-level cache, which the 512 MiB of the copy never do.
/// </summary>
internal static unsafe class MemoryBoundBenchmark
{
    /// <summary>The copy: 256 MiB, far beyond any cache.</summary>
    private const long CopyBytes = 256L << 20;

    /// <summary>Each timed sample moves at least this many bytes, so small shapes are not timer noise.</summary>
    private const double BytesPerSample = 256e6;

    private const int AdamWParameters = 5_000_000;

    private sealed record Measured(string Name, string Shape, string BytesCounted, double Bytes, double Seconds);

    public static int Run(string[] args)
    {
        var options = new Options(args, "device", "repeats", "json");
        var repeats = options.Int("repeats", 7);
        if (repeats < 1) throw new ArgumentException("--repeats must be at least 1");
        using var device = Device.Create(options.String("device", "cpu"));
        Console.WriteLine($"memory-bound ops on {device.Description}; median of {repeats} runs");
        var report = new BenchReport("rowops", args);

        var copy = MeasureCopy(device, repeats);
        var copyRate = copy.Bytes / copy.Seconds / 1e9;
        var threads = device.Kind == DeviceKind.Cpu ? Environment.ProcessorCount : 0;
        Console.WriteLine($"copy bandwidth ({copy.Shape}, {(device.Kind == DeviceKind.Cpu ? $"{threads} threads" : "device to device")}): " +
            $"{copyRate:F1} GB/s, counting read + write");
        report.Add("copy", copyRate, "GB/s", ("bytes", copy.Bytes), ("seconds", copy.Seconds), ("threads", threads));

        Console.WriteLine();
        Console.WriteLine($"{"op",-20} {"shape",-12} {"bytes counted (fp32)",-44} {"MB",8} {"ms",9} {"GB/s",8} {"of copy",8}");
        var random = new Random(20261128);
        var sizes = device.Kind == DeviceKind.IlgpuCpu ? [(64, 256)] : new[] { (4096, 256), (4096, 1024) };
        foreach (var (rows, channels) in sizes)
        {
            Print(MeasureLayerNormForward(device, random, rows, channels, repeats), copyRate, report);
            Print(MeasureLayerNormBackward(device, random, rows, channels, repeats), copyRate, report);
        }
        foreach (var (rows, channels) in sizes)
        {
            Print(MeasureGelu(device, random, rows, 4 * channels, repeats, backward: false), copyRate, report);
            Print(MeasureGelu(device, random, rows, 4 * channels, repeats, backward: true), copyRate, report);
        }
        var adamW = MeasureAdamW(device, random, device.Kind == DeviceKind.IlgpuCpu ? 65_536 : AdamWParameters, repeats);
        if (adamW is null) Console.WriteLine($"{"AdamW",-20} not available yet");
        else Print(adamW, copyRate, report);

        report.WriteIfRequested(options);
        return 0;
    }

    private static void Print(Measured measured, double copyRate, BenchReport report)
    {
        var rate = measured.Bytes / measured.Seconds / 1e9;
        Console.WriteLine($"{measured.Name,-20} {measured.Shape,-12} {measured.BytesCounted,-44} {measured.Bytes / 1e6,8:F1} " +
            $"{measured.Seconds * 1e3,9:F3} {rate,8:F1} {rate / copyRate,8:F2}");
        report.Add(measured.Name, rate, "GB/s", ("shape", measured.Shape), ("bytes", measured.Bytes), ("seconds", measured.Seconds),
            ("fraction_of_copy", rate / copyRate));
    }

    /// <summary>
    /// On the CPU a Span copy of 256 MiB split over every core (Parallel.For, as the ops run); on a GPU a device-to-device
    /// buffer copy. Counted as size read + size written.
    /// </summary>
    private static Measured MeasureCopy(Device device, int repeats)
    {
        var count = CopyBytes / sizeof(float);
        double seconds;
        if (device.Kind == DeviceKind.Cpu)
        {
            var source = (float*)NativeMemory.AlignedAlloc((nuint)CopyBytes, 64);
            var destination = (float*)NativeMemory.AlignedAlloc((nuint)CopyBytes, 64);
            try
            {
                new Span<byte>(source, (int)CopyBytes).Fill(1);
                var blocks = Environment.ProcessorCount;
                seconds = Timing.MedianSeconds(() => Parallel.For(0, blocks, block =>
                {
                    long start = count * block / blocks, end = count * (block + 1) / blocks;
                    new ReadOnlySpan<float>(source + start, (int)(end - start)).CopyTo(new Span<float>(destination + start, (int)(end - start)));
                }), repeats);
            }
            finally
            {
                NativeMemory.AlignedFree(source);
                NativeMemory.AlignedFree(destination);
            }
        }
        else
        {
            var ones = new float[count];
            Array.Fill(ones, 1);
            using var source = device.Upload<float>(ones, ones.Length);
            using var destination = device.Allocate<float>(ones.Length);
            seconds = Timing.MedianSeconds(() =>
            {
                source.View.BaseView.CopyTo(destination.View.BaseView);
                device.Synchronize();
            }, repeats);
        }
        return new Measured("copy", $"{CopyBytes >> 20} MiB", "source + destination", 2.0 * CopyBytes, seconds);
    }

    private static Measured MeasureLayerNormForward(Device device, Random random, int rows, int channels, int repeats)
    {
        var elements = rows * channels;
        using var layerNorm = new LayerNormTensors(device, random, rows, channels);
        using var output = device.Allocate<float>(elements);
        double bytes = sizeof(float) * (2.0 * elements + 2.0 * channels + 2.0 * rows);
        var seconds = Time(device, bytes, repeats, () => layerNorm.Forward(output));
        return new Measured("LayerNorm forward", $"{rows}×{channels}", "x, y (2N) + weight, bias + mean, 1/σ", bytes, seconds);
    }

    private static Measured MeasureLayerNormBackward(Device device, Random random, int rows, int channels, int repeats)
    {
        var elements = rows * channels;
        using var layerNorm = new LayerNormTensors(device, random, rows, channels);
        using var outputGradient = Upload(device, random, elements, -1, 1);
        using var inputGradient = Upload(device, random, elements, -1, 1);
        using var weightGradient = Upload(device, random, channels, -1, 1);
        using var biasGradient = Upload(device, random, channels, -1, 1);
        using var normalised = device.Allocate<float>(elements);
        layerNorm.Forward(normalised);
        double bytes = sizeof(float) * (4.0 * elements + 5.0 * channels + 2.0 * rows);
        var seconds = Time(device, bytes, repeats, () => device.Ops.LayerNormBackward(inputGradient, weightGradient, biasGradient,
            outputGradient, layerNorm.Input, layerNorm.Weight, layerNorm.Mean, layerNorm.ReciprocalStd, rows, channels));
        return new Measured("LayerNorm backward", $"{rows}×{channels}", "dy, x, dx read + dx written (4N) + w, dw, db", bytes, seconds);
    }

    private static Measured MeasureGelu(Device device, Random random, int rows, int columns, int repeats, bool backward)
    {
        var count = rows * columns;
        using var input = Upload(device, random, count, -4, 4);
        using var outputGradient = Upload(device, random, count, -1, 1);
        using var result = Upload(device, random, count, -1, 1);
        double bytes = sizeof(float) * (backward ? 4.0 : 2.0) * count;
        var seconds = backward
            ? Time(device, bytes, repeats, () => device.Ops.GeluBackward(result, input, outputGradient, count))
            : Time(device, bytes, repeats, () => device.Ops.GeluForward(result, input, count));
        return backward
            ? new Measured("GELU backward", $"{rows}×{columns}", "x, dy, dx read + dx written (4N)", bytes, seconds)
            : new Measured("GELU forward", $"{rows}×{columns}", "x read + y written (2N)", bytes, seconds);
    }

    /// <summary>Null while <see cref="IOps.AdamW"/> is not implemented on this device.</summary>
    private static Measured? MeasureAdamW(Device device, Random random, int count, int repeats)
    {
        using var parameters = Upload(device, random, count, -1, 1);
        using var gradients = Upload(device, random, count, -1, 1);
        using var firstMoments = Upload(device, random, count, -0.1f, 0.1f);
        using var secondMoments = Upload(device, random, count, 0, 0.01f);
        var settings = new AdamWSettings(LearningRate: 1e-4f);
        var step = 1;
        try
        {
            device.Ops.AdamW(parameters, gradients, firstMoments, secondMoments, settings, step, 1);
        }
        catch (NotImplementedException)
        {
            return null;
        }
        double bytes = sizeof(float) * 7.0 * count;
        var seconds = Time(device, bytes, repeats, () => device.Ops.AdamW(parameters, gradients, firstMoments, secondMoments, settings, ++step, 1));
        return new Measured("AdamW", $"{count / 1e6:G3}M", "p, g, m, v read + p, m, v written (7N)", bytes, seconds);
    }

    /// <summary>
    /// The median seconds of one call: each sample runs enough calls to move <see cref="BytesPerSample"/>, then waits for
    /// the device. On the emulator (launches take milliseconds; its figures only show that the suite runs) one call.
    /// </summary>
    private static double Time(Device device, double bytes, int repeats, Action call)
    {
        var calls = device.Kind == DeviceKind.IlgpuCpu ? 1 : Math.Max(1, (int)(BytesPerSample / bytes));
        return Timing.MedianSeconds(() =>
        {
            for (var i = 0; i < calls; i++) call();
            device.Synchronize();
        }, repeats) / calls;
    }

    /// <summary>LayerNorm's input, weight and bias drawn at one shape, and the per-row mean and 1/σ its forward writes.</summary>
    private sealed class LayerNormTensors(Device device, Random random, int rows, int channels) : IDisposable
    {
        public Tensor<float> Input { get; } = Upload(device, random, rows * channels, -2, 2);
        public Tensor<float> Weight { get; } = Upload(device, random, channels, -1, 1);
        public Tensor<float> Bias { get; } = Upload(device, random, channels, -1, 1);
        public Tensor<float> Mean { get; } = device.Allocate<float>(rows);
        public Tensor<float> ReciprocalStd { get; } = device.Allocate<float>(rows);

        public void Forward(Tensor<float> output) =>
            device.Ops.LayerNormForward(output, Mean, ReciprocalStd, Input, Weight, Bias, rows, channels);

        public void Dispose()
        {
            Input.Dispose();
            Weight.Dispose();
            Bias.Dispose();
            Mean.Dispose();
            ReciprocalStd.Dispose();
        }
    }

    private static Tensor<float> Upload(Device device, Random random, int count, float low, float high)
    {
        var values = new float[count];
        for (var i = 0; i < values.Length; i++) values[i] = low + (high - low) * random.NextSingle();
        return device.Upload<float>(values, count);
    }
}
