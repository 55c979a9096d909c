namespace GoSeqZero.Kernels.Simd;

/// <summary>
/// The CPU path: hand-vectorised C# over host buffers, parallel over rows, heads or panels with Parallel.For.
/// Every call completes before it returns. The ops are split by area into the partial files beside this one.
/// </summary>
internal sealed unsafe partial class SimdOps : IOps
{
    /// <summary>The switches the ops run with; each call reads them once, when it starts.</summary>
    internal SimdOptions Options { get; set; } = new();

    /// <summary>Runs with <paramref name="options"/> until the returned scope is disposed, which puts the previous ones back.</summary>
    internal OptionsScope UseOptions(SimdOptions options)
    {
        var scope = new OptionsScope(this, Options);
        Options = options;
        return scope;
    }

    internal readonly struct OptionsScope(SimdOps ops, SimdOptions previous) : IDisposable
    {
        public void Dispose() => ops.Options = previous;
    }

    public void Fill(Tensor<float> values, float value)
    {
        var pointer = values.Pointer;
        for (long start = 0; start < values.Length; start += int.MaxValue)
            new Span<float>(pointer + start, (int)Math.Min(int.MaxValue, values.Length - start)).Fill(value);
    }
}
