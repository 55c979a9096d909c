using System.Diagnostics;
using GoSeqZero.Kernels;

namespace GoSeqZero.Transformer.Profiling;

/// <summary>
/// A decorator that times every op (Llm.cs's idea): it waits for the device before and after each call so the time
/// is the op's own, and adds it to a row per op name. Waiting serialises GPU work, so profile on purpose, not always.
/// </summary>
public sealed class TimedOps(IOps inner, Device device) : IOps
{
    private readonly Dictionary<(string Phase, string Op), OpTiming> _timings = [];
    private OpTiming? _last;

    /// <summary>What the caller is doing (forward, backward, optimizer, decode): rows are kept per phase and op.</summary>
    public string Phase { get; set; } = "";

    /// <summary>One row per phase and op, in first-call order.</summary>
    public IReadOnlyCollection<OpTiming> Timings => _timings.Values;

    public void Reset() => _timings.Clear();

    private void Time(string name, Action call)
    {
        device.Synchronize();
        var start = Stopwatch.GetTimestamp();
        call();
        device.Synchronize();
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        if (!_timings.TryGetValue((Phase, name), out var timing)) _timings[(Phase, name)] = timing = new OpTiming(Phase, name);
        timing.Calls++;
        timing.Seconds += seconds;
        _last = timing;
    }

    public void Fill(Tensor<float> values, float value) => Time("fill", () => inner.Fill(values, value));

    public void Gemm(GemmSpec spec, Tensor<float> a, Tensor<float> b, Tensor<float> c, Tensor<float>? bias = null)
    {
        var name = $"gemm {(spec.TransposeA ? 'T' : 'N')}{(spec.TransposeB ? 'T' : 'N')}";
        Time(name, () => inner.Gemm(spec, a, b, c, bias));
        _last!.Flops += spec.Flops;
    }

    public void BiasBackward(Tensor<float> biasGradient, Tensor<float> outputGradient, int rows, int columns) =>
        Time("bias backward", () => inner.BiasBackward(biasGradient, outputGradient, rows, columns));

    public void EmbeddingForward(Tensor<float> output, Tensor<int> tokens, Tensor<int> positions, Tensor<int> pointIds,
        Tensor<float> tokenTable, Tensor<float> positionTable, Tensor<float> pointTable, int rows, int channels) =>
        Time("embedding forward", () => inner.EmbeddingForward(output, tokens, positions, pointIds, tokenTable, positionTable, pointTable, rows, channels));

    public void EmbeddingBackward(Tensor<float> tokenTableGradient, Tensor<float> positionTableGradient, Tensor<float> pointTableGradient,
        Tensor<float> outputGradient, Tensor<int> tokens, Tensor<int> positions, Tensor<int> pointIds, int rows, int channels) =>
        Time("embedding backward", () => inner.EmbeddingBackward(tokenTableGradient, positionTableGradient, pointTableGradient, outputGradient, tokens, positions, pointIds, rows, channels));

    public void LayerNormForward(Tensor<float> output, Tensor<float> mean, Tensor<float> reciprocalStd,
        Tensor<float> input, Tensor<float> weight, Tensor<float> bias, int rows, int channels) =>
        Time("layernorm forward", () => inner.LayerNormForward(output, mean, reciprocalStd, input, weight, bias, rows, channels));

    public void LayerNormBackward(Tensor<float> inputGradient, Tensor<float> weightGradient, Tensor<float> biasGradient,
        Tensor<float> outputGradient, Tensor<float> input, Tensor<float> weight, Tensor<float> mean, Tensor<float> reciprocalStd, int rows, int channels) =>
        Time("layernorm backward", () => inner.LayerNormBackward(inputGradient, weightGradient, biasGradient, outputGradient, input, weight, mean, reciprocalStd, rows, channels));

    public void GeluForward(Tensor<float> output, Tensor<float> input, long count) =>
        Time("gelu forward", () => inner.GeluForward(output, input, count));

    public void GeluBackward(Tensor<float> inputGradient, Tensor<float> input, Tensor<float> outputGradient, long count) =>
        Time("gelu backward", () => inner.GeluBackward(inputGradient, input, outputGradient, count));

    public void Add(Tensor<float> output, Tensor<float> a, Tensor<float> b, long count) =>
        Time("add (residual)", () => inner.Add(output, a, b, count));

    public void Accumulate(Tensor<float> target, Tensor<float> source, long count) =>
        Time("accumulate (residual)", () => inner.Accumulate(target, source, count));

    public void AttentionForward(Tensor<float> output, Tensor<float> logSumExp, Tensor<float> qkv, AttentionShape shape)
    {
        Time("attention forward", () => inner.AttentionForward(output, logSumExp, qkv, shape));
        _last!.Flops += shape.ForwardFlops;
    }

    public void AttentionBackward(Tensor<float> qkvGradient, Tensor<float> outputGradient, Tensor<float> output,
        Tensor<float> logSumExp, Tensor<float> qkv, AttentionShape shape)
    {
        Time("attention backward", () => inner.AttentionBackward(qkvGradient, outputGradient, output, logSumExp, qkv, shape));
        _last!.Flops += 2.5 * shape.ForwardFlops;
    }

    public void KvCacheAppend(Tensor<float> keyCache, Tensor<float> valueCache, Tensor<float> qkv,
        Tensor<int> startPositions, Tensor<int> queryCounts, DecodeShape shape) =>
        Time("kv cache append", () => inner.KvCacheAppend(keyCache, valueCache, qkv, startPositions, queryCounts, shape));

    public void AttentionDecode(Tensor<float> output, Tensor<float> qkv, Tensor<float> keyCache, Tensor<float> valueCache,
        Tensor<int> startPositions, Tensor<int> queryCounts, DecodeShape shape) =>
        Time("attention decode", () => inner.AttentionDecode(output, qkv, keyCache, valueCache, startPositions, queryCounts, shape));

    public void CrossEntropyForwardBackward(Tensor<float> losses, Tensor<float> logitGradients, Tensor<float> logits,
        Tensor<int> targets, Tensor<float> weights, Tensor<uint>? allowedTokens, int rows, int vocabularySize, float gradientScale) =>
        Time("cross-entropy forward+backward", () => inner.CrossEntropyForwardBackward(losses, logitGradients, logits, targets, weights, allowedTokens, rows, vocabularySize, gradientScale));

    public void Softmax(Tensor<float> probabilities, Tensor<float> logits, Tensor<uint>? allowedTokens, int rows, int vocabularySize, float temperature) =>
        Time("softmax", () => inner.Softmax(probabilities, logits, allowedTokens, rows, vocabularySize, temperature));

    public void Sample(Tensor<int> tokens, Tensor<float> logits, Tensor<uint>? allowedTokens, int rows, int vocabularySize,
        SamplingSettings settings, ulong seed) =>
        Time("sample", () => inner.Sample(tokens, logits, allowedTokens, rows, vocabularySize, settings, seed));

    public float SumOfSquares(Tensor<float> values)
    {
        var result = 0f;
        Time("gradient norm", () => result = inner.SumOfSquares(values));
        return result;
    }

    public void AdamW(Tensor<float> parameters, Tensor<float> gradients, Tensor<float> firstMoments, Tensor<float> secondMoments,
        AdamWSettings settings, int step, float gradientScale) =>
        Time("adamw", () => inner.AdamW(parameters, gradients, firstMoments, secondMoments, settings, step, gradientScale));
}

/// <summary>The calls, seconds and (for GEMM and attention) floating-point operations of one op in one phase.</summary>
public sealed class OpTiming(string phase, string name)
{
    public string Phase { get; } = phase;
    public string Name { get; } = name;
    public int Calls { get; set; }
    public double Seconds { get; set; }
    public double Flops { get; set; }
}
