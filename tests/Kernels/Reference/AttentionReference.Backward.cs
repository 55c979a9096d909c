using GoSeqZero.Kernels;

namespace GoSeqZero.Tests.Kernels.Reference;

public static partial class AttentionReference
{
    /// <summary>
    /// The analytic gradient of causal attention in float64, T×T matrices materialised: returns dL/dqkv [Batch, Tokens, 3·Channels]
    /// for <c>L = Σ outputGradient ∘ output</c>. Per head, with P the softmax of the scaled scores:
    /// <c>dV = Pᵀ·dO</c>, <c>dP = dO·Vᵀ</c>, <c>dS = P ∘ (dP − rowsum(P ∘ dP))</c>, <c>dQ = scale·dS·K</c>, <c>dK = scale·dSᵀ·Q</c>.
    /// </summary>
    public static double[] Backward(float[] qkv, float[] outputGradient, AttentionShape shape)
    {
        var (batchCount, tokens, _, heads) = shape;
        var headSize = shape.HeadSize;
        var scale = 1.0 / Math.Sqrt(headSize);
        var gradient = new double[qkv.Length];
        var probabilities = new double[tokens, tokens];
        var scoreGradients = new double[tokens, tokens];
        for (var b = 0; b < batchCount; b++)
        for (var h = 0; h < heads; h++)
        {
            double Element(int t, int part, int d) => qkv[Index(shape, b, t, part, h, d)];
            double OutputGradient(int t, int d) => outputGradient[((long)b * tokens + t) * shape.Channels + h * headSize + d];

            for (var i = 0; i < tokens; i++)
            {
                var max = double.NegativeInfinity;
                for (var j = 0; j <= i; j++)
                {
                    var dot = 0.0;
                    for (var d = 0; d < headSize; d++) dot += Element(i, 0, d) * Element(j, 1, d);
                    probabilities[i, j] = dot * scale;
                    max = Math.Max(max, probabilities[i, j]);
                }
                var sum = 0.0;
                for (var j = 0; j <= i; j++) sum += probabilities[i, j] = Math.Exp(probabilities[i, j] - max);
                for (var j = 0; j <= i; j++) probabilities[i, j] /= sum;

                var rowTerm = 0.0;
                for (var j = 0; j <= i; j++)
                {
                    var dot = 0.0;
                    for (var d = 0; d < headSize; d++) dot += OutputGradient(i, d) * Element(j, 2, d);
                    scoreGradients[i, j] = dot;
                    rowTerm += probabilities[i, j] * dot;
                }
                for (var j = 0; j <= i; j++) scoreGradients[i, j] = probabilities[i, j] * (scoreGradients[i, j] - rowTerm);
            }

            for (var i = 0; i < tokens; i++)
            for (var j = 0; j <= i; j++)
            for (var d = 0; d < headSize; d++)
            {
                gradient[Index(shape, b, i, 0, h, d)] += scale * scoreGradients[i, j] * Element(j, 1, d);
                gradient[Index(shape, b, j, 1, h, d)] += scale * scoreGradients[i, j] * Element(i, 0, d);
                gradient[Index(shape, b, j, 2, h, d)] += probabilities[i, j] * OutputGradient(i, d);
            }
        }
        return gradient;
    }

    /// <summary><c>Σ outputGradient ∘ Forward(qkv).Output</c>: the scalar whose central differences check <see cref="Backward"/>.</summary>
    public static double Loss(float[] qkv, float[] outputGradient, AttentionShape shape)
    {
        var (output, _) = Forward(qkv, shape);
        var loss = 0.0;
        for (var i = 0; i < output.Length; i++) loss += outputGradient[i] * output[i];
        return loss;
    }
}
