using System.Diagnostics;
using System.Text.Json;

namespace GoSeqZero.Bench.Transformer;

/// <summary>
/// Runs scripts/torch/reference_bench.py (Debian's python3-torch) on the same model shape, so PyTorch's figure sits in
/// the same table from the same run. Returns null, with the reason printed, when PyTorch is not installed.
/// </summary>
internal static class TorchReference
{
    public static JsonElement? Run(string arguments)
    {
        var script = FindScript();
        if (script is null)
        {
            Console.WriteLine("PyTorch column skipped: scripts/torch/reference_bench.py not found (run from the repository)");
            return null;
        }
        var start = new ProcessStartInfo("/usr/bin/python3", $"{script} {arguments}") { RedirectStandardOutput = true, RedirectStandardError = true };
        try
        {
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                var reason = stderr.Result.Contains("No module named 'torch'") ? "python3-torch is not installed (apt-get install python3-torch)" : stderr.Result.Trim();
                Console.WriteLine($"PyTorch column skipped: {reason}");
                return null;
            }
            return JsonDocument.Parse(stdout.Result).RootElement.Clone();
        }
        catch (System.ComponentModel.Win32Exception error)
        {
            Console.WriteLine($"PyTorch column skipped: cannot start /usr/bin/python3 ({error.Message})");
            return null;
        }
    }

    private static string? FindScript()
    {
        for (var directory = new DirectoryInfo(Environment.CurrentDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "scripts", "torch", "reference_bench.py");
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }
}
