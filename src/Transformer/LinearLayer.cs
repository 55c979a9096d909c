using GoSeqZero.Kernels;

namespace GoSeqZero.Transformer;

/// <summary>
/// A linear layer over rows, <c>output = input·weightᵀ + bias</c> with the weight stored [out, in] as PyTorch does:
/// the forward is one GEMM, the backward the GEMMs and bias reduction of llm.c's <c>matmul_backward</c>.
/// </summary>
internal static class LinearLayer
{
    /// <summary>Writes <c>output</c> [rows, outChannels] from <c>input</c> [rows, inChannels]; a null bias adds none.</summary>
    public static void LinearForward(this IOps ops, Tensor<float> output, Tensor<float> input, Tensor<float> weight, Tensor<float>? bias,
        int rows, int inChannels, int outChannels) =>
        ops.Gemm(GemmSpec.NT(rows, outChannels, inChannels), input, weight, output, bias);

    /// <summary>
    /// Writes the input's gradient (scratch the caller reads next) and adds into the weight's and bias's gradients,
    /// which accumulate over the whole step as every backward op's parameter gradients do.
    /// </summary>
    public static void LinearBackward(this IOps ops, Tensor<float> inputGradient, Tensor<float> weightGradient, Tensor<float>? biasGradient,
        Tensor<float> outputGradient, Tensor<float> input, Tensor<float> weight, int rows, int inChannels, int outChannels)
    {
        ops.Gemm(GemmSpec.NN(rows, inChannels, outChannels), outputGradient, weight, inputGradient);
        ops.Gemm(GemmSpec.TN(outChannels, inChannels, rows) with { Beta = 1 }, outputGradient, input, weightGradient);
        if (biasGradient is not null) ops.BiasBackward(biasGradient, outputGradient, rows, outChannels);
    }
}
