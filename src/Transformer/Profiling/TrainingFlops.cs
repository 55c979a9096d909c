namespace GoSeqZero.Transformer.Profiling;

/// <summary>
/// Model flops of a training step, for MFU: the forward's matrix products (24·C² per token per layer, 2·C·V for the
/// head) and causal attention (on average 2·C·(T+1) per token per layer), times three for forward plus backward.
/// Recomputation in the attention backward is not counted: MFU counts the model's work, not the kernels'.
/// </summary>
public static class TrainingFlops
{
    public static double PerToken(ModelConfig config, int tokens)
    {
        double c = config.Channels;
        var forward = config.Layers * (24 * c * c + 2 * c * (tokens + 1)) + 2 * c * config.VocabularySize;
        return 3 * forward;
    }
}
