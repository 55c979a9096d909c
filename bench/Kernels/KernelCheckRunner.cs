using System.Diagnostics;
using System.Reflection;
using GoSeqZero.Kernels;
using GoSeqZero.Tests.Kernels.Checks;

namespace GoSeqZero.Bench.Kernels;

/// <summary>
/// Runs the kernel checks of the test suite (linked from tests/Kernels/Checks and tests/Kernels/Reference) on any
/// device, so the same float64 comparisons run on a GPU machine that has no .NET SDK to run xunit:
/// <c>bench -- kernel-check --device cuda --scale large</c>. Exit code 1 when any check fails.
/// </summary>
internal static class KernelCheckRunner
{
    public static int Run(string[] args)
    {
        var options = new Options(args, "device", "scale", "filter", "json");
        var scale = options.String("scale", "small");
        if (scale is not ("small" or "large")) throw new ArgumentException($"--scale is small or large, not '{scale}'");
        var filter = options.String("filter", "");
        using var device = Device.Create(options.String("device", "auto"));
        Console.WriteLine($"kernel checks ({scale} shapes) on {device.Description}");

        var report = new BenchReport("kernel-check", args);
        var failures = 0;
        var count = 0;
        foreach (var kernelCase in AllCases(scale == "large").Where(c => c.Name.Contains(filter, StringComparison.OrdinalIgnoreCase)))
        {
            var seed = KernelCheck.NewSeed();
            var start = Stopwatch.GetTimestamp();
            string outcome;
            try
            {
                kernelCase.Run(device, seed);
                outcome = "ok";
            }
            catch (Exception error) when (error is KernelCheckException or ArgumentException or InvalidOperationException or NotImplementedException)
            {
                failures++;
                outcome = $"FAILED (seed {seed}): {error.Message}";
            }
            var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            count++;
            Console.WriteLine($"  {kernelCase.Name,-60} {seconds,8:F3} s  {outcome}");
            report.Add(kernelCase.Name, outcome == "ok" ? 1 : 0, "passed", ("seconds", seconds), ("seed", seed));
        }
        Console.WriteLine($"{count - failures} of {count} checks passed on {device.Kind.Name()}");
        report.WriteIfRequested(options);
        return failures == 0 && count > 0 ? 0 : 1;
    }

    /// <summary>Every <c>Cases(bool large)</c> of the checks classes, found by reflection so a new area needs no registration.</summary>
    private static IEnumerable<KernelCase> AllCases(bool large) =>
        typeof(KernelCheck).Assembly.GetTypes()
            .Where(type => type.Namespace == typeof(KernelCheck).Namespace)
            .Select(type => type.GetMethod("Cases", BindingFlags.Public | BindingFlags.Static, [typeof(bool)]))
            .Where(method => method is not null && method.ReturnType == typeof(IEnumerable<KernelCase>))
            .OrderBy(method => method!.DeclaringType!.Name, StringComparer.Ordinal)
            .SelectMany(method => (IEnumerable<KernelCase>)method!.Invoke(null, [large])!);
}
