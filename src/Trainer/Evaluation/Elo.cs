namespace GoSeqZero.Trainer.Evaluation;

/// <summary>
/// The logistic Elo scale and the interval arithmetic the match table needs. A draw counts as half a win
/// everywhere, so win counts are doubles.
/// </summary>
internal static class Elo
{
    /// <summary>The two-sided 95% quantile of the standard normal distribution.</summary>
    public const double Z95 = 1.959963984540054;

    /// <summary>Elo points per natural-log unit of the odds: an Elo difference d means odds of 10^(d/400).</summary>
    public const double PointsPerNaturalUnit = 400.0 / 2.302585092994046;

    /// <summary>The expected score of a player rated <paramref name="eloDifference"/> above its opponent.</summary>
    public static double ToWinRate(double eloDifference) => 1.0 / (1.0 + Math.Pow(10.0, -eloDifference / 400.0));

    /// <summary>The Elo difference that gives expected score <paramref name="winRate"/>; ±infinity at 1 and 0.</summary>
    public static double FromWinRate(double winRate)
    {
        if (double.IsNaN(winRate) || winRate < 0 || winRate > 1)
            throw new ArgumentOutOfRangeException(nameof(winRate), winRate, "a win rate lies between 0 and 1");
        if (winRate == 0) return double.NegativeInfinity;
        if (winRate == 1) return double.PositiveInfinity;
        return 400.0 * Math.Log10(winRate / (1.0 - winRate));
    }

    /// <summary>
    /// Wilson score interval for a win rate of <paramref name="wins"/> out of <paramref name="games"/>
    /// (default 95%). Unlike the normal approximation it stays inside [0, 1] and is sensible at 0 or all wins.
    /// With no games it is the whole of [0, 1].
    /// </summary>
    public static (double Low, double High) WilsonInterval(double wins, int games, double z = Z95)
    {
        if (games < 0) throw new ArgumentOutOfRangeException(nameof(games), games, "the number of games cannot be negative");
        if (wins < 0 || wins > games)
            throw new ArgumentOutOfRangeException(nameof(wins), wins, $"wins must lie between 0 and the {games} games played");
        if (games == 0) return (0, 1);
        var rate = wins / games;
        var zSquaredOverN = z * z / games;
        var denominator = 1 + zSquaredOverN;
        var center = (rate + zSquaredOverN / 2) / denominator;
        var halfWidth = z / denominator * Math.Sqrt(rate * (1 - rate) / games + zSquaredOverN / (4.0 * games));
        // At 0 or all wins the bound is exactly 0 or 1; computed, it is off by rounding (an Elo bound of -6984, not -inf).
        var low = wins == 0 ? 0 : Math.Max(0, center - halfWidth);
        var high = wins == games ? 1 : Math.Min(1, center + halfWidth);
        return (low, high);
    }

    /// <summary>A player's results against one opponent summarised: win rate and Elo difference, each with a 95% interval.</summary>
    public static Estimate Estimate(double wins, int games)
    {
        var (low, high) = WilsonInterval(wins, games);
        var rate = games == 0 ? 0.5 : wins / games;
        return new Estimate(rate, low, high, FromWinRate(rate), FromWinRate(low), FromWinRate(high));
    }

    /// <summary>An Elo number as a table prints it: rounded, with a sign, "+inf"/"-inf" at the ends.</summary>
    public static string Format(double elo) =>
        double.IsPositiveInfinity(elo) ? "+inf"
        : double.IsNegativeInfinity(elo) ? "-inf"
        : elo.ToString("+0;-0;0", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>A win rate and the Elo difference it implies, each with the bounds of its 95% interval.</summary>
internal readonly record struct Estimate(double WinRate, double WinRateLow, double WinRateHigh, double Elo, double EloLow, double EloHigh);
