using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace GoSeqZero.Go.Gtp;

/// <summary>
/// The controller side of a GTP v2 conversation with an engine running as a child process.
/// Every wait is bounded: a command that gets no answer within its timeout kills the engine. Any failure other than
/// an error reply (<c>? message</c>) leaves the conversation out of step, so the engine is killed and the client
/// refuses further commands. One command at a time; not meant to be shared between threads.
/// </summary>
internal sealed class GtpClient : IDisposable
{
    public static readonly TimeSpan DefaultCommandTimeout = TimeSpan.FromSeconds(60);
    /// <summary>How long Dispose waits for the engine to answer <c>quit</c> and exit before killing it.</summary>
    public static readonly TimeSpan QuitTimeout = TimeSpan.FromSeconds(2);
    /// <summary>How long to wait for an engine that closed its output to exit, and for its last stderr lines.</summary>
    private static readonly TimeSpan ExitWait = TimeSpan.FromSeconds(2);
    private const int KeptErrorLines = 20;
    /// <summary>Far below a pipe's capacity, so writing one command can never block (see <see cref="Write"/>).</summary>
    private const int MaxCommandLength = 4096;

    private readonly Process _process;
    private readonly Action<string>? _log;
    private readonly BlockingCollection<string> _outputLines = new();
    private readonly Queue<string> _lastErrorLines = new();
    private readonly Thread _outputPump;
    private readonly Thread _errorPump;
    private readonly Lock _conversation = new();
    private Exception? _outputPumpFailure;
    private Exception? _failure;
    private bool _disposed;

    /// <summary>Starts <paramref name="program"/> with <paramref name="arguments"/>; throws <see cref="GtpException"/> when it cannot be started.</summary>
    public GtpClient(string program, IReadOnlyList<string> arguments, TimeSpan? commandTimeout = null, Action<string>? log = null)
    {
        CommandLine = ShellWords.Join([program, .. arguments]);
        CommandTimeout = commandTimeout ?? DefaultCommandTimeout;
        _log = log;
        var startInfo = new ProcessStartInfo(program)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments) startInfo.ArgumentList.Add(argument);
        try
        {
            _process = Process.Start(startInfo) ?? throw new GtpException($"could not start GTP engine {CommandLine}");
        }
        catch (Win32Exception exception)
        {
            var hint = program.Any(char.IsWhiteSpace)
                ? "; the program name contains spaces: quote only the words that need it, not the whole command line"
                : "; check the path and that it is executable";
            throw new GtpException($"could not start GTP engine {CommandLine}: {exception.Message}{hint}", exception);
        }
        ProcessId = _process.Id;
        _outputPump = new Thread(PumpOutput) { IsBackground = true, Name = "GTP stdout" };
        _errorPump = new Thread(PumpErrors) { IsBackground = true, Name = "GTP stderr" };
        _outputPump.Start();
        _errorPump.Start();
        _log?.Invoke($"started {CommandLine} (pid {ProcessId})");
    }

    /// <summary>Parses <paramref name="commandLine"/> like a shell (see <see cref="ShellWords.Split"/>) and starts it.</summary>
    public static GtpClient Start(string commandLine, TimeSpan? commandTimeout = null, Action<string>? log = null)
    {
        var words = ShellWords.Split(commandLine);
        return new GtpClient(words[0], words.Skip(1).ToArray(), commandTimeout, log);
    }

    /// <summary>The engine's command line, quoted where needed; used in every message.</summary>
    public string CommandLine { get; }
    /// <summary>How long a command may take when <see cref="Send(string, TimeSpan?, CancellationToken)"/> is given no timeout.</summary>
    public TimeSpan CommandTimeout { get; set; }
    public int ProcessId { get; }
    public bool HasExited => _process.HasExited;

    /// <summary>
    /// Sends <paramref name="command"/> and returns the engine's answer (the text after '=', multi-line answers joined
    /// by '\n', surrounding whitespace removed). Throws <see cref="GtpErrorException"/> for an error reply,
    /// <see cref="GtpEngineExitedException"/>, <see cref="GtpTimeoutException"/>, or <see cref="GtpException"/> for a
    /// protocol violation. Cancelling kills the engine too, since its answer would arrive out of step.
    /// </summary>
    public string Send(string command, TimeSpan? timeout = null, CancellationToken cancellation = default) =>
        Exchange(null, command, timeout ?? CommandTimeout, cancellation);

    /// <summary>As <see cref="Send(string, TimeSpan?, CancellationToken)"/>, with a GTP id the engine must echo.</summary>
    public string Send(int id, string command, TimeSpan? timeout = null, CancellationToken cancellation = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(id);
        return Exchange(id, command, timeout ?? CommandTimeout, cancellation);
    }

    private string Exchange(int? id, string command, TimeSpan timeout, CancellationToken cancellation)
    {
        if (string.IsNullOrWhiteSpace(command) || command.Contains('\n') || command.Contains('\r'))
            throw new ArgumentException($"a GTP command is one non-empty line; got '{command.ReplaceLineEndings("\\n")}'", nameof(command));
        if (command.Length > MaxCommandLength)
            throw new ArgumentException($"a GTP command of {command.Length} characters is longer than the {MaxCommandLength} allowed", nameof(command));
        if (timeout <= TimeSpan.Zero || timeout.TotalMilliseconds > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "a GTP command timeout must be positive and finite: every wait is bounded");
        lock (_conversation)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_failure is not null)
                throw new GtpException($"GTP engine {CommandLine} was stopped after an earlier failure ({_failure.Message}); cannot send '{command}'", _failure);
            try
            {
                return Converse(id, command, timeout, cancellation);
            }
            catch (Exception exception) when (exception is not GtpErrorException and not ArgumentException)
            {
                _failure = exception;
                Kill();
                throw;
            }
        }
    }

    private string Converse(int? id, string command, TimeSpan timeout, CancellationToken cancellation)
    {
        var line = id is null ? command : $"{id.Value.ToString(CultureInfo.InvariantCulture)} {command}";
        _log?.Invoke("> " + line);
        var clock = Stopwatch.StartNew();
        TimeSpan Remaining() => timeout > clock.Elapsed ? timeout - clock.Elapsed : TimeSpan.Zero;

        Write(line + "\n", command);

        string first;
        do first = ReadLine(command, timeout, Remaining(), cancellation);
        while (first.Length == 0);
        _log?.Invoke("< " + first);

        var (isError, answerId, firstText) = ParseHead(first, command);
        if (answerId != id)
            throw new GtpException($"GTP engine {CommandLine} answered '{first}' to '{line}': the id should be {(id is null ? "absent" : id.ToString())}");
        var lines = new List<string> { firstText };
        for (var next = ReadLine(command, timeout, Remaining(), cancellation); next.Length > 0; next = ReadLine(command, timeout, Remaining(), cancellation))
        {
            _log?.Invoke("< " + next);
            lines.Add(next);
        }
        _log?.Invoke("<");
        if (lines.Count > 1 && lines[0].Length == 0) lines.RemoveAt(0);
        var text = string.Join('\n', lines).TrimEnd();
        if (isError) throw new GtpErrorException(CommandLine, command, text);
        return text;
    }

    /// <summary>Splits the first line of a reply into its kind, its id and the start of its text.</summary>
    private (bool IsError, int? Id, string Text) ParseHead(string line, string command)
    {
        if (line[0] != '=' && line[0] != '?')
            throw new GtpException($"GTP engine {CommandLine} answered '{line}' to '{command}'; a GTP reply starts with '=' or '?'");
        var digits = 1;
        while (digits < line.Length && char.IsAsciiDigit(line[digits])) digits++;
        if (digits < line.Length && !char.IsWhiteSpace(line[digits]))
            throw new GtpException($"GTP engine {CommandLine} answered '{line}' to '{command}'; after '{line[0]}' and an optional id a space is expected");
        int? id = null;
        if (digits > 1)
        {
            if (!int.TryParse(line.AsSpan(1, digits - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var number))
                throw new GtpException($"GTP engine {CommandLine} answered '{line}' to '{command}'; its id does not fit in an int");
            id = number;
        }
        return (line[0] == '?', id, line[digits..].Trim());
    }

    /// <summary>
    /// Writes synchronously: every command waits for its reply before the next is written, so the pipe never holds
    /// more than one command of at most <see cref="MaxCommandLength"/> characters and the write cannot block.
    /// </summary>
    private void Write(string text, string command)
    {
        var input = _process.StandardInput.BaseStream;
        try
        {
            input.Write(Encoding.UTF8.GetBytes(text));
            input.Flush();
        }
        catch (IOException)
        {
            throw Exited(command);
        }
    }

    private string ReadLine(string command, TimeSpan timeout, TimeSpan remaining, CancellationToken cancellation)
    {
        var milliseconds = (int)Math.Min(int.MaxValue, Math.Ceiling(remaining.TotalMilliseconds));
        if (_outputLines.TryTake(out var line, milliseconds, cancellation)) return line;
        if (_outputLines.IsCompleted) throw Exited(command);
        throw new GtpTimeoutException(CommandLine, command, timeout);
    }

    /// <summary>Describes an engine whose output ended: its exit code and its last stderr lines.</summary>
    private GtpEngineExitedException Exited(string command)
    {
        var exited = _process.WaitForExit(ExitWait);
        if (!exited) Kill();
        _errorPump.Join(ExitWait);
        int? exitCode = exited ? _process.ExitCode : null;
        string[] lastErrorLines;
        lock (_lastErrorLines) lastErrorLines = [.. _lastErrorLines];
        var message = new StringBuilder($"GTP engine {CommandLine} ");
        message.Append(exited ? $"exited with code {exitCode}" : "closed its output without exiting and was killed");
        message.Append($" while answering '{command}'");
        if (_outputPumpFailure is not null) message.Append($" (reading its output failed: {_outputPumpFailure.Message})");
        message.Append(lastErrorLines.Length == 0
            ? "; it wrote nothing to stderr"
            : $"; its last stderr lines:{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", lastErrorLines));
        return new GtpEngineExitedException(message.ToString(), command, exitCode, lastErrorLines);
    }

    /// <summary>Collects stdout lines; splits on LF only and drops CR and other control characters (tab becomes a space), as GTP asks.</summary>
    private void PumpOutput()
    {
        var reader = _process.StandardOutput;
        var buffer = new char[4096];
        var line = new StringBuilder();
        try
        {
            int count;
            while ((count = reader.Read(buffer, 0, buffer.Length)) > 0)
            {
                foreach (var character in buffer.AsSpan(0, count))
                {
                    if (character == '\n')
                    {
                        _outputLines.Add(line.ToString());
                        line.Clear();
                    }
                    else if (character == '\t') line.Append(' ');
                    else if (!char.IsControl(character)) line.Append(character);
                }
            }
        }
        catch (Exception exception) when (exception is IOException or ObjectDisposedException)
        {
            _outputPumpFailure = exception;
        }
        finally
        {
            _outputLines.CompleteAdding();
        }
    }

    /// <summary>Drains stderr so the engine never blocks on a full pipe, keeping the last lines for error messages.</summary>
    private void PumpErrors()
    {
        var reader = _process.StandardError;
        try
        {
            for (var line = reader.ReadLine(); line is not null; line = reader.ReadLine())
            {
                lock (_lastErrorLines)
                {
                    if (_lastErrorLines.Count == KeptErrorLines) _lastErrorLines.Dequeue();
                    _lastErrorLines.Enqueue(line);
                }
            }
        }
        catch (Exception exception) when (exception is IOException or ObjectDisposedException)
        {
            lock (_lastErrorLines) _lastErrorLines.Enqueue($"(reading stderr failed: {exception.Message})");
        }
    }

    private void Kill()
    {
        if (_process.HasExited) return;
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Nothing to kill: the process exited between our check and the kill.
        }
        _process.WaitForExit(ExitWait);
        _log?.Invoke($"killed {CommandLine}");
    }

    /// <summary>Asks the engine to quit, waits briefly, then kills its whole process tree if it is still running.</summary>
    public void Dispose()
    {
        lock (_conversation)
        {
            if (_disposed) return;
            if (_failure is null && !_process.HasExited)
            {
                try
                {
                    Converse(null, "quit", QuitTimeout, CancellationToken.None);
                }
                catch (GtpException exception)
                {
                    _log?.Invoke($"quit failed, killing the engine: {exception.Message}");
                    Kill();
                }
            }
            _disposed = true;
            if (!_process.WaitForExit(QuitTimeout)) Kill();
            _outputPump.Join(ExitWait);
            _errorPump.Join(ExitWait);
            _process.Dispose();
        }
    }
}
