using GoSeqZero.Go.Gtp;

namespace GoSeqZero.Tests.Go.Gtp;

/// <summary>Round trips with a real GNU Go process.</summary>
public class GnuGoClientTests
{
    [Fact]
    public void AnswersIdentityAndKeepsTheStonesItIsToldToPlay()
    {
        using var client = GnuGo.Start(level: 1, seed: 1);
        Assert.Equal("GNU Go", client.Send("name"));
        Assert.Equal("2", client.Send("protocol_version"));
        Assert.Equal("", client.Send("boardsize 9"));
        Assert.Equal("", client.Send("clear_board"));
        Assert.Equal("", client.Send("play b D4"));
        Assert.Equal("", client.Send("play w e5"));
        Assert.Equal("D4", client.Send("list_stones black"));
        Assert.Equal("E5", client.Send("list_stones white"));
    }

    [Fact]
    public void AnIllegalVertexGivesAnErrorReplyWithTheEnginesMessage()
    {
        using var client = GnuGo.Start(level: 1, seed: 1);
        client.Send("boardsize 9");
        var error = Assert.Throws<GtpErrorException>(() => client.Send("play b Z99"));
        Assert.Equal("play b Z99", error.Command);
        Assert.Equal("invalid color or coordinate", error.ErrorMessage);
        Assert.Equal("", client.Send("play b A1"));
    }

    [Fact]
    public void NumberedCommandsGetTheirIdsBack()
    {
        using var client = GnuGo.Start(level: 1, seed: 1);
        Assert.Equal("GNU Go", client.Send(7, "name"));
        Assert.Throws<GtpErrorException>(() => client.Send(8, "play b Z99"));
        Assert.Equal("2", client.Send(9, "protocol_version"));
    }

    [Fact]
    public void AMultiLineReplyKeepsItsLayout()
    {
        using var client = GnuGo.Start(level: 1, seed: 1);
        client.Send("boardsize 5");
        client.Send("play b C3");
        var lines = client.Send("showboard").Split('\n');
        Assert.Equal("   A B C D E", lines[0]);
        Assert.Equal(" 3 . . X . . 3", lines[3]);
        Assert.Equal(7, lines.Length);
    }

    [Fact]
    public void TheLogHookSeesBothSidesOfTheConversation()
    {
        var conversation = new List<string>();
        using (var client = GnuGo.Start(level: 1, seed: 1, log: conversation.Add))
            client.Send("name");
        Assert.Contains("> name", conversation);
        Assert.Contains("< = GNU Go", conversation);
        Assert.Contains("> quit", conversation);
    }

    [Fact]
    public void StartsWithOurRulesLevelAndSeed()
    {
        Assert.Equal(
            ["--mode", "gtp", "--chinese-rules", "--positional-superko", "--capture-all-dead", "--level", "3", "-r", "42"],
            GnuGo.Arguments(3, 42));
    }

    [Fact]
    public void AMissingExecutableSaysWhereItLookedAndHowToInstallIt()
    {
        var exception = Assert.Throws<FileNotFoundException>(() => GnuGo.Start(1, 1, executablePath: "/nonexistent/gnugo"));
        Assert.Contains("GNU Go not found at /nonexistent/gnugo", exception.Message);
        Assert.Contains("apt-get install gnugo", exception.Message);
    }
}
