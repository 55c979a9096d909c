using GoSeqZero.Trainer.Cli;

namespace GoSeqZero.Tests.Trainer.Evaluation;

/// <summary>The match command's checks of its options, before and around the match it runs.</summary>
public class MatchCommandTests
{
    private static (int ExitCode, string Errors) Run(MatchCommand command)
    {
        var errors = new StringWriter();
        var exitCode = command.Run(TextWriter.Null, errors);
        return (exitCode, errors.ToString());
    }

    [Fact]
    public void AnOutputFolderThatCannotBeCreatedIsReportedWithExitCodeTwo()
    {
        var (exitCode, errors) = Run(new MatchCommand { Black = "random", White = "random", Games = 1, Size = 5, Seed = 1, Out = "/proc/forbidden" });

        Assert.Equal(2, exitCode);
        Assert.Contains("match: --out /proc/forbidden: cannot create or write: ", errors);
        Assert.DoesNotContain("   at ", errors);
    }

    [Theory]
    [InlineData(1e7)]
    [InlineData(86400.5)]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(double.NaN)]
    public void AMoveTimeLimitThatIsNotPositiveOrLongerThanADayIsRefused(double seconds)
    {
        var (exitCode, errors) = Run(new MatchCommand { Black = "random", White = "random", Games = 1, Size = 5, MoveTimeLimit = seconds, Out = "/proc/forbidden" });

        Assert.Equal(2, exitCode);
        Assert.Contains("--move-time-limit", errors);
        Assert.Contains("more than 0 and at most 86400", errors);
    }

    [Theory]
    [InlineData(double.NaN, "--komi NaN is not a komi")]
    [InlineData(double.PositiveInfinity, "--komi Infinity is not a komi")]
    [InlineData(1000.5, "--komi 1000.5 is not a komi")]
    public void AKomiThatIsNotFiniteOrBeyondAThousandIsRefused(double komi, string message)
    {
        var (exitCode, errors) = Run(new MatchCommand { Black = "random", White = "random", Games = 1, Size = 5, Komi = komi, Out = "/proc/forbidden" });

        Assert.Equal(2, exitCode);
        Assert.Contains(message, errors);
        Assert.Contains("use a number between -1000 and 1000", errors);
    }

    [Theory]
    [InlineData("uct:100", "random")]
    [InlineData("gnugo:1", " UCT:50")]
    public void AMatchWithAUctPlayerPlaysOneGameAtATimeByDefault(string black, string white)
    {
        Assert.Equal(1, MatchCommand.DefaultParallel(black, white));
    }

    [Fact]
    public void AMatchWithoutUctPlayersPlaysOneGamePerCoreByDefault()
    {
        Assert.Equal(Environment.ProcessorCount, MatchCommand.DefaultParallel("random", "gnugo:1"));
    }
}
