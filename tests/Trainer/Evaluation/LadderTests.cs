using GoSeqZero.Trainer.Evaluation;

namespace GoSeqZero.Tests.Trainer.Evaluation;

public class LadderTests
{
    /// <summary><paramref name="games"/> games per pair, each won with the probability the true ratings give.</summary>
    private static List<GameOutcome> Synthetic(IReadOnlyDictionary<string, double> trueRatings, int games, int seed)
    {
        var random = new Random(seed);
        var names = trueRatings.Keys.ToArray();
        var outcomes = new List<GameOutcome>();
        for (var i = 0; i < names.Length; i++)
            for (var j = i + 1; j < names.Length; j++)
            {
                var expected = Elo.ToWinRate(trueRatings[names[i]] - trueRatings[names[j]]);
                for (var game = 0; game < games; game++)
                    outcomes.Add(new GameOutcome(names[i], names[j], random.NextDouble() < expected ? 1 : 0));
            }
        return outcomes;
    }

    [Fact]
    public void RecoversKnownRatingsFromSyntheticGames()
    {
        var truth = new Dictionary<string, double> { ["random"] = 0, ["uct:100"] = 250, ["uct:1000"] = 500, ["gnugo:1"] = 700 };
        var ratings = Ladder.Fit(Synthetic(truth, 600, seed: 7), new Anchor("random", 0));

        Assert.False(ratings.PriorAdded);
        Assert.Equal(["gnugo:1", "uct:1000", "uct:100", "random"], ratings.Players.Select(p => p.Player));
        foreach (var player in ratings.Players)
        {
            Assert.Equal(1800, player.Games);
            if (player.Player == "random")
            {
                Assert.Equal(0, player.Rating, 9);
                Assert.Equal(0, player.StandardError);
                continue;
            }
            // With 600 games a pair the errors are about 15–25 Elo; the estimate must lie within three of them.
            Assert.InRange(player.StandardError, 8, 40);
            Assert.InRange(player.Rating - truth[player.Player], -3 * player.StandardError, 3 * player.StandardError);
        }
    }

    [Fact]
    public void TheAnchorIsFixedAtItsRatingAndOnlyShiftsTheOthers()
    {
        var truth = new Dictionary<string, double> { ["a"] = 0, ["b"] = 150, ["c"] = 300 };
        var games = Synthetic(truth, 200, seed: 3);
        var atZero = Ladder.Fit(games, new Anchor("a", 0)).Players.ToDictionary(p => p.Player);
        var atB = Ladder.Fit(games, Anchor.Parse("b=1950")).Players.ToDictionary(p => p.Player);

        Assert.Equal(1950, atB["b"].Rating, 9);
        Assert.Equal(0, atB["b"].StandardError);
        foreach (var name in truth.Keys)
            Assert.Equal(atZero[name].Rating - atZero["b"].Rating + 1950, atB[name].Rating, 6);
    }

    [Fact]
    public void TwoPlayersGetTheEloOfTheirWinRateAndTheTextbookStandardError()
    {
        // 30 wins in 40 games: the MLE difference is 400·log10(3); its standard error is
        // (400/ln 10)/sqrt(n·p·(1 − p)) = 173.7178/sqrt(7.5) = 63.4328.
        var games = Enumerable.Range(0, 40).Select(i => new GameOutcome("strong", "weak", i < 30 ? 1 : 0));
        var strong = Ladder.Fit(games, new Anchor("weak", 100)).Players.Single(p => p.Player == "strong");

        Assert.Equal(100 + 190.848502, strong.Rating, 4);
        Assert.Equal(63.4328, strong.StandardError, 3);
        Assert.Equal(30, strong.Score);
    }

    [Fact]
    public void DrawsCountAsHalfAWin()
    {
        // 10 wins, 20 draws, 10 losses is an even score: equal ratings.
        var games = Enumerable.Range(0, 40).Select(i => new GameOutcome("x", "y", i < 10 ? 1 : i < 30 ? 0.5 : 0));
        var ratings = Ladder.Fit(games, new Anchor("y", 0));
        Assert.Equal(0, ratings.Players.Single(p => p.Player == "x").Rating, 6);
    }

    [Fact]
    public void APlayerThatWonEveryGameGetsAFiniteRatingThroughTheVirtualDraw()
    {
        // Undefeated: without the prior its rating would be infinite. One virtual draw against the anchor with
        // 10 real wins is 10.5 of 11, so its rating is 400·log10(10.5/0.5) = 528.9.
        var games = Enumerable.Range(0, 10).Select(_ => new GameOutcome("champion", "random", 1));
        var ratings = Ladder.Fit(games, new Anchor("random", 0));

        Assert.True(ratings.PriorAdded);
        var champion = ratings.Players.Single(p => p.Player == "champion");
        Assert.Equal(400 * Math.Log10(21), champion.Rating, 6);
        Assert.Equal(10, champion.Games);
        Assert.True(double.IsFinite(champion.StandardError) && champion.StandardError > 0);
    }

    [Fact]
    public void GamesOfAPlayerAgainstItselfAreSkipped()
    {
        var games = new[]
        {
            new GameOutcome("random", "random", 1),
            new GameOutcome("uct", "random", 1),
            new GameOutcome("uct", "random", 0),
        };
        var ratings = Ladder.Fit(games, new Anchor("random", 0));
        Assert.Equal(1, ratings.SelfPlayGamesSkipped);
        Assert.Equal(2, ratings.GamesUsed);
        Assert.Equal(0, ratings.Players.Single(p => p.Player == "uct").Rating, 6);
    }

    [Fact]
    public void AnAnchorThatPlayedNoGameIsAnErrorNamingThePlayersFound()
    {
        var games = new[] { new GameOutcome("a", "b", 1), new GameOutcome("a", "b", 0) };
        var error = Assert.Throws<ArgumentException>(() => Ladder.Fit(games, new Anchor("random", 0)));
        Assert.Contains("'random'", error.Message);
        Assert.Contains("'a', 'b'", error.Message);
    }

    [Theory]
    [InlineData("random=0", "random", 0)]
    [InlineData("gnugo:10=1950", "gnugo:10", 1950)]
    [InlineData("gtp:\"engine --x=1\"=-20.5", "gtp:\"engine --x=1\"", -20.5)]
    [InlineData(" GNUGO:10=1950", "gnugo:10", 1950)]
    public void AnchorParsesPlayerAndRatingAtTheLastEqualsSign(string text, string player, double rating)
    {
        Assert.Equal(new Anchor(player, rating), Anchor.Parse(text));
    }

    [Theory]
    [InlineData("random")]
    [InlineData("=100")]
    [InlineData(" =100")]
    [InlineData("random=strong")]
    public void AMalformedAnchorIsRejected(string text)
    {
        Assert.Throws<FormatException>(() => Anchor.Parse(text));
    }

    [Fact]
    public void SpecsReadFromResultsAreNormalizedSoOnePlayerWrittenTwoWaysIsOnePlayer()
    {
        GameResult Game(int number, string blackSpec, string whiteSpec) =>
            new(number, $"game-{number:D4}.sgf", new GameSide(0, blackSpec, blackSpec, 10, 1), new GameSide(1, whiteSpec, whiteSpec, 10, 1),
                "B+R", Winner.Black, null, GameEnd.Resign, "White resigned", 20, 2);
        var results = new MatchResults(MatchResults.CurrentVersion, DateTimeOffset.Now, 9, 7, 243, 60, 1, 2,
            [" GNUGO:10", "random"], [Game(1, " GNUGO:10", "random"), Game(2, "gnugo:10", "Random ")]);

        var outcomes = ResultFiles.Outcomes(results).ToArray();

        Assert.Equal([new GameOutcome("gnugo:10", "random", 1), new GameOutcome("gnugo:10", "random", 1)], outcomes);
    }
}
