using CommandLine;
using GoSeqZero.Kernels;
using GoSeqZero.Transformer;
using GoSeqZero.Transformer.Profiling;

namespace GoSeqZero.Trainer.Cli;

/// <summary>Times every op of a training step and of a decode step of a model shape, and prints where the time goes.</summary>
[Verb("profile", HelpText = "Time per op (forward, backward, optimizer, decode) of training and decode steps of a model with random weights and tokens.")]
internal sealed class ProfileCommand : ICommand
{
    [Option("device", Default = "auto", HelpText = "auto, cpu (SIMD), cuda or ilgpu-cpu (the ILGPU emulator: tiny shapes only).")]
    public string Device { get; set; } = "auto";

    [Option("layers", Default = 6, HelpText = "Transformer blocks.")]
    public int Layers { get; set; } = 6;

    [Option("channels", Default = 256, HelpText = "Model width C.")]
    public int Channels { get; set; } = 256;

    [Option("heads", Default = 8, HelpText = "Attention heads (C must be a multiple).")]
    public int Heads { get; set; } = 8;

    [Option("vocabulary", Default = 256, HelpText = "Vocabulary size V.")]
    public int Vocabulary { get; set; } = 256;

    [Option("batch", Default = 8, HelpText = "Sequences per training step.")]
    public int Batch { get; set; } = 8;

    [Option("tokens", Default = 512, HelpText = "Tokens per training sequence.")]
    public int Tokens { get; set; } = 512;

    [Option("steps", Default = 3, HelpText = "Timed training steps (after one untimed warm-up step).")]
    public int Steps { get; set; } = 3;

    [Option("decode-batch", Default = 8, HelpText = "Sequences decoded together.")]
    public int DecodeBatch { get; set; } = 8;

    [Option("decode-length", Default = 1024, HelpText = "Cache length at which single-token decode steps are timed.")]
    public int DecodeLength { get; set; } = 1024;

    public int Run()
    {
        ModelConfig config;
        Device device;
        try
        {
            config = new ModelConfig
            {
                Layers = Layers, Heads = Heads, Channels = Channels, VocabularySize = Vocabulary,
                ContextLength = Math.Max(Tokens, DecodeLength),
            };
            config.Validate();
            if (Batch < 1 || Tokens < 1 || Steps < 1 || DecodeBatch < 1 || DecodeLength < 2)
                throw new ArgumentException("batch, tokens and steps must be at least 1, decode length at least 2");
            device = Kernels.Device.Create(Device);
        }
        catch (Exception error) when (error is ArgumentException or InvalidOperationException)
        {
            Console.Error.WriteLine($"profile: {error.Message}");
            return 2;
        }

        using (device)
        using (var model = new Gpt(device, config))
        using (var optimizer = new AdamWOptimizer(model, new AdamWSettings(3e-4f)))
        {
            Console.WriteLine($"device: {device.Description}");
            Console.WriteLine($"model: {config.Layers} layers, {config.Heads} heads, C = {config.Channels}, V = {config.VocabularySize}, {model.Layout.Count:N0} parameters");
            var timed = new TimedOps(device.Ops, device);
            model.Ops = timed;

            var batch = TrainingBatch.Random(config, Batch, Tokens, new Random(1));
            TrainingStep(model, optimizer, timed, batch);
            timed.Reset();
            var start = System.Diagnostics.Stopwatch.GetTimestamp();
            for (var step = 0; step < Steps; step++) TrainingStep(model, optimizer, timed, batch);
            var seconds = System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds / Steps;
            Console.WriteLine($"\ntraining step, batch {Batch} × {Tokens} tokens: {seconds * 1e3:F1} ms, {Batch * Tokens / seconds:N0} tokens/s (timing every op adds waits)");
            Console.Write(ProfileTable.Format(timed.Timings, Steps));

            timed.Reset();
            timed.Phase = "prefill";
            using var decoder = new KvCacheDecoder(model, DecodeBatch, DecodeLength, maxChunk: 256);
            var random = new Random(2);
            while (decoder.Lengths[0] < DecodeLength - 1)
            {
                var chunk = Math.Min(256, DecodeLength - 1 - decoder.Lengths[0]);
                var counts = Enumerable.Repeat(chunk, DecodeBatch).ToArray();
                decoder.Step(RandomTokens(random, DecodeBatch * chunk, Vocabulary), new int[DecodeBatch * chunk], counts, chunk);
            }
            timed.Phase = "decode";
            var before = timed.Timings.Where(t => t.Phase == "decode").Sum(t => t.Seconds);
            decoder.Step(RandomTokens(random, DecodeBatch, Vocabulary), new int[DecodeBatch], Enumerable.Repeat(1, DecodeBatch).ToArray(), 1);
            var decodeSeconds = timed.Timings.Where(t => t.Phase == "decode").Sum(t => t.Seconds) - before;
            Console.WriteLine($"\ndecode step at cache length {DecodeLength - 1}, batch {DecodeBatch}: {decodeSeconds * 1e3:F2} ms, {DecodeBatch / decodeSeconds:N0} tokens/s (after a prefill of {DecodeLength - 1} tokens in chunks of up to 256)");
            Console.Write(ProfileTable.Format(timed.Timings.Where(t => t.Phase == "decode"), 1));
        }
        return 0;
    }

    private static void TrainingStep(Gpt model, AdamWOptimizer optimizer, TimedOps timed, TrainingBatch batch)
    {
        timed.Phase = "forward";
        model.Forward(batch);
        timed.Phase = "backward";
        model.Backward();
        timed.Phase = "optimizer";
        optimizer.Update(3e-4f);
    }

    private static int[] RandomTokens(Random random, int count, int vocabulary) =>
        Enumerable.Range(0, count).Select(_ => random.Next(vocabulary)).ToArray();
}
