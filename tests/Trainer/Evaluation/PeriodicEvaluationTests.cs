using GoSeqZero.Go.Players;
using GoSeqZero.Trainer.Evaluation;

namespace GoSeqZero.Tests.Trainer.Evaluation;

/// <summary>The evaluation's summary and metrics name what did the work behind each player (the runs themselves: TrainingRunTests).</summary>
public class PeriodicEvaluationTests
{
    private static readonly ProgramKind Assisted = new(PlayerKind.PlayoutAssisted, PlayoutBudget.ForSearchedMoves(4, 16));
    private static readonly ProgramKind ModelOnly = new(PlayerKind.ModelOnly, null);
    private static readonly ProgramKind Program = new(PlayerKind.Program, null);

    private static EvaluationMatch Match(string player, ProgramKind? kind, string opponent, double winRate) =>
        new(player, opponent, 20, winRate * 20, Elo.Estimate(winRate * 20, 20), $"evaluations/step-000200/{player}-vs-{opponent}", kind, Program);

    private static EvaluationResult Result(LadderRatings? ladder = null) => new(200, 5,
        [Match("prior", ModelOnly, "random", 0.7), Match("prior", ModelOnly, "step-000000", 0.6),
         Match("search", Assisted, "random", 0.95), Match("search", Assisted, "step-000000", 1)],
        ladder, [], new Dictionary<string, PlayerKind> { ["step-000200"] = PlayerKind.PlayoutAssisted, ["random"] = PlayerKind.Program });

    private static LadderRatings Ratings() => new(
        [new PlayerRating("step-000200", 40, 39, 310.4, 50), new PlayerRating("step-000200:prior", 40, 26, 120, 40), new PlayerRating("random", 40, 15, 0, 0)],
        new Anchor("random", 0), PriorAdded: false, GamesUsed: 80, SelfPlayGamesSkipped: 0);

    [Fact]
    public void TheSummaryNamesEachPlayerWithItsKindThenItsOpponentsAndTheMainPlayersElo()
    {
        Assert.Equal("@200: prior[model-only] vs random 70%, step-000000 60%; search[assisted] vs random 95%, step-000000 100%, Elo 310",
            Result(Ratings()).Summary());
        Assert.Equal("@200: prior[model-only] vs random 70%, step-000000 60%; search[assisted] vs random 95%, step-000000 100%", Result().Summary());
    }

    [Fact]
    public void APlayerThatNeverStartedIsNamedWithoutAKind()
    {
        var result = new EvaluationResult(200, 5, [Match("search-tree", null, "random", 0)], null, []);

        Assert.Equal("@200: search-tree vs random 0%", result.Summary());
    }

    [Fact]
    public void MetricsCarryTheKindOfEachPlayerOpponentAndRatedPlayer()
    {
        var json = Result(Ratings()).ToJson();

        var matches = json["matches"]!.AsArray();
        Assert.Equal(["model-only", "model-only", "assisted", "assisted"], matches.Select(m => m!["player_kind"]!.GetValue<string>()));
        Assert.Equal([null, null, 64, 64], matches.Select(m => m!["player_playouts_per_move"]?.GetValue<int>()));
        Assert.All(matches, m => Assert.Equal("program", m!["opponent_kind"]!.GetValue<string>()));
        var ratings = json["ladder"]!["ratings"]!.AsArray().ToDictionary(r => r!["player"]!.GetValue<string>(), r => r!["kind"]?.GetValue<string>());
        Assert.Equal("assisted", ratings["step-000200"]);
        Assert.Equal("program", ratings["random"]);
        Assert.Null(ratings["step-000200:prior"]); // not in the kinds given
    }
}
