using GoSeqZero.Kernels;

namespace GoSeqZero.Transformer;

/// <summary>
/// AdamW over a <see cref="Gpt"/>'s one parameter buffer, after clipping the global gradient norm as
/// <c>torch.nn.utils.clip_grad_norm_</c> does: two kernel calls, the decayed tensors and the rest.
/// </summary>
public sealed class AdamWOptimizer : IDisposable
{
    private readonly Gpt _model;

    public AdamWOptimizer(Gpt model, AdamWSettings settings, float maxGradientNorm = 1)
    {
        _model = model;
        Settings = settings;
        MaxGradientNorm = maxGradientNorm;
        FirstMoments = model.Device.Allocate<float>(checked((int)model.Layout.Count));
        SecondMoments = model.Device.Allocate<float>(checked((int)model.Layout.Count));
        model.Ops.Fill(FirstMoments, 0);
        model.Ops.Fill(SecondMoments, 0);
    }

    /// <summary>The learning rate in <see cref="Settings"/> is replaced by the schedule's at each step.</summary>
    public AdamWSettings Settings { get; set; }

    /// <summary>Gradients are scaled down to this global norm when above it; 0 or less turns clipping off.</summary>
    public float MaxGradientNorm { get; set; }

    /// <summary>Steps taken so far; the next is <c>Step + 1</c>.</summary>
    public int Step { get; set; }

    public Tensor<float> FirstMoments { get; }
    public Tensor<float> SecondMoments { get; }

    /// <summary>One update with the given learning rate; returns the gradient norm before clipping.</summary>
    public float Update(float learningRate)
    {
        var ops = _model.Ops;
        var norm = MathF.Sqrt(ops.SumOfSquares(_model.Gradients));
        if (!float.IsFinite(norm)) throw new InvalidOperationException($"the gradient norm is {norm} at step {Step + 1}: the update would destroy the weights");
        var scale = MaxGradientNorm > 0 ? Math.Min(1f, MaxGradientNorm / (norm + 1e-6f)) : 1f;
        Step++;
        var settings = Settings with { LearningRate = learningRate };
        var decayed = (int)_model.Layout.DecayedCount;
        var rest = (int)(_model.Layout.Count - decayed);
        ops.AdamW(_model.Parameters.Slice(0, decayed), _model.Gradients.Slice(0, decayed),
            FirstMoments.Slice(0, decayed), SecondMoments.Slice(0, decayed), settings, Step, scale);
        if (rest > 0)
            ops.AdamW(_model.Parameters.Slice(decayed, rest), _model.Gradients.Slice(decayed, rest),
                FirstMoments.Slice(decayed, rest), SecondMoments.Slice(decayed, rest), settings with { WeightDecay = 0 }, Step, scale);
        return norm;
    }

    public void Dispose()
    {
        FirstMoments.Dispose();
        SecondMoments.Dispose();
    }
}
