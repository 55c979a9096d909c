using System.Diagnostics;

namespace GoSeqZero.Tests.Trainer.Cli;

/// <summary>The built <c>goseqzero</c> program (goseqzero.dll next to this test assembly) run as a process, its stdout and stderr captured.</summary>
internal sealed class GoSeqZeroProcess : IDisposable
{
    private readonly string[] _arguments;
    private readonly Task<string> _output;
    private readonly Task<string> _error;

    /// <summary>
    /// Starts the program with <paramref name="arguments"/> and <paramref name="environment"/> added to its environment;
    /// with <paramref name="input"/>, that text is its whole stdin.
    /// </summary>
    public GoSeqZeroProcess(IEnumerable<string> arguments, string? input = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        _arguments = [.. arguments];
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardInput = input is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "goseqzero.dll"));
        foreach (var argument in _arguments) start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        Process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet goseqzero.dll");
        _output = Process.StandardOutput.ReadToEndAsync();
        _error = Process.StandardError.ReadToEndAsync();
        if (input is null) return;
        Process.StandardInput.Write(input);
        Process.StandardInput.Close();
    }

    public Process Process { get; }

    /// <summary>Runs the program to its end; see <see cref="Finish"/>.</summary>
    public static ProgramRun Run(TimeSpan bound, IEnumerable<string> arguments, string? input = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        using var process = new GoSeqZeroProcess(arguments, input, environment);
        return process.Finish(bound);
    }

    /// <summary>Waits for the exit, its exit code and all it wrote; a process still running after <paramref name="bound"/> is killed and the test fails.</summary>
    public ProgramRun Finish(TimeSpan bound)
    {
        if (!Process.WaitForExit(bound))
        {
            Process.Kill(entireProcessTree: true);
            Assert.Fail($"goseqzero {string.Join(' ', _arguments)} did not exit within {bound.TotalSeconds} s: {_error.Result}");
        }
        return new(Process.ExitCode, _output.Result, _error.Result);
    }

    public void Dispose() => Process.Dispose();
}

/// <summary>How a run of the program ended: its exit code and what it wrote to stdout and stderr.</summary>
internal sealed record ProgramRun(int ExitCode, string Output, string Error)
{
    /// <summary>Asserts the run was refused as the program refuses what it cannot act on (exit code 2, nothing on stdout); returns stderr.</summary>
    public string Refusal()
    {
        Assert.True(ExitCode == 2, $"exit code {ExitCode}, expected 2; stderr: {Error}");
        Assert.Equal("", Output);
        return Error;
    }
}
