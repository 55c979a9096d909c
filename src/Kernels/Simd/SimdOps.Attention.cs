namespace GoSeqZero.Kernels.Simd;

internal sealed unsafe partial class SimdOps
{
    public void AttentionForward(Tensor<float> output, Tensor<float> logSumExp, Tensor<float> qkv, AttentionShape shape)
    {
        AttentionArguments.CheckForward(output, logSumExp, qkv, shape);
        var options = Options;
        if (options.UsesVector512)
            AttentionForwardKernel.Run<Lanes512>(output.Pointer, logSumExp.Pointer, qkv.Pointer, shape, options.AttentionTileFor(shape), options.Threads);
        else
            AttentionForwardKernel.Run<Lanes256>(output.Pointer, logSumExp.Pointer, qkv.Pointer, shape, options.AttentionTileFor(shape), options.Threads);
    }

    public void AttentionBackward(Tensor<float> qkvGradient, Tensor<float> outputGradient, Tensor<float> output, Tensor<float> logSumExp, Tensor<float> qkv, AttentionShape shape)
    {
        AttentionArguments.CheckBackward(qkvGradient, outputGradient, output, logSumExp, qkv, shape);
        var options = Options;
        if (options.UsesVector512)
            AttentionBackwardKernel.Run<Lanes512>(qkvGradient.Pointer, outputGradient.Pointer, output.Pointer,
                logSumExp.Pointer, qkv.Pointer, shape, options.AttentionTileFor(shape), options.Threads);
        else
            AttentionBackwardKernel.Run<Lanes256>(qkvGradient.Pointer, outputGradient.Pointer, output.Pointer,
                logSumExp.Pointer, qkv.Pointer, shape, options.AttentionTileFor(shape), options.Threads);
    }
}
