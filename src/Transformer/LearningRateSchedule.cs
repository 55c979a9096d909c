namespace GoSeqZero.Transformer;

/// <summary>
/// Linear warm-up from 0 to <see cref="Peak"/> over <see cref="WarmupSteps"/>, then a cosine decay to
/// <see cref="MinimumFraction"/>·Peak at step <see cref="DecaySteps"/>, flat after it. DecaySteps 0 keeps the peak
/// after warm-up: the trainer runs indefinitely unless bounded, so it has no horizon to decay towards.
/// </summary>
public sealed record LearningRateSchedule(float Peak, int WarmupSteps = 0, int DecaySteps = 0, float MinimumFraction = 0.1f)
{
    /// <summary>The rate for <paramref name="step"/>, counted from 1.</summary>
    public float At(int step)
    {
        if (step < 1) throw new ArgumentOutOfRangeException(nameof(step), "steps count from 1");
        if (step <= WarmupSteps) return Peak * step / WarmupSteps;
        if (DecaySteps <= WarmupSteps) return Peak;
        var progress = Math.Min(1.0, (step - WarmupSteps) / (double)(DecaySteps - WarmupSteps));
        var cosine = 0.5 * (1 + Math.Cos(Math.PI * progress));
        return (float)(Peak * (MinimumFraction + (1 - MinimumFraction) * cosine));
    }
}
