using GoSeqZero.Kernels;

namespace GoSeqZero.Tests.Kernels.Checks;

/// <summary>A kernel result that disagrees with its float64 reference: says which op, which element, by how much.</summary>
public sealed class KernelCheckException(string message) : Exception(message);

/// <summary>
/// What every kernel check shares: fresh random inputs, poisoned outputs and the float64 comparison
/// |actual − expected| ≤ atol + rtol·|expected| (docs/design.md, How things are measured). Free of xunit, so the bench
/// program can link these checks and run them on a GPU at larger shapes (<c>bench -- kernel-check --device cuda</c>).
/// </summary>
public static class KernelCheck
{
    /// <summary>fp32 relative tolerance for elementwise ops.</summary>
    public const double Rtol = 1e-5;

    /// <summary>The absolute tolerance of a sum of <paramref name="terms"/> fp32 products of O(1) values: grows with √terms.</summary>
    public static double AtolForSum(int terms, double scale = 1) => 2e-6 * scale * Math.Sqrt(Math.Max(terms, 1));

    /// <summary>A fresh seed, reported with every failure so a failing input can be reproduced.</summary>
    public static int NewSeed() => Random.Shared.Next();

    public static float[] Uniform(Random random, long count, float low = -1, float high = 1)
    {
        var values = new float[count];
        for (long i = 0; i < count; i++) values[i] = low + (high - low) * random.NextSingle();
        return values;
    }

    public static int[] Integers(Random random, long count, int lowInclusive, int highExclusive)
    {
        var values = new int[count];
        for (long i = 0; i < count; i++) values[i] = random.Next(lowInclusive, highExclusive);
        return values;
    }

    /// <summary>An output tensor filled with NaN, so an element the kernel forgets to write shows up.</summary>
    public static Tensor<float> Poisoned(Device device, params int[] shape)
    {
        var tensor = device.Allocate<float>(shape);
        Poison(tensor);
        return tensor;
    }

    public static void Poison(Tensor<float> tensor)
    {
        var nan = new float[tensor.Length];
        Array.Fill(nan, float.NaN);
        tensor.CopyFrom(nan);
    }

    public static double[] ToDouble(float[] values) => Array.ConvertAll(values, v => (double)v);

    /// <summary>
    /// Central differences of <paramref name="loss"/> in each coordinate of <paramref name="point"/>:
    /// (L(p + h·eᵢ) − L(p − h·eᵢ)) / 2h. The point is restored after each coordinate.
    /// </summary>
    public static double[] FiniteDifferences(Func<double[], double> loss, double[] point, double step)
    {
        var gradient = new double[point.Length];
        for (var i = 0; i < point.Length; i++)
        {
            var saved = point[i];
            point[i] = saved + step;
            var above = loss(point);
            point[i] = saved - step;
            var below = loss(point);
            point[i] = saved;
            gradient[i] = (above - below) / (2 * step);
        }
        return gradient;
    }

    /// <summary>Throws <see cref="KernelCheckException"/> naming the worst element when any is out of tolerance or not finite.</summary>
    public static void AssertClose(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, double rtol, double atol, string what)
    {
        if (expected.Length != actual.Length)
            throw new KernelCheckException($"{what}: {actual.Length} values, expected {expected.Length}");
        var worst = -1;
        var worstExcess = 0.0;
        var failures = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            var error = Math.Abs(actual[i] - expected[i]);
            var allowed = atol + rtol * Math.Abs(expected[i]);
            if (error <= allowed && double.IsFinite(actual[i])) continue;
            failures++;
            var excess = double.IsFinite(actual[i]) ? error / allowed : double.PositiveInfinity;
            if (worst < 0 || excess > worstExcess) (worst, worstExcess) = (i, excess);
        }
        if (failures > 0)
            throw new KernelCheckException(
                $"{what}: {failures} of {expected.Length} values out of tolerance (rtol {rtol:g3}, atol {atol:g3}); " +
                $"worst at index {worst}: got {actual[worst]:g9}, expected {expected[worst]:g9}");
    }

    public static void AssertClose(ReadOnlySpan<double> expected, Tensor<float> actual, double rtol, double atol, string what) =>
        AssertClose(expected, actual.ToArray(), rtol, atol, what);
}

/// <summary>
/// One named check of one op at one shape, runnable on any device with a seed. Each area's checks class lists its cases
/// for two scales: <c>large: false</c> (tiny shapes, for the tests on the emulator) and <c>large: true</c> (for a GPU).
/// </summary>
public sealed record KernelCase(string Name, Action<Device, int> Run)
{
    public override string ToString() => Name;
}
