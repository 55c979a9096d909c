using GoSeqZero.Tests.Trainer.Cli;

namespace GoSeqZero.Tests.Go.Gtp;

/// <summary>The built <c>goseqzero gtp</c> program as a controller sees it: a process on stdin/stdout.</summary>
public class GtpEngineProcessTests
{
    private static readonly TimeSpan ExitBound = TimeSpan.FromSeconds(60);

    /// <summary>Runs the program with <paramref name="input"/> as its stdin.</summary>
    private static ProgramRun RunGoSeqZero(string input, params string[] arguments) =>
        GoSeqZeroProcess.Run(ExitBound, arguments, input);

    [Fact]
    public void AnswersCommandsAndGarbageOnStdoutAndExitsWithZeroOnQuit()
    {
        var input = "1 name\nprotocol_version\nfly me to the moon\n\n# comment\nboardsize 9\nplay b D4\nplay w D4\nplay b Z99\n"
            + "7 genmove w\nlist_stones b\n\u0003\u0004garbage\t\t\nquit\nname\n";
        var (exitCode, output, error) = RunGoSeqZero(input, "gtp", "--player", "random", "--seed", "5");
        Assert.Equal(0, exitCode);
        var responses = output[..^2].Split("\n\n");
        Assert.Equal(11, responses.Length);
        Assert.Equal("=1 GoSeqZero", responses[0]);
        Assert.Equal("= 2", responses[1]);
        Assert.Equal("? unknown command", responses[2]);
        Assert.Equal("= ", responses[3]);
        Assert.Equal("= ", responses[4]);
        Assert.Equal("? illegal move", responses[5]);
        Assert.StartsWith("? syntax error: 'Z99' is not a vertex", responses[6]);
        Assert.Matches("^=7 ([A-HJ][1-9]|pass)$", responses[7]);
        Assert.Equal("= D4", responses[8]);
        Assert.Equal("? unknown command", responses[9]);
        Assert.Equal("= ", responses[10]);
        Assert.EndsWith("\n\n", output);
        Assert.Contains("seed 5", error);
    }

    [Fact]
    public void ExitsWithZeroWhenTheInputEndsWithoutQuit()
    {
        var (exitCode, output, _) = RunGoSeqZero("name\n", "gtp", "--size", "9", "--komi", "6.5");
        Assert.Equal(0, exitCode);
        Assert.Equal("= GoSeqZero\n\n", output);
    }

    [Fact]
    public void AnUnknownPlayerIsRefusedOnStderrWithExitCodeTwo()
    {
        var error = RunGoSeqZero("name\n", "gtp", "--player", "oracle").Refusal();
        Assert.Contains("unknown player 'oracle'; known players: random", error);
    }

    [Fact]
    public void ABoardSizeOutsideTwoToNineteenIsRefusedWithExitCodeTwo()
    {
        var error = RunGoSeqZero("name\n", "gtp", "--size", "25").Refusal();
        Assert.Contains("--size 25", error);
    }

    [Theory]
    [InlineData("gnugo:3", "GNU Go not found at /nonexistent (from $GNUGO)")]
    [InlineData("gtp:\"/nonexistent/x\"", "could not start GTP engine /nonexistent/x")]
    [InlineData("gtp:\"/usr/games/gnugo --mode 'gtp\"", "unterminated")]
    public void APlayerThatCannotStartIsRefusedInOneLineOnStderrWithExitCodeTwo(string player, string reason)
    {
        var error = GoSeqZeroProcess.Run(ExitBound, ["gtp", "--player", player], "name\n", new Dictionary<string, string> { ["GNUGO"] = "/nonexistent" }).Refusal();
        var line = Assert.Single(error.TrimEnd('\n').Split('\n'));
        Assert.StartsWith("--player: ", line);
        Assert.Contains(reason, line);
    }

    [Theory]
    [InlineData("1e308")]
    [InlineData("-1000.5")]
    public void AKomiBeyondAThousandIsRefusedWithExitCodeTwo(string komi)
    {
        var error = RunGoSeqZero("name\n", "gtp", "--komi", komi).Refusal();
        Assert.Contains("--komi", error);
        Assert.Contains("between -1000 and 1000", error);
    }
}
