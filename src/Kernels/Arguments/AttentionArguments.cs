namespace GoSeqZero.Kernels;

/// <summary>The size checks both attention implementations make before touching memory (shared by the SIMD and ILGPU paths).</summary>
internal static class AttentionArguments
{
    public static void CheckForward(Tensor<float> output, Tensor<float> logSumExp, Tensor<float> qkv, AttentionShape shape)
    {
        shape.Validate();
        Need("qkv", qkv, 3L * shape.Batch * shape.Tokens * shape.Channels, shape);
        Need("output", output, (long)shape.Batch * shape.Tokens * shape.Channels, shape);
        Need("logSumExp", logSumExp, (long)shape.Batch * shape.Heads * shape.Tokens, shape);
    }

    public static void CheckBackward(Tensor<float> qkvGradient, Tensor<float> outputGradient, Tensor<float> output,
        Tensor<float> logSumExp, Tensor<float> qkv, AttentionShape shape)
    {
        CheckForward(output, logSumExp, qkv, shape);
        Need("qkvGradient", qkvGradient, 3L * shape.Batch * shape.Tokens * shape.Channels, shape);
        Need("outputGradient", outputGradient, (long)shape.Batch * shape.Tokens * shape.Channels, shape);
    }

    private static void Need(string name, Tensor<float> tensor, long length, AttentionShape shape)
    {
        if (tensor.Length < length)
            throw new ArgumentException($"attention {shape}: {name} has {tensor.Length} elements, the shape needs {length}");
    }
}
