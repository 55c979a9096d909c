using System.Text.Json.Nodes;
using GoSeqZero.Kernels;

namespace GoSeqZero.Transformer.Checkpoints;

/// <summary>The optimizer's hyper-parameters as saved (its moments are in <c>optimizer.safetensors</c>).</summary>
public sealed record SavedOptimizer(AdamWSettings Settings, float MaxGradientNorm);

/// <summary>
/// A checkpoint's <c>state.json</c>: the optimizer step, the optimizer's hyper-parameters when one was saved, the
/// learning-rate schedule when one was given, and whatever JSON object the trainer passed in.
/// </summary>
public sealed record CheckpointState(int Step, SavedOptimizer? Optimizer, LearningRateSchedule? Schedule, JsonObject? Extra);

/// <summary>A model built from a checkpoint, with its optimizer when one was saved; disposing it disposes both.</summary>
public sealed class LoadedCheckpoint : IDisposable
{
    internal LoadedCheckpoint(Gpt model, AdamWOptimizer? optimizer, CheckpointState state)
    {
        Model = model;
        Optimizer = optimizer;
        State = state;
    }

    public Gpt Model { get; }

    /// <summary>Moments, step and hyper-parameters as saved; null when the checkpoint holds weights only.</summary>
    public AdamWOptimizer? Optimizer { get; }

    public CheckpointState State { get; }

    public void Dispose()
    {
        Optimizer?.Dispose();
        Model.Dispose();
    }
}

/// <summary>Why a checkpoint cannot be loaded: the message names the file, the tensor when there is one, and what is wrong.</summary>
public sealed class CheckpointException : Exception
{
    public CheckpointException(string message) : base(message) { }

    public CheckpointException(string message, Exception inner) : base(message, inner) { }
}
