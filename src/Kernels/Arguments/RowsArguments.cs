namespace GoSeqZero.Kernels;

/// <summary>
/// The size checks of the row-wise ops (embedding, LayerNorm, GELU, add), shared by both implementations: a tensor
/// shorter than its op reads would read or write out of bounds, on the CPU path as on a GPU.
/// </summary>
internal static class RowsArguments
{
    /// <summary>Refuses negative sizes; returns the shape as the size messages name it.</summary>
    private static string RowsAndChannels(string op, int rows, int channels)
    {
        if (rows < 0 || channels < 0) throw new ArgumentException($"{op}: rows ({rows}) and channels ({channels}) must not be negative");
        return $"{rows}×{channels} rows×channels";
    }

    private static void Count(string op, long count)
    {
        if (count < 0) throw new ArgumentException($"{op}: count ({count}) must not be negative");
    }

    /// <summary>Throws unless <paramref name="tensor"/> holds at least <paramref name="needed"/> elements.</summary>
    private static void Need<T>(string op, string name, Tensor<T> tensor, long needed, string why) where T : unmanaged
    {
        if (tensor.Length < needed)
            throw new ArgumentException($"{op}: {name} has {tensor.Length} elements, {needed} needed for {why}");
    }

    /// <summary>The rows of an embedding table of <paramref name="channels"/> columns: its length must be a whole number of rows.</summary>
    public static int TableRows(string op, string name, Tensor<float> table, int channels)
    {
        if (table.Length == 0 || table.Length % channels != 0)
            throw new ArgumentException($"{op}: {name} has {table.Length} elements, not a whole positive number of rows of {channels} channels");
        return checked((int)(table.Length / channels));
    }

    /// <summary>Checks the sizes of an embedding op; false when there is nothing to do.</summary>
    public static bool Embedding(string op, Tensor<float> rowsTensor, string rowsName,
        Tensor<int> tokens, Tensor<int> positions, Tensor<int> pointIds, int rows, int channels)
    {
        var shape = RowsAndChannels(op, rows, channels);
        Need(op, rowsName, rowsTensor, (long)rows * channels, shape);
        Need(op, "tokens", tokens, rows, shape);
        Need(op, "positions", positions, rows, shape);
        Need(op, "point ids", pointIds, rows, shape);
        return rows > 0 && channels > 0;
    }

    /// <summary>Checks the sizes of <see cref="IOps.LayerNormForward"/>; false when there is nothing to do.</summary>
    public static bool LayerNormForward(Tensor<float> output, Tensor<float> mean, Tensor<float> reciprocalStd, Tensor<float> input,
        Tensor<float> weight, Tensor<float> bias, int rows, int channels) =>
        LayerNorm(nameof(IOps.LayerNormForward), rows, channels, [(output, "output"), (input, "input")],
            [(mean, "mean"), (reciprocalStd, "reciprocal std")], [(weight, "weight"), (bias, "bias")]);

    /// <summary>Checks the sizes of <see cref="IOps.LayerNormBackward"/>; false when there is nothing to do.</summary>
    public static bool LayerNormBackward(Tensor<float> inputGradient, Tensor<float> weightGradient, Tensor<float> biasGradient,
        Tensor<float> outputGradient, Tensor<float> input, Tensor<float> weight, Tensor<float> mean, Tensor<float> reciprocalStd,
        int rows, int channels) =>
        LayerNorm(nameof(IOps.LayerNormBackward), rows, channels, [(inputGradient, "input gradient"), (outputGradient, "output gradient"), (input, "input")],
            [(mean, "mean"), (reciprocalStd, "reciprocal std")],
            [(weight, "weight"), (weightGradient, "weight gradient"), (biasGradient, "bias gradient")]);

    /// <summary>Checks LayerNorm's tensors: per element, per row (mean, 1/σ) or per channel; false when there is nothing to do.</summary>
    private static bool LayerNorm(string op, int rows, int channels, ReadOnlySpan<(Tensor<float> Tensor, string Name)> perElement,
        ReadOnlySpan<(Tensor<float> Tensor, string Name)> perRow, ReadOnlySpan<(Tensor<float> Tensor, string Name)> perChannel)
    {
        var shape = RowsAndChannels(op, rows, channels);
        foreach (var (tensor, name) in perElement) Need(op, name, tensor, (long)rows * channels, shape);
        foreach (var (tensor, name) in perRow) Need(op, name, tensor, rows, shape);
        foreach (var (tensor, name) in perChannel) Need(op, name, tensor, channels, shape);
        return rows > 0 && channels > 0;
    }

    /// <summary>Checks an elementwise op's tensors against its count; false when there is nothing to do.</summary>
    public static bool Elementwise(string op, long count, params ReadOnlySpan<(Tensor<float> Tensor, string Name)> tensors)
    {
        Count(op, count);
        foreach (var (tensor, name) in tensors) Need(op, name, tensor, count, $"count {count}");
        return count > 0;
    }
}
