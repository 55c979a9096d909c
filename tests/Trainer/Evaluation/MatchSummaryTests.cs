using GoSeqZero.Trainer.Evaluation;

namespace GoSeqZero.Tests.Trainer.Evaluation;

public class MatchSummaryTests
{
    private static GameResult Game(int number, int blackProgram, Winner winner, GameEnd end = GameEnd.TwoPasses) =>
        new(number, $"game-{number:D4}.sgf",
            new GameSide(blackProgram, blackProgram == 0 ? "uct:100" : "random", blackProgram == 0 ? "uct:100" : "random", 10, 1.0),
            new GameSide(1 - blackProgram, blackProgram == 0 ? "random" : "uct:100", blackProgram == 0 ? "random" : "uct:100", 10, 3.0),
            winner == Winner.Draw ? "0" : $"{(winner == Winner.Black ? 'B' : 'W')}+1", winner, 0, end, "", 20, 1);

    [Fact]
    public void CountsWinsPerProgramAndColourWithDrawsAsHalf()
    {
        // A (uct:100) is Black in games 1 and 3: wins game 1, draws game 3; as White wins game 2, loses game 4.
        var results = new MatchResults(MatchResults.CurrentVersion, DateTimeOffset.Now, 9, 7, 243, 60, 1, 4, ["uct:100", "random"],
            [Game(1, 0, Winner.Black), Game(2, 1, Winner.White), Game(3, 0, Winner.Draw), Game(4, 1, Winner.Black)]);

        var summary = MatchSummary.Summarize(results);
        var a = summary[0];
        Assert.Equal((4, 2.5, 2, 1.5, 2, 1.0), (a.Games, a.Score, a.BlackGames, a.BlackScore, a.WhiteGames, a.WhiteScore));
        Assert.Equal(Elo.Estimate(2.5, 4), a.Estimate);
        // A thought 1 s in each of its 2 games as Black and 3 s in each as White, over 40 moves.
        Assert.Equal(8.0 / 40, a.SecondsPerMove, 12);
        Assert.Equal(1.5, summary[1].Score);

        var text = MatchSummary.Format(results);
        Assert.Contains("A wins 2.5 of 4; as black 1.5/2, as white 1/2", text);
        Assert.Contains("B wins 1.5 of 4; as black 1/2, as white 0.5/2", text);
        Assert.Contains("draws: 1", text);
    }
}
