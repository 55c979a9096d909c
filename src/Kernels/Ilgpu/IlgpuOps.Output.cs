namespace GoSeqZero.Kernels.Ilgpu;

internal sealed partial class IlgpuOps
{
    public void CrossEntropyForwardBackward(Tensor<float> losses, Tensor<float> logitGradients, Tensor<float> logits, Tensor<int> targets, Tensor<float> weights, Tensor<uint>? allowedTokens, int rows, int vocabularySize, float gradientScale) =>
        throw new NotImplementedException("PLACEHOLDER");

    public void Softmax(Tensor<float> probabilities, Tensor<float> logits, Tensor<uint>? allowedTokens, int rows, int vocabularySize, float temperature) =>
        throw new NotImplementedException("PLACEHOLDER");

    public void Sample(Tensor<int> tokens, Tensor<float> logits, Tensor<uint>? allowedTokens, int rows, int vocabularySize, SamplingSettings settings, ulong seed) =>
        throw new NotImplementedException("PLACEHOLDER");

    public float SumOfSquares(Tensor<float> values) =>
        throw new NotImplementedException("PLACEHOLDER");

    public void AdamW(Tensor<float> parameters, Tensor<float> gradients, Tensor<float> firstMoments, Tensor<float> secondMoments, AdamWSettings settings, int step, float gradientScale) =>
        throw new NotImplementedException("PLACEHOLDER");
}
