using GoSeqZero.Kernels;

namespace GoSeqZero.Transformer;

/// <summary>What one layer's forward pass keeps for its backward.</summary>
internal sealed class LayerActivations(Device device, int rows, int channels, int heads, int sequences, int tokens) : IDisposable
{
    public readonly Tensor<float> Ln1 = device.Allocate<float>(rows, channels);
    public readonly Tensor<float> Ln1Mean = device.Allocate<float>(rows);
    public readonly Tensor<float> Ln1Rstd = device.Allocate<float>(rows);
    public readonly Tensor<float> Qkv = device.Allocate<float>(rows, 3 * channels);
    public readonly Tensor<float> Attention = device.Allocate<float>(rows, channels);
    public readonly Tensor<float> LogSumExp = device.Allocate<float>(sequences, heads, tokens);
    public readonly Tensor<float> AttentionProjection = device.Allocate<float>(rows, channels);
    public readonly Tensor<float> Residual2 = device.Allocate<float>(rows, channels);
    public readonly Tensor<float> Ln2 = device.Allocate<float>(rows, channels);
    public readonly Tensor<float> Ln2Mean = device.Allocate<float>(rows);
    public readonly Tensor<float> Ln2Rstd = device.Allocate<float>(rows);
    public readonly Tensor<float> Hidden = device.Allocate<float>(rows, 4 * channels);
    public readonly Tensor<float> HiddenGelu = device.Allocate<float>(rows, 4 * channels);
    public readonly Tensor<float> MlpProjection = device.Allocate<float>(rows, channels);
    public readonly Tensor<float> Residual3 = device.Allocate<float>(rows, channels);

    public void Dispose()
    {
        foreach (var tensor in new[] { Ln1, Ln1Mean, Ln1Rstd, Qkv, Attention, LogSumExp, AttentionProjection, Residual2, Ln2, Ln2Mean, Ln2Rstd, Hidden, HiddenGelu, MlpProjection, Residual3 })
            tensor.Dispose();
    }
}

/// <summary>The inputs, saved activations and gradient scratch of a training step at one batch shape.</summary>
internal sealed class Activations : IDisposable
{
    public Activations(Device device, ModelConfig config, int sequences, int tokens, bool withMasks)
    {
        Sequences = sequences;
        Tokens = tokens;
        HasMasks = withMasks;
        int rows = sequences * tokens, c = config.Channels, v = config.VocabularySize;
        TokenIds = device.Allocate<int>(rows);
        Positions = device.Allocate<int>(rows);
        PointIds = device.Allocate<int>(rows);
        Targets = device.Allocate<int>(rows);
        Weights = device.Allocate<float>(rows);
        AllowedTokens = withMasks ? device.Allocate<uint>(rows, (v + 31) / 32) : null;
        Encoded = device.Allocate<float>(rows, c);
        Layers = Enumerable.Range(0, config.Layers).Select(_ => new LayerActivations(device, rows, c, config.Heads, sequences, tokens)).ToArray();
        LnF = device.Allocate<float>(rows, c);
        LnFMean = device.Allocate<float>(rows);
        LnFRstd = device.Allocate<float>(rows);
        Logits = device.Allocate<float>(sequences, tokens, v);
        LogitGradients = device.Allocate<float>(rows, v);
        Losses = device.Allocate<float>(rows);
        DResidual = device.Allocate<float>(rows, c);
        DLn = device.Allocate<float>(rows, c);
        DAttention = device.Allocate<float>(rows, c);
        DQkv = device.Allocate<float>(rows, 3 * c);
        DHidden = device.Allocate<float>(rows, 4 * c);
        DHiddenGelu = device.Allocate<float>(rows, 4 * c);
    }

    public int Sequences { get; }
    public int Tokens { get; }
    public bool HasMasks { get; }

    public Tensor<int> TokenIds { get; }
    public Tensor<int> Positions { get; }
    public Tensor<int> PointIds { get; }
    public Tensor<int> Targets { get; }
    public Tensor<float> Weights { get; }
    public Tensor<uint>? AllowedTokens { get; }
    public Tensor<float> Encoded { get; }
    public LayerActivations[] Layers { get; }
    public Tensor<float> LnF { get; }
    public Tensor<float> LnFMean { get; }
    public Tensor<float> LnFRstd { get; }
    public Tensor<float> Logits { get; }
    public Tensor<float> LogitGradients { get; }
    public Tensor<float> Losses { get; }

    // Gradient scratch, reused by every layer on the way down.
    public Tensor<float> DResidual { get; }
    public Tensor<float> DLn { get; }
    public Tensor<float> DAttention { get; }
    public Tensor<float> DQkv { get; }
    public Tensor<float> DHidden { get; }
    public Tensor<float> DHiddenGelu { get; }

    public void Dispose()
    {
        TokenIds.Dispose(); Positions.Dispose(); PointIds.Dispose(); Targets.Dispose(); Weights.Dispose(); AllowedTokens?.Dispose();
        Encoded.Dispose();
        foreach (var layer in Layers) layer.Dispose();
        LnF.Dispose(); LnFMean.Dispose(); LnFRstd.Dispose(); Logits.Dispose(); LogitGradients.Dispose(); Losses.Dispose();
        DResidual.Dispose(); DLn.Dispose(); DAttention.Dispose(); DQkv.Dispose(); DHidden.Dispose(); DHiddenGelu.Dispose();
    }
}
