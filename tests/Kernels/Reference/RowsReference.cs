namespace GoSeqZero.Tests.Kernels.Reference;

/// <summary>
/// The row-wise ops in float64, written from their definitions: embedding sums, LayerNorm (ε = 1e-5, biased variance,
/// as in llm.c and PyTorch), GPT-2's tanh GELU, and the backward of each as the plain gradient formula. Backward
/// references return the gradient alone; the checks add it to the buffers' starting values.
/// </summary>
public static class RowsReference
{
    public const double LayerNormEpsilon = 1e-5;

    private static readonly double GeluScale = Math.Sqrt(2 / Math.PI);
    private const double GeluCubic = 0.044715;

    /// <summary>The three index columns and the three tables of an embedding, all [rows] or [table rows, channels].</summary>
    public sealed record EmbeddingInputs(int[] Tokens, int[] Positions, int[] PointIds, double[] TokenTable, double[] PositionTable, double[] PointTable);

    public static double[] EmbeddingForward(EmbeddingInputs inputs, int rows, int channels)
    {
        var output = new double[(long)rows * channels];
        for (var r = 0; r < rows; r++)
        for (var c = 0; c < channels; c++)
            output[(long)r * channels + c] = inputs.TokenTable[(long)inputs.Tokens[r] * channels + c]
                + inputs.PositionTable[(long)inputs.Positions[r] * channels + c]
                + inputs.PointTable[(long)inputs.PointIds[r] * channels + c];
        return output;
    }

    /// <summary>The gradients of the three tables: each row's output gradient summed into the table rows it read.</summary>
    public static (double[] Token, double[] Position, double[] Point) EmbeddingBackward(double[] outputGradient, EmbeddingInputs inputs, int rows, int channels)
    {
        var token = new double[inputs.TokenTable.Length];
        var position = new double[inputs.PositionTable.Length];
        var point = new double[inputs.PointTable.Length];
        for (var r = 0; r < rows; r++)
        for (var c = 0; c < channels; c++)
        {
            var gradient = outputGradient[(long)r * channels + c];
            token[(long)inputs.Tokens[r] * channels + c] += gradient;
            position[(long)inputs.Positions[r] * channels + c] += gradient;
            point[(long)inputs.PointIds[r] * channels + c] += gradient;
        }
        return (token, position, point);
    }

    public static (double[] Output, double[] Mean, double[] ReciprocalStd) LayerNormForward(double[] input, double[] weight, double[] bias, int rows, int channels)
    {
        var output = new double[(long)rows * channels];
        var means = new double[rows];
        var reciprocalStds = new double[rows];
        for (var r = 0; r < rows; r++)
        {
            var row = input.AsSpan((int)((long)r * channels), channels);
            var mean = 0.0;
            foreach (var x in row) mean += x;
            mean /= channels;
            var variance = 0.0;
            foreach (var x in row) variance += (x - mean) * (x - mean);
            variance /= channels;
            var reciprocalStd = 1 / Math.Sqrt(variance + LayerNormEpsilon);
            for (var c = 0; c < channels; c++)
                output[(long)r * channels + c] = (row[c] - mean) * reciprocalStd * weight[c] + bias[c];
            means[r] = mean;
            reciprocalStds[r] = reciprocalStd;
        }
        return (output, means, reciprocalStds);
    }

    /// <summary>
    /// The gradients of LayerNorm for the given output gradient, with each row's mean and 1/σ recomputed exactly:
    /// dx = (dn − mean(dn) − n·mean(dn·n))/σ with n the normalised row and dn = weight·dy.
    /// </summary>
    public static (double[] Input, double[] Weight, double[] Bias) LayerNormBackward(double[] outputGradient, double[] input, double[] weight, int rows, int channels)
    {
        var (_, means, reciprocalStds) = LayerNormForward(input, weight, new double[channels], rows, channels);
        var inputGradient = new double[(long)rows * channels];
        var weightGradient = new double[channels];
        var biasGradient = new double[channels];
        var norm = new double[channels];
        for (var r = 0; r < rows; r++)
        {
            var offset = (long)r * channels;
            double dnormMean = 0, dnormNormMean = 0;
            for (var c = 0; c < channels; c++)
            {
                norm[c] = (input[offset + c] - means[r]) * reciprocalStds[r];
                var dnorm = weight[c] * outputGradient[offset + c];
                dnormMean += dnorm;
                dnormNormMean += dnorm * norm[c];
                weightGradient[c] += outputGradient[offset + c] * norm[c];
                biasGradient[c] += outputGradient[offset + c];
            }
            dnormMean /= channels;
            dnormNormMean /= channels;
            for (var c = 0; c < channels; c++)
                inputGradient[offset + c] = (weight[c] * outputGradient[offset + c] - dnormMean - norm[c] * dnormNormMean) * reciprocalStds[r];
        }
        return (inputGradient, weightGradient, biasGradient);
    }

    /// <summary>GPT-2's GELU: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).</summary>
    public static double Gelu(double x) => 0.5 * x * (1 + Math.Tanh(GeluScale * (x + GeluCubic * x * x * x)));

    /// <summary>The derivative of <see cref="Gelu"/>, by the product and chain rules on the tanh form.</summary>
    public static double GeluDerivative(double x)
    {
        var tanh = Math.Tanh(GeluScale * (x + GeluCubic * x * x * x));
        return 0.5 * (1 + tanh) + 0.5 * x * (1 - tanh * tanh) * GeluScale * (1 + 3 * GeluCubic * x * x);
    }

    /// <summary>Σ weights ∘ values: the scalar loss whose gradient a backward kernel computes when weights is its output gradient.</summary>
    public static double Dot(double[] weights, double[] values)
    {
        var sum = 0.0;
        for (var i = 0; i < values.Length; i++) sum += weights[i] * values[i];
        return sum;
    }
}
