using GoSeqZero.Kernels;

namespace GoSeqZero.Transformer;

/// <summary>
/// The model's tensors as views into one buffer laid out by <see cref="ParameterLayout"/>: the parameters, or their
/// gradients. Built once from the layout's names, so the passes read fields instead of looking names up while the
/// layout (and the checkpoint names) stays the one definition of where each tensor lies.
/// </summary>
internal sealed class ModelTensors(Func<string, Tensor<float>> view, int layers)
{
    public readonly Tensor<float> TokenEmbedding = view("token_embedding");
    public readonly Tensor<float> PositionEmbedding = view("position_embedding");
    public readonly Tensor<float> PointEmbedding = view("point_embedding");
    public readonly IReadOnlyList<BlockTensors> Blocks =
        [.. Enumerable.Range(0, layers).Select(layer => new BlockTensors(name => view($"blocks.{layer}.{name}")))];
    public readonly Tensor<float> LnFWeight = view("ln_f.weight");
    public readonly Tensor<float> LnFBias = view("ln_f.bias");
    public readonly Tensor<float> HeadWeight = view("head.weight");
}

/// <summary>One transformer block's tensors in forward order, named after their checkpoint names.</summary>
internal sealed class BlockTensors(Func<string, Tensor<float>> view)
{
    public readonly Tensor<float> Ln1Weight = view("ln1.weight");
    public readonly Tensor<float> Ln1Bias = view("ln1.bias");
    public readonly Tensor<float> AttnQkvWeight = view("attn.qkv.weight");
    public readonly Tensor<float> AttnQkvBias = view("attn.qkv.bias");
    public readonly Tensor<float> AttnProjWeight = view("attn.proj.weight");
    public readonly Tensor<float> AttnProjBias = view("attn.proj.bias");
    public readonly Tensor<float> Ln2Weight = view("ln2.weight");
    public readonly Tensor<float> Ln2Bias = view("ln2.bias");
    public readonly Tensor<float> MlpFcWeight = view("mlp.fc.weight");
    public readonly Tensor<float> MlpFcBias = view("mlp.fc.bias");
    public readonly Tensor<float> MlpProjWeight = view("mlp.proj.weight");
    public readonly Tensor<float> MlpProjBias = view("mlp.proj.bias");
}
