using GoSeqZero.Kernels;

namespace GoSeqZero.Transformer;

/// <summary>
/// The GPT-style decoder for training: parameters and their gradients in one buffer each, the activations of the
/// last forward pass, and <see cref="Forward"/> / <see cref="Backward"/> written top to bottom as llm.c does
/// (shapes: B sequences, T tokens, N = B·T rows, C channels, V vocabulary). Every op goes through <see cref="Ops"/>.
/// </summary>
public sealed class Gpt : IDisposable
{
    private readonly Device _device;
    private Activations? _activations;
    private TrainingBatch? _lastBatch;

    public Gpt(Device device, ModelConfig config)
    {
        config.Validate();
        _device = device;
        Config = config;
        Layout = new ParameterLayout(config);
        Ops = device.Ops;
        Parameters = device.Allocate<float>(checked((int)Layout.Count));
        Gradients = device.Allocate<float>(checked((int)Layout.Count));
        ParameterTensors = new ModelTensors(Parameter, config.Layers);
        GradientTensors = new ModelTensors(Gradient, config.Layers);
        InitializeWeights();
        Ops.Fill(Gradients, 0);
    }

    public ModelConfig Config { get; }
    public ParameterLayout Layout { get; }
    public Device Device => _device;

    /// <summary>The ops every kernel call goes through; replace with a timing decorator to profile.</summary>
    public IOps Ops { get; set; }

    public Tensor<float> Parameters { get; }
    public Tensor<float> Gradients { get; }

    /// <summary>Every parameter tensor as a view of <see cref="Parameters"/>, by layer.</summary>
    internal ModelTensors ParameterTensors { get; }

    /// <summary>Every parameter's gradient as a view of <see cref="Gradients"/>, by layer.</summary>
    internal ModelTensors GradientTensors { get; }

    /// <summary>Each row's weighted loss (weight·−log p(target)) of the last <see cref="Forward"/>, row-major [B, T]: for losses per token kind.</summary>
    public float[] LastRowLosses { get; private set; } = [];

    /// <summary>The mean loss of the last <see cref="Forward"/>: Σ weight·loss / Σ weight.</summary>
    public float LastLoss { get; private set; }

    /// <summary>GPT-2's initialisation from <see cref="ModelConfig.Seed"/>: N(0, 0.02) matrices and embeddings, residual projections scaled by 1/√(2·layers), zero biases, unit LayerNorm gains.</summary>
    public void InitializeWeights()
    {
        var values = new float[Layout.Count];
        var random = new Random(Config.Seed);
        var residualStd = 0.02 / Math.Sqrt(2.0 * Config.Layers);
        foreach (var parameter in Layout.Parameters)
        {
            var span = values.AsSpan((int)parameter.Offset, (int)parameter.Length);
            if (parameter.Name.EndsWith("ln1.weight") || parameter.Name.EndsWith("ln2.weight") || parameter.Name == "ln_f.weight") span.Fill(1);
            else if (!parameter.Decay) span.Clear();
            else
            {
                var std = parameter.Name.EndsWith("attn.proj.weight") || parameter.Name.EndsWith("mlp.proj.weight") ? residualStd : 0.02;
                for (var i = 0; i < span.Length; i++) span[i] = (float)(std * Gaussian(random));
            }
        }
        Parameters.CopyFrom(values);
    }

    /// <summary>A view of one named parameter tensor.</summary>
    public Tensor<float> Parameter(string name) => View(Parameters, Layout[name]);

    /// <summary>A view of the gradient of one named parameter tensor.</summary>
    public Tensor<float> Gradient(string name) => View(Gradients, Layout[name]);

    /// <summary>
    /// Runs the model over the batch, then the fused softmax-cross-entropy, which also writes the logits' gradient
    /// for <see cref="Backward"/>. Returns the weighted mean loss (0 when every weight is 0).
    /// </summary>
    /// <param name="weightSum">
    /// The divisor of the weighted loss sum instead of this batch's own weight sum: with the sum over several batches
    /// whose gradients <see cref="Backward"/> accumulates, their losses add up to the weighted mean over all of them,
    /// as if they had been one batch padded to its longest sequence.
    /// </param>
    public float Forward(TrainingBatch batch, double? weightSum = null)
    {
        if (batch.Tokens > Config.ContextLength)
            throw new ArgumentException($"sequences of {batch.Tokens} tokens do not fit the context length {Config.ContextLength}");
        var a = Prepare(batch);
        int n = batch.Rows, c = Config.Channels, v = Config.VocabularySize;
        var shape = new AttentionShape(batch.Sequences, batch.Tokens, c, Config.Heads);

        var w = ParameterTensors;

        Ops.EmbeddingForward(a.Encoded, a.TokenIds, a.Positions, a.PointIds, w.TokenEmbedding, w.PositionEmbedding, w.PointEmbedding, n, c);
        var residual = a.Encoded;
        for (var l = 0; l < Config.Layers; l++)
        {
            var layer = a.Layers[l];
            var block = w.Blocks[l];
            Ops.LayerNormForward(layer.Ln1, layer.Ln1Mean, layer.Ln1Rstd, residual, block.Ln1Weight, block.Ln1Bias, n, c);
            Ops.LinearForward(layer.Qkv, layer.Ln1, block.AttnQkvWeight, block.AttnQkvBias, n, c, 3 * c);
            Ops.AttentionForward(layer.Attention, layer.LogSumExp, layer.Qkv, shape);
            Ops.LinearForward(layer.AttentionProjection, layer.Attention, block.AttnProjWeight, block.AttnProjBias, n, c, c);
            Ops.Add(layer.Residual2, residual, layer.AttentionProjection, (long)n * c);
            Ops.LayerNormForward(layer.Ln2, layer.Ln2Mean, layer.Ln2Rstd, layer.Residual2, block.Ln2Weight, block.Ln2Bias, n, c);
            Ops.LinearForward(layer.Hidden, layer.Ln2, block.MlpFcWeight, block.MlpFcBias, n, c, 4 * c);
            Ops.GeluForward(layer.HiddenGelu, layer.Hidden, (long)n * 4 * c);
            Ops.LinearForward(layer.MlpProjection, layer.HiddenGelu, block.MlpProjWeight, block.MlpProjBias, n, 4 * c, c);
            Ops.Add(layer.Residual3, layer.Residual2, layer.MlpProjection, (long)n * c);
            residual = layer.Residual3;
        }
        Ops.LayerNormForward(a.LnF, a.LnFMean, a.LnFRstd, residual, w.LnFWeight, w.LnFBias, n, c);
        Ops.LinearForward(a.Logits, a.LnF, w.HeadWeight, null, n, c, v);

        if (weightSum is null)
        {
            var sum = 0.0;
            foreach (var weight in batch.Weights) sum += weight;
            weightSum = sum;
        }
        else if (!(weightSum >= 0) || double.IsInfinity(weightSum.Value)) throw new ArgumentOutOfRangeException(nameof(weightSum), weightSum, "a weight sum is finite and not negative");
        var gradientScale = weightSum > 0 ? (float)(1 / weightSum.Value) : 0f;
        Ops.CrossEntropyForwardBackward(a.Losses, a.LogitGradients, a.Logits, a.Targets, a.Weights, a.AllowedTokens, n, v, gradientScale);
        var losses = a.Losses.ToArray();
        LastRowLosses = losses;
        var total = 0.0;
        foreach (var loss in losses) total += loss;
        LastLoss = (float)(total * gradientScale);
        _lastBatch = batch;
        return LastLoss;
    }

    /// <summary>The logits [B, T, V] of the last <see cref="Forward"/>.</summary>
    public Tensor<float> Logits => (_activations ?? throw new InvalidOperationException("no forward pass yet")).Logits;

    /// <summary>
    /// Zeroes the gradients, then back-propagates the loss of the last <see cref="Forward"/> into <see cref="Gradients"/>;
    /// with <paramref name="accumulate"/> it adds to the gradients already there (every backward op adds into its
    /// gradients), so that batches of different shapes make one update.
    /// </summary>
    public void Backward(bool accumulate = false)
    {
        var batch = _lastBatch ?? throw new InvalidOperationException("Backward needs a Forward first");
        var a = _activations!;
        int n = batch.Rows, c = Config.Channels, v = Config.VocabularySize;
        var shape = new AttentionShape(batch.Sequences, batch.Tokens, c, Config.Heads);
        var (w, dW) = (ParameterTensors, GradientTensors);
        if (!accumulate) Ops.Fill(Gradients, 0);

        // Undoes logits = head(ln_f).
        Ops.LinearBackward(a.DLn, dW.HeadWeight, null, a.LogitGradients, a.LnF, w.HeadWeight, n, c, v);
        // Undoes ln_f = LayerNorm(residual); dResidual then carries the residual stream's gradient down through the blocks.
        Ops.Fill(a.DResidual, 0);
        var lastResidual = Config.Layers > 0 ? a.Layers[^1].Residual3 : a.Encoded;
        Ops.LayerNormBackward(a.DResidual, dW.LnFWeight, dW.LnFBias, a.DLn, lastResidual, w.LnFWeight, a.LnFMean, a.LnFRstd, n, c);

        for (var l = Config.Layers - 1; l >= 0; l--)
        {
            var layer = a.Layers[l];
            var (block, dBlock) = (w.Blocks[l], dW.Blocks[l]);
            var input = l == 0 ? a.Encoded : a.Layers[l - 1].Residual3;

            // residual3 = residual2 + mlpProjection: dResidual is the gradient of both addends, nothing to undo.
            // Undoes mlpProjection = mlp.proj(hiddenGelu).
            Ops.LinearBackward(a.DHiddenGelu, dBlock.MlpProjWeight, dBlock.MlpProjBias, a.DResidual, layer.HiddenGelu, block.MlpProjWeight, n, 4 * c, c);
            // Undoes hiddenGelu = gelu(hidden).
            Ops.Fill(a.DHidden, 0);
            Ops.GeluBackward(a.DHidden, layer.Hidden, a.DHiddenGelu, (long)n * 4 * c);
            // Undoes hidden = mlp.fc(ln2).
            Ops.LinearBackward(a.DLn, dBlock.MlpFcWeight, dBlock.MlpFcBias, a.DHidden, layer.Ln2, block.MlpFcWeight, n, c, 4 * c);
            // Undoes ln2 = LayerNorm(residual2), adding into dResidual, which then is residual2's whole gradient.
            Ops.LayerNormBackward(a.DResidual, dBlock.Ln2Weight, dBlock.Ln2Bias, a.DLn, layer.Residual2, block.Ln2Weight, layer.Ln2Mean, layer.Ln2Rstd, n, c);

            // residual2 = input + attentionProjection: likewise nothing to undo.
            // Undoes attentionProjection = attn.proj(attention).
            Ops.LinearBackward(a.DAttention, dBlock.AttnProjWeight, dBlock.AttnProjBias, a.DResidual, layer.Attention, block.AttnProjWeight, n, c, c);
            // Undoes attention = causal self-attention(qkv).
            Ops.Fill(a.DQkv, 0);
            Ops.AttentionBackward(a.DQkv, a.DAttention, layer.Attention, layer.LogSumExp, layer.Qkv, shape);
            // Undoes qkv = attn.qkv(ln1).
            Ops.LinearBackward(a.DLn, dBlock.AttnQkvWeight, dBlock.AttnQkvBias, a.DQkv, layer.Ln1, block.AttnQkvWeight, n, c, 3 * c);
            // Undoes ln1 = LayerNorm(input), adding into dResidual, which then is the input's whole gradient.
            Ops.LayerNormBackward(a.DResidual, dBlock.Ln1Weight, dBlock.Ln1Bias, a.DLn, input, block.Ln1Weight, layer.Ln1Mean, layer.Ln1Rstd, n, c);
        }
        // Undoes encoded = token + position + point embeddings.
        Ops.EmbeddingBackward(dW.TokenEmbedding, dW.PositionEmbedding, dW.PointEmbedding, a.DResidual, a.TokenIds, a.Positions, a.PointIds, n, c);
    }

    public void Dispose()
    {
        _activations?.Dispose();
        Parameters.Dispose();
        Gradients.Dispose();
    }

    private static Tensor<float> View(Tensor<float> buffer, ParameterInfo info) => buffer.Slice(info.Offset, info.Shape);

    /// <summary>Uploads the batch into activations sized for it (reused while the shape stays the same).</summary>
    private Activations Prepare(TrainingBatch batch)
    {
        if (_activations is null || _activations.Sequences != batch.Sequences || _activations.Tokens != batch.Tokens
            || _activations.HasMasks != (batch.AllowedTokens is not null))
        {
            _activations?.Dispose();
            _activations = new Activations(_device, Config, batch.Sequences, batch.Tokens, batch.AllowedTokens is not null);
        }
        var a = _activations;
        a.TokenIds.CopyFrom(batch.TokenIds);
        a.Positions.CopyFrom(batch.Positions);
        a.PointIds.CopyFrom(batch.PointIds);
        a.Targets.CopyFrom(batch.Targets);
        a.Weights.CopyFrom(batch.Weights);
        if (batch.AllowedTokens is not null) a.AllowedTokens!.CopyFrom(batch.AllowedTokens);
        return a;
    }

    private static double Gaussian(Random random)
    {
        var u = 1.0 - random.NextDouble();
        var w = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * w);
    }
}
