using System.Diagnostics;
using System.Globalization;
using GoSeqZero.Kernels;
using GoSeqZero.Transformer;

namespace GoSeqZero.Bench.Transformer;

/// <summary>
/// <c>bench -- decode [--device cpu] [--batch 8] [--length 1024] [--repeats 5] [--torch yes|no] [--json FILE]</c>:
/// tokens/s of decoding with the KV cache against recomputing the whole prefix for each new token, on the
/// 5M-parameter shape: at position <c>length</c> (one step each way) and over a whole sequence generated from empty.
/// </summary>
internal static class DecodeBenchmark
{
    public static int Run(string[] args)
    {
        var options = new Options(args, "device", "layers", "channels", "heads", "vocabulary", "batch", "length", "repeats", "torch", "json");
        int batchSize = options.Int("batch", 8), length = options.Int("length", 1024), repeats = options.Int("repeats", 5);
        var config = new ModelConfig
        {
            Layers = options.Int("layers", 6), Channels = options.Int("channels", 256), Heads = options.Int("heads", 8),
            VocabularySize = options.Int("vocabulary", 256), ContextLength = length + repeats + 2,
        };
        using var device = Device.Create(options.String("device", "cpu"));
        var report = new BenchReport("decode", args);
        var culture = CultureInfo.InvariantCulture;
        using var model = new Gpt(device, config);
        Console.WriteLine($"decoding on {device.Description}: batch {batchSize}, {model.Layout.Count:N0} parameters; median of {repeats}");
        var random = new Random(1);

        // Whole sequence with the cache: every token one decode step, from an empty cache to `length`.
        using var decoder = new KvCacheDecoder(model, batchSize, config.ContextLength);
        var ones = Enumerable.Repeat(1, batchSize).ToArray();
        var points = new int[batchSize];
        var start = Stopwatch.GetTimestamp();
        for (var t = 0; t < length; t++) decoder.Step(Tokens(random, batchSize, config.VocabularySize), points, ones, 1);
        var wholeSequence = batchSize * length / Stopwatch.GetElapsedTime(start).TotalSeconds;

        // One more step at position `length`, with the cache and by recomputing the prefix through the full forward pass.
        var cachedStep = Timing.MedianSeconds(() => decoder.Step(Tokens(random, batchSize, config.VocabularySize), points, ones, 1), repeats, warmups: 0);
        var prefix = TrainingBatch.Random(config, batchSize, length, random);
        var recomputeStep = Timing.MedianSeconds(() => model.Forward(prefix), repeats);

        Console.WriteLine(string.Create(culture, $"KV cache, whole sequence of {length}: {wholeSequence,10:N1} tokens/s"));
        Console.WriteLine(string.Create(culture, $"KV cache, at position {length}:      {batchSize / cachedStep,10:N1} tokens/s ({cachedStep * 1e3:F2} ms/step)"));
        Console.WriteLine(string.Create(culture, $"recompute, at position {length}:     {batchSize / recomputeStep,10:N2} tokens/s ({recomputeStep * 1e3:F1} ms/step); the cache is {recomputeStep / cachedStep:F0}× faster"));
        report.Add("kv-cache-whole-sequence", wholeSequence, "tokens/s", ("length", length));
        report.Add("kv-cache-at-length", batchSize / cachedStep, "tokens/s", ("length", length));
        report.Add("recompute-at-length", batchSize / recomputeStep, "tokens/s", ("length", length));

        if (options.String("torch", device.Kind == DeviceKind.Cpu ? "yes" : "no") == "yes"
            && TorchReference.Run(string.Create(culture,
                $"--layers {config.Layers} --heads {config.Heads} --channels {config.Channels} --vocabulary {config.VocabularySize} " +
                $"--batch {batchSize} --decode-tokens {length} --steps {repeats} --threads {Environment.ProcessorCount} --skip-train")) is { } torch)
        {
            var torchTokens = torch.GetProperty("recompute_tokens_per_second").GetDouble();
            Console.WriteLine(string.Create(culture, $"PyTorch {torch.GetProperty("torch").GetString()} recompute, at position {length}: {torchTokens,10:N2} tokens/s"));
            report.Add("pytorch-recompute-at-length", torchTokens, "tokens/s", ("length", length));
        }
        report.WriteIfRequested(options);
        return 0;
    }

    private static int[] Tokens(Random random, int count, int vocabulary) =>
        Enumerable.Range(0, count).Select(_ => random.Next(vocabulary)).ToArray();
}
