using System.Globalization;
using System.Text.Json.Nodes;

namespace GoSeqZero.Trainer.Training;

/// <summary>Totals over the whole run, kept in the checkpoint so a resumed run counts on.</summary>
internal sealed class RunTotals
{
    public long GamesStarted { get; set; }
    public long GamesFinished { get; set; }
    public long BlackWins { get; set; }
    public long Draws { get; set; }
    public long MovesPlayed { get; set; }
    public long MovesOfFinishedGames { get; set; }
    public long TokensSearched { get; set; }
    public long TokensTrained { get; set; }
    public double Seconds { get; set; }

    public void WriteTo(JsonObject json)
    {
        json["games_started"] = GamesStarted;
        json["games_finished"] = GamesFinished;
        json["black_wins"] = BlackWins;
        json["draws"] = Draws;
        json["moves_played"] = MovesPlayed;
        json["moves_of_finished_games"] = MovesOfFinishedGames;
        json["tokens_searched"] = TokensSearched;
        json["tokens_trained"] = TokensTrained;
        json["seconds"] = Seconds;
    }

    /// <exception cref="InvalidDataException">A total is missing or not a number.</exception>
    public static RunTotals ReadFrom(JsonObject json, string source)
    {
        T Read<T>(string name)
        {
            try
            {
                return json[name] is { } node ? node.GetValue<T>() : throw new InvalidDataException($"{source}: the trainer state has no '{name}'");
            }
            catch (Exception error) when (error is FormatException or InvalidOperationException)
            {
                throw new InvalidDataException($"{source}: the trainer state's '{name}' is not a {typeof(T).Name}", error);
            }
        }
        return new RunTotals
        {
            GamesStarted = Read<long>("games_started"),
            GamesFinished = Read<long>("games_finished"),
            BlackWins = Read<long>("black_wins"),
            Draws = Read<long>("draws"),
            MovesPlayed = Read<long>("moves_played"),
            MovesOfFinishedGames = Read<long>("moves_of_finished_games"),
            TokensSearched = Read<long>("tokens_searched"),
            TokensTrained = Read<long>("tokens_trained"),
            Seconds = Read<double>("seconds"),
        };
    }
}

/// <summary>What one training step did: a line of metrics.jsonl and the source of the progress line.</summary>
internal sealed record StepReport
{
    public required long Step { get; init; }
    public required int BoardSize { get; init; }
    public required double StepSeconds { get; init; }
    public required double SearchSeconds { get; init; }
    public required double LearnSeconds { get; init; }
    public required long SearchTokens { get; init; }
    public required long ModelTokens { get; init; }
    public required long TrainTokens { get; init; }
    public required int Sequences { get; init; }
    public required int ReplayedSteps { get; init; }
    public required float Loss { get; init; }
    public required LossBreakdown Losses { get; init; }
    public required float GradientNorm { get; init; }
    public required float LearningRate { get; init; }

    /// <summary>Share of imagined board points equal to the rules engine's; NaN without imagined boards this step.</summary>
    public required double ImaginedAccuracy { get; init; }

    public required int GamesFinishedNow { get; init; }
    public required RunTotals Totals { get; init; }
    public required int ReplaySize { get; init; }

    public double SearchTokensPerSecond => SearchSeconds > 0 ? SearchTokens / SearchSeconds : 0;
    public double TrainTokensPerSecond => LearnSeconds > 0 ? TrainTokens / LearnSeconds : 0;

    public JsonObject ToJson(DateTime utcNow)
    {
        var json = new JsonObject
        {
            ["step"] = Step,
            ["time"] = utcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
            ["elapsed_s"] = Round(Totals.Seconds, 3),
            ["size"] = BoardSize,
            ["step_s"] = Round(StepSeconds, 4),
            ["search_s"] = Round(SearchSeconds, 4),
            ["learn_s"] = Round(LearnSeconds, 4),
            ["search_tokens"] = SearchTokens,
            ["model_tokens"] = ModelTokens,
            ["train_tokens"] = TrainTokens,
            ["sequences"] = Sequences,
            ["replayed"] = ReplayedSteps,
            ["search_tokens_per_s"] = Round(SearchTokensPerSecond, 1),
            ["train_tokens_per_s"] = Round(TrainTokensPerSecond, 1),
            ["loss"] = Round(Loss, 5),
            ["loss_improved"] = Number(Losses.Improved),
            ["loss_prior"] = Number(Losses.Prior),
            ["loss_imagined"] = Number(Losses.Imagined),
            ["loss_result"] = Number(Losses.Result),
            ["loss_child"] = Number(Losses.Child),
            ["grad_norm"] = Round(GradientNorm, 5),
            ["lr"] = LearningRate,
            ["imagined_accuracy"] = Number(ImaginedAccuracy),
            ["games"] = Totals.GamesFinished,
            ["games_now"] = GamesFinishedNow,
            ["black_win_rate"] = Totals.GamesFinished == 0 ? null : Round((Totals.BlackWins + 0.5 * Totals.Draws) / Totals.GamesFinished, 4),
            ["mean_game_moves"] = Totals.GamesFinished == 0 ? null : Round((double)Totals.MovesOfFinishedGames / Totals.GamesFinished, 2),
            ["replay"] = ReplaySize,
        };
        return json;
    }

    private static JsonNode? Number(double value) => double.IsFinite(value) ? Round(value, 5) : null;

    private static double Round(double value, int digits) => Math.Round(value, digits);
}
