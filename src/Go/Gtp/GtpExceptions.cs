namespace GoSeqZero.Go.Gtp;

/// <summary>
/// A conversation with a GTP engine went wrong. The subclasses say how; this type itself is used when the engine
/// could not be started or broke the protocol.
/// </summary>
internal class GtpException(string message, Exception? innerException = null) : Exception(message, innerException);

/// <summary>The engine understood the command and refused it: it answered <c>? message</c>. The engine is still usable.</summary>
internal sealed class GtpErrorException(string engine, string command, string errorMessage)
    : GtpException($"GTP engine {engine} answered '{command}' with the error '{errorMessage}'")
{
    public string Command { get; } = command;
    /// <summary>The text after the '?' of the engine's reply.</summary>
    public string ErrorMessage { get; } = errorMessage;
}

/// <summary>The engine exited or closed its standard output while a command was outstanding.</summary>
internal sealed class GtpEngineExitedException(string message, string command, int? exitCode, IReadOnlyList<string> lastErrorLines)
    : GtpException(message)
{
    public string Command { get; } = command;
    /// <summary>The exit code, or null when the engine closed its output but had to be killed.</summary>
    public int? ExitCode { get; } = exitCode;
    public IReadOnlyList<string> LastErrorLines { get; } = lastErrorLines;
}

/// <summary>The engine did not answer within the time allowed; it has been killed.</summary>
internal sealed class GtpTimeoutException(string engine, string command, TimeSpan timeout)
    : GtpException($"GTP engine {engine} did not answer '{command}' within {timeout.TotalSeconds:0.###} s; it was killed")
{
    public string Command { get; } = command;
    public TimeSpan Timeout { get; } = timeout;
}
