using GoSeqZero.Go.Gtp;

namespace GoSeqZero.Tests.Go.Gtp;

public class ShellWordsTests
{
    [Theory]
    [InlineData("/usr/games/gnugo --mode gtp --level 3", new[] { "/usr/games/gnugo", "--mode", "gtp", "--level", "3" })]
    [InlineData("  engine \t  a   b  ", new[] { "engine", "a", "b" })]
    [InlineData("/bin/sh -c 'sleep 30; echo \"done\"'", new[] { "/bin/sh", "-c", "sleep 30; echo \"done\"" })]
    [InlineData("prog \"two words\" \"a \\\"quote\\\" and \\\\ and \\n\"", new[] { "prog", "two words", "a \"quote\" and \\ and \\n" })]
    [InlineData("my\\ engine x'y'\"z\" ''", new[] { "my engine", "xyz", "" })]
    public void SplitsLikeAShell(string commandLine, string[] expected) =>
        Assert.Equal(expected, ShellWords.Split(commandLine));

    [Theory]
    [InlineData("engine 'unclosed", "unterminated ' quote at column 8")]
    [InlineData("engine \"unclosed", "unterminated \" quote at column 8")]
    [InlineData("engine \\", "lone backslash")]
    [InlineData("   ", "empty")]
    public void RejectsMalformedCommandLinesSayingWhere(string commandLine, string expectedMessagePart)
    {
        var exception = Assert.Throws<FormatException>(() => ShellWords.Split(commandLine));
        Assert.Contains(expectedMessagePart, exception.Message);
    }

    [Fact]
    public void JoinQuotesOnlyWordsThatNeedItAndSplitsBackToTheSameWords()
    {
        string[] words = ["/usr/games/gnugo", "--level", "3", "two words", "it's", ""];
        var joined = ShellWords.Join(words);
        Assert.Equal("/usr/games/gnugo --level 3 'two words' 'it'\\''s' ''", joined);
        Assert.Equal(words, ShellWords.Split(joined));
    }
}
