using GoSeqZero.Go.Players;
using GoSeqZero.Trainer.Evaluation;

namespace GoSeqZero.Tests.Trainer.Evaluation;

public sealed class MatchResultsTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"goseqzero-results-{Guid.NewGuid():N}.json");

    public void Dispose() => File.Delete(_path);

    private static GameResult Game(int number, Winner winner, string result) =>
        new(number, $"game-{number:D4}.sgf", new GameSide(0, "random", "random", 10, 1), new GameSide(1, "gnugo:1", "gnugo:1", 10, 1),
            result, winner, 0, GameEnd.TwoPasses, "two passes", 20, 2);

    private static MatchResults Results() =>
        new(MatchResults.CurrentVersion, DateTimeOffset.Now, 9, 7, 243, 60, 1, 3, ["random", "gnugo:1"],
            [Game(1, Winner.Black, "B+1"), Game(2, Winner.White, "W+1"), Game(3, Winner.Draw, "0")]);

    [Fact]
    public void WinnersAreWrittenAsTheWordsBlackWhiteAndDrawAndReadBack()
    {
        Results().Write(_path);

        var text = File.ReadAllText(_path);
        Assert.Contains("\"winner\": \"black\"", text);
        Assert.Contains("\"winner\": \"white\"", text);
        Assert.Contains("\"winner\": \"draw\"", text);
        Assert.Equal([Winner.Black, Winner.White, Winner.Draw], MatchResults.Read(_path).Games.Select(g => g.Winner));
    }

    [Theory]
    [InlineData("\"winner\": \"purple\",")]
    [InlineData("\"winner\": 0,")]
    [InlineData("")]
    public void AGameWhoseWinnerIsMissingOrNotBlackWhiteOrDrawIsRejected(string winner)
    {
        Results().Write(_path);
        File.WriteAllText(_path, File.ReadAllText(_path).Replace("\"winner\": \"white\",", winner));

        var error = Assert.Throws<InvalidDataException>(() => MatchResults.Read(_path));
        Assert.Contains(_path, error.Message);
        Assert.Contains("winner", error.Message);
    }

    [Fact]
    public void AResultsFileWrittenBeforeKindsReadsWithEveryKindUnknownAndSaysSo()
    {
        Results().Write(_path);
        File.WriteAllText(_path, File.ReadAllText(_path).Replace("\n  \"kinds\": null,", ""));
        Assert.DoesNotContain("\"kinds\"", File.ReadAllText(_path));

        var results = MatchResults.Read(_path);

        Assert.Null(results.Kinds);
        Assert.Null(results.KindOf(0));
        Assert.Contains("A = random [kind unknown]", MatchSummary.Format(results));
        Assert.Matches(@"\nA +3 .* \? +-\n", MatchSummary.Format(results));
    }

    [Fact]
    public void FieldsTheReaderDoesNotKnowAreSkippedSoAReaderOfTheSameVersionWithoutKindsStillReadsNewFiles()
    {
        Results().Write(_path);
        File.WriteAllText(_path, File.ReadAllText(_path).Replace("\"programs\":", "\"aFieldOfLater\": [{ \"kind\": \"x\" }],\n  \"programs\":"));

        Assert.Equal(3, MatchResults.Read(_path).Games.Count);
    }

    [Theory]
    [InlineData("{ \"playouts\": { \"perMove\": 3 } }", "kind")]
    [InlineData("{ \"kind\": \"wizard\" }", "kind")]
    public void AKindThatIsMissingOrUnknownIsRejected(string entry, string message)
    {
        (Results() with { Kinds = [new ProgramKind(PlayerKind.Program, null), new ProgramKind(PlayerKind.External, null)] }).Write(_path);
        var text = File.ReadAllText(_path);
        var start = text.IndexOf("\"kinds\"", StringComparison.Ordinal);
        var end = text.IndexOf(']', start) + 1;
        File.WriteAllText(_path, text[..start] + $"\"kinds\": [{entry}, null]" + text[end..]);

        var error = Assert.Throws<InvalidDataException>(() => MatchResults.Read(_path));
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void KindsMustNameEachProgram()
    {
        (Results() with { Kinds = [new ProgramKind(PlayerKind.ModelOnly, null)] }).Write(_path);

        Assert.Contains("1 kinds for 2 programs", Assert.Throws<InvalidDataException>(() => MatchResults.Read(_path)).Message);
    }
}
