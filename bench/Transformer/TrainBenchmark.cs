using System.Globalization;
using GoSeqZero.Bench.Kernels;
using GoSeqZero.Kernels;
using GoSeqZero.Transformer;
using GoSeqZero.Transformer.Profiling;

namespace GoSeqZero.Bench.Transformer;

/// <summary>
/// <c>bench -- train [--device cpu] [--layers 6 --channels 256 --heads 8 --vocabulary 256 --batch 8 --tokens 512]
/// [--repeats 5] [--torch yes|no] [--json FILE]</c>: training tokens/s (forward, backward, clipped AdamW step) and MFU
/// against the FMA peak measured in the same run, beside PyTorch on the same shape.
/// </summary>
internal static class TrainBenchmark
{
    public static int Run(string[] args)
    {
        var options = new Options(args, "device", "layers", "channels", "heads", "vocabulary", "batch", "tokens", "repeats", "torch", "json");
        var config = new ModelConfig
        {
            Layers = options.Int("layers", 6), Channels = options.Int("channels", 256), Heads = options.Int("heads", 8),
            VocabularySize = options.Int("vocabulary", 256), ContextLength = options.Int("tokens", 512),
        };
        int batchSize = options.Int("batch", 8), tokens = config.ContextLength, repeats = options.Int("repeats", 5);
        using var device = Device.Create(options.String("device", "cpu"));
        var report = new BenchReport("train", args);
        using var model = new Gpt(device, config);
        using var optimizer = new AdamWOptimizer(model, new AdamWSettings(3e-4f));
        Console.WriteLine($"training step on {device.Description}: {config.Layers} layers, C = {config.Channels}, {config.Heads} heads, " +
                          $"V = {config.VocabularySize}, batch {batchSize} × {tokens} tokens, {model.Layout.Count:N0} parameters; median of {repeats}");

        double? peak = device.Kind == DeviceKind.Cpu ? FmaPeak.MeasureGflops(Environment.ProcessorCount, 5) : null;
        var batch = TrainingBatch.Random(config, batchSize, tokens, new Random(1));
        var seconds = Timing.MedianSeconds(() =>
        {
            model.Forward(batch);
            model.Backward();
            optimizer.Update(3e-4f);
        }, repeats);
        var tokensPerSecond = batchSize * tokens / seconds;
        var flops = TrainingFlops.PerToken(config, tokens) * tokensPerSecond;
        var culture = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(culture, $"ours:    {seconds * 1e3,8:F1} ms/step {tokensPerSecond,10:N0} tokens/s  {flops / 1e9,7:F1} GFLOP/s (model flops)"));
        report.Add("ours", tokensPerSecond, "tokens/s", ("ms_per_step", seconds * 1e3), ("model_gflops", flops / 1e9));
        if (peak is { } p)
        {
            Console.WriteLine(string.Create(culture, $"FMA peak {p:F1} GFLOP/s: MFU {flops / 1e9 / p:P1}"));
            report.Add("fma-peak", p, "GFLOP/s");
            report.Add("mfu", flops / 1e9 / p, "fraction");
        }

        if (options.String("torch", device.Kind == DeviceKind.Cpu ? "yes" : "no") == "yes"
            && TorchReference.Run(string.Create(culture,
                $"--layers {config.Layers} --heads {config.Heads} --channels {config.Channels} --vocabulary {config.VocabularySize} " +
                $"--batch {batchSize} --tokens {tokens} --steps {repeats} --threads {Environment.ProcessorCount} --skip-decode")) is { } torch)
        {
            var torchTokens = torch.GetProperty("train_tokens_per_second").GetDouble();
            Console.WriteLine(string.Create(culture, $"PyTorch {torch.GetProperty("torch").GetString()} ({torch.GetProperty("threads").GetInt32()} threads): {torchTokens,10:N0} tokens/s; ours is {tokensPerSecond / torchTokens:F1}×"));
            report.Add("pytorch", torchTokens, "tokens/s");
            report.Add("ratio", tokensPerSecond / torchTokens, "×");
        }
        report.WriteIfRequested(options);
        return 0;
    }
}
