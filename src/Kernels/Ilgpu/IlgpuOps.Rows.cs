namespace GoSeqZero.Kernels.Ilgpu;

internal sealed partial class IlgpuOps
{
    public void EmbeddingForward(Tensor<float> output, Tensor<int> tokens, Tensor<int> positions, Tensor<int> pointIds, Tensor<float> tokenTable, Tensor<float> positionTable, Tensor<float> pointTable, int rows, int channels) =>
        throw new NotImplementedException("PLACEHOLDER");

    public void EmbeddingBackward(Tensor<float> tokenTableGradient, Tensor<float> positionTableGradient, Tensor<float> pointTableGradient, Tensor<float> outputGradient, Tensor<int> tokens, Tensor<int> positions, Tensor<int> pointIds, int rows, int channels) =>
        throw new NotImplementedException("PLACEHOLDER");

    public void LayerNormForward(Tensor<float> output, Tensor<float> mean, Tensor<float> reciprocalStd, Tensor<float> input, Tensor<float> weight, Tensor<float> bias, int rows, int channels) =>
        throw new NotImplementedException("PLACEHOLDER");

    public void LayerNormBackward(Tensor<float> inputGradient, Tensor<float> weightGradient, Tensor<float> biasGradient, Tensor<float> outputGradient, Tensor<float> input, Tensor<float> weight, Tensor<float> mean, Tensor<float> reciprocalStd, int rows, int channels) =>
        throw new NotImplementedException("PLACEHOLDER");

    public void GeluForward(Tensor<float> output, Tensor<float> input, long count) =>
        throw new NotImplementedException("PLACEHOLDER");

    public void GeluBackward(Tensor<float> inputGradient, Tensor<float> input, Tensor<float> outputGradient, long count) =>
        throw new NotImplementedException("PLACEHOLDER");

    public void Add(Tensor<float> output, Tensor<float> a, Tensor<float> b, long count) =>
        throw new NotImplementedException("PLACEHOLDER");

    public void Accumulate(Tensor<float> target, Tensor<float> source, long count) =>
        throw new NotImplementedException("PLACEHOLDER");
}
