using System.Diagnostics;
using GoSeqZero.Go.Gtp;

namespace GoSeqZero.Tests.Go.Gtp;

/// <summary>The client against scripted engines that misbehave on purpose (tests/Data/Gtp/fake-engine.sh).</summary>
public class GtpClientTests
{
    private static readonly string FakeEngine = Path.Combine(AppContext.BaseDirectory, "Data", "Gtp", "fake-engine.sh");
    /// <summary>Generous bound on how long a failing call may take: its timeout plus kill and clean-up.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private static GtpClient StartFake(string mode, string genmoveAnswer = "pass", Action<string>? log = null) =>
        new("/bin/sh", [FakeEngine, mode, genmoveAnswer], TimeSpan.FromSeconds(10), log);

    [Fact]
    public void TrimsRepliesAndIgnoresCarriageReturns()
    {
        using var client = StartFake("quirky");
        Assert.Equal("Fake Engine", client.Send("name"));
        Assert.Equal("", client.Send("clear_board"));
    }

    [Fact]
    public void JoinsMultiLineRepliesKeepingTheirIndentationAndTurningTabsIntoSpaces()
    {
        using var client = StartFake("quirky");
        Assert.Equal("  A B\n2 . X\n1 . .", client.Send("board"));
    }

    [Fact]
    public void SkipsBlankLinesBeforeAReply()
    {
        using var client = StartFake("quirky");
        Assert.Equal("late", client.Send("late"));
        Assert.Equal("Fake Engine", client.Send("name"));
    }

    [Fact]
    public void MatchesTheEchoedIdOfANumberedCommand()
    {
        using var client = StartFake("quirky");
        Assert.Equal("Fake Engine", client.Send(12, "name"));
        var error = Assert.Throws<GtpErrorException>(() => client.Send(13, "fly"));
        Assert.Equal("unknown command", error.ErrorMessage);
    }

    [Fact]
    public void AReplyWithTheWrongIdIsAProtocolErrorThatStopsTheEngine()
    {
        using var client = StartFake("quirky");
        var exception = Assert.Throws<GtpException>(() => client.Send(5, "wrongid"));
        Assert.Contains("'=99 wrong'", exception.Message);
        Assert.Contains("the id should be 5", exception.Message);
        Assert.True(client.HasExited);
        var refused = Assert.Throws<GtpException>(() => client.Send("name"));
        Assert.Contains("earlier failure", refused.Message);
    }

    [Fact]
    public void AReplyThatIsNotGtpIsAProtocolError()
    {
        using var client = StartFake("quirky");
        var exception = Assert.Throws<GtpException>(() => client.Send("garbage"));
        Assert.Contains("answered 'hello there' to 'garbage'", exception.Message);
        Assert.Contains("starts with '=' or '?'", exception.Message);
    }

    [Fact]
    public void AnErrorReplyNamesTheCommandAndKeepsTheEngineUsable()
    {
        using var client = StartFake("quirky");
        var error = Assert.Throws<GtpErrorException>(() => client.Send("fly away"));
        Assert.Equal("fly away", error.Command);
        Assert.Equal("unknown command", error.ErrorMessage);
        Assert.Contains("'fly away'", error.Message);
        Assert.Equal("Fake Engine", client.Send("name"));
    }

    [Fact]
    public void AnEngineThatStopsAnsweringTimesOutWithinTheBoundAndIsKilled()
    {
        using var client = StartFake("hang");
        Assert.Equal("Fake Engine", client.Send("name"));
        var clock = Stopwatch.StartNew();
        var exception = Assert.Throws<GtpTimeoutException>(() => client.Send("genmove b", TimeSpan.FromMilliseconds(300)));
        Assert.True(clock.Elapsed < Bound, $"took {clock.Elapsed}");
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(300), $"gave up after {clock.Elapsed}");
        Assert.Equal("genmove b", exception.Command);
        Assert.Contains("did not answer 'genmove b' within 0.3 s", exception.Message);
        Assert.True(client.HasExited);
    }

    [Fact]
    public void AnEngineThatNeverAnswersTimesOutOnItsFirstCommand()
    {
        using var client = GtpClient.Start("/bin/sh -c 'sleep 30'", TimeSpan.FromMilliseconds(300));
        var clock = Stopwatch.StartNew();
        var exception = Assert.Throws<GtpTimeoutException>(() => client.Send("name"));
        Assert.True(clock.Elapsed < Bound, $"took {clock.Elapsed}");
        Assert.Equal(TimeSpan.FromMilliseconds(300), exception.Timeout);
    }

    [Fact]
    public void AnEngineThatExitsMidConversationReportsTheCommandExitCodeAndStderr()
    {
        using var client = StartFake("exit3");
        Assert.Equal("Fake Engine", client.Send("name"));
        var clock = Stopwatch.StartNew();
        var exception = Assert.Throws<GtpEngineExitedException>(() => client.Send("genmove b"));
        Assert.True(clock.Elapsed < Bound, $"took {clock.Elapsed}");
        Assert.Equal("genmove b", exception.Command);
        Assert.Equal(3, exception.ExitCode);
        Assert.Equal(["fake engine: cannot handle 'genmove b'"], exception.LastErrorLines);
        Assert.Contains("exited with code 3 while answering 'genmove b'", exception.Message);
        Assert.Contains("fake engine: cannot handle 'genmove b'", exception.Message);
    }

    [Fact]
    public void AnEngineThatDiesAtStartReportsItsStderr()
    {
        using var client = GtpClient.Start("/bin/sh -c 'echo \"no weights file\" >&2; exit 4'");
        var exception = Assert.Throws<GtpEngineExitedException>(() => client.Send("name"));
        Assert.Equal(4, exception.ExitCode);
        Assert.Contains("no weights file", exception.Message);
    }

    [Fact]
    public void CancellingAWaitKillsTheEngineAndReturnsPromptly()
    {
        using var client = StartFake("hang");
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var clock = Stopwatch.StartNew();
        Assert.ThrowsAny<OperationCanceledException>(() => client.Send("genmove b", cancellation: cancellation.Token));
        Assert.True(clock.Elapsed < Bound, $"took {clock.Elapsed}");
        Assert.True(client.HasExited);
    }

    [Fact]
    public void DisposeKillsAnEngineThatIgnoresQuitWithinTheBound()
    {
        var client = GtpClient.Start("/bin/sh -c 'sleep 30'");
        var processId = client.ProcessId;
        var clock = Stopwatch.StartNew();
        client.Dispose();
        Assert.True(clock.Elapsed < Bound, $"took {clock.Elapsed}");
        Assert.Throws<ArgumentException>(() => Process.GetProcessById(processId));
    }

    [Fact]
    public void DisposeLetsAWellBehavedEngineQuit()
    {
        var conversation = new List<string>();
        var client = StartFake("quirky", log: conversation.Add);
        client.Dispose();
        Assert.Contains("> quit", conversation);
        Assert.DoesNotContain(conversation, line => line.StartsWith("killed", StringComparison.Ordinal));
    }

    [Fact]
    public void AProgramThatCannotBeStartedIsReportedWithItsPath()
    {
        var exception = Assert.Throws<GtpException>(() => GtpClient.Start("/nonexistent/engine --mode gtp"));
        Assert.Contains("could not start GTP engine /nonexistent/engine --mode gtp", exception.Message);
    }

    [Fact]
    public void AWholeCommandLineQuotedAsOneWordGetsAHint()
    {
        var exception = Assert.Throws<GtpException>(() => GtpClient.Start("\"/nonexistent/engine --mode gtp\""));
        Assert.Contains("quote only the words that need it", exception.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData("name\nquit")]
    [InlineData("name\r")]
    public void RefusesCommandsThatAreNotOneLine(string command)
    {
        using var client = StartFake("quirky");
        Assert.Throws<ArgumentException>(() => client.Send(command));
        Assert.Equal("Fake Engine", client.Send("name"));
    }

    [Fact]
    public void RefusesCommandsLongerThanAPipeCanSafelyHold()
    {
        using var client = StartFake("quirky");
        var exception = Assert.Throws<ArgumentException>(() => client.Send("name " + new string('x', 5000)));
        Assert.Contains("5005 characters is longer than the 4096 allowed", exception.Message);
    }
}
