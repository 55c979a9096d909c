using GoSeqZero.Kernels;
using GoSeqZero.Transformer;
using GoSeqZero.Transformer.Profiling;

namespace GoSeqZero.Trainer.Training;

/// <summary>
/// Per-op timing of one training step, as a scope: while it is open the model's ops are timed (each one waited
/// for), and <see cref="Phase"/> names the part of the step they belong to. <see cref="Off"/> times nothing, so the
/// step reads the same whether it is profiled or not.
/// </summary>
internal sealed class StepProfile : IDisposable
{
    private readonly Gpt? _model;
    private readonly IOps? _untimed;

    /// <summary>A profile that times nothing.</summary>
    public static readonly StepProfile Off = new(null);

    private StepProfile(Gpt? model)
    {
        if (model is null) return;
        _model = model;
        _untimed = model.Ops;
        Ops = new TimedOps(model.Ops, model.Device);
        model.Ops = Ops;
    }

    /// <summary>Times the ops of <paramref name="model"/> until disposed.</summary>
    public static StepProfile Of(Gpt model) => new(model);

    /// <summary>The timed ops, null when off.</summary>
    public TimedOps? Ops { get; }

    /// <summary>Counts the ops until the scope ends as <paramref name="name"/>'s.</summary>
    public PhaseScope Phase(string name)
    {
        if (Ops is null) return default;
        var previous = Ops.Phase;
        Ops.Phase = name;
        return new PhaseScope(Ops, previous);
    }

    public void Dispose()
    {
        if (_model is not null) _model.Ops = _untimed!;
    }

    /// <summary>Restores the phase before it when disposed.</summary>
    public readonly struct PhaseScope(TimedOps? ops, string previous) : IDisposable
    {
        public void Dispose()
        {
            if (ops is not null) ops.Phase = previous;
        }
    }
}
