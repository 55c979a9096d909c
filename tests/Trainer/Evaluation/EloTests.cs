using GoSeqZero.Trainer.Evaluation;

namespace GoSeqZero.Tests.Trainer.Evaluation;

public class EloTests
{
    [Theory]
    [InlineData(0.5, 0.0)]
    [InlineData(0.75, 190.84850188786497)] // 400·log10(3)
    [InlineData(0.25, -190.84850188786497)]
    [InlineData(0.9090909090909091, 400.0)] // odds 10:1
    [InlineData(0.01, -798.2540778)] // 400·log10(1/99)
    public void WinRateConvertsToEloDifferenceAndBack(double winRate, double elo)
    {
        Assert.Equal(elo, Elo.FromWinRate(winRate), 6);
        Assert.Equal(winRate, Elo.ToWinRate(elo), 9);
    }

    [Fact]
    public void AllWinsIsInfinitelyBetterAndNoWinsInfinitelyWorse()
    {
        Assert.Equal(double.PositiveInfinity, Elo.FromWinRate(1));
        Assert.Equal(double.NegativeInfinity, Elo.FromWinRate(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Elo.FromWinRate(1.5));
    }

    [Fact]
    public void AWhitewashHasAnUnboundedEloIntervalOnItsOpenSide()
    {
        var none = Elo.Estimate(0, 100);
        Assert.Equal(double.NegativeInfinity, none.EloLow);
        Assert.Equal("-inf", Elo.Format(none.EloLow));
        var all = Elo.Estimate(100, 100);
        Assert.Equal(double.PositiveInfinity, all.EloHigh);
        Assert.Equal(-all.EloLow, none.EloHigh, 9);
    }

    [Theory]
    // By hand: p = w/n, c = z²/n, centre = (p + c/2)/(1 + c), half = z/(1 + c)·sqrt(p(1 − p)/n + c/(4n)).
    [InlineData(7, 10, 0.396778, 0.892209)]
    [InlineData(50, 100, 0.403832, 0.596168)]
    [InlineData(0, 10, 0.0, 0.277533)]
    [InlineData(10, 10, 0.722467, 1.0)]
    [InlineData(2.5, 5, 0.170424, 0.829576)] // draws count half: 2 wins, 1 draw of 5
    public void WilsonIntervalMatchesHandComputedBounds(double wins, int games, double low, double high)
    {
        var interval = Elo.WilsonInterval(wins, games);
        Assert.Equal(low, interval.Low, 5);
        Assert.Equal(high, interval.High, 5);
    }

    [Fact]
    public void WithNoGamesTheIntervalIsEverything()
    {
        Assert.Equal((0.0, 1.0), Elo.WilsonInterval(0, 0));
    }

    [Fact]
    public void EstimateGivesTheEloOfTheWinRateAndOfItsIntervalBounds()
    {
        var estimate = Elo.Estimate(7, 10);
        Assert.Equal(0.7, estimate.WinRate, 12);
        Assert.Equal(400 * Math.Log10(0.7 / 0.3), estimate.Elo, 9);
        // 400·log10(p/(1 − p)) at the Wilson bounds 0.396778 and 0.892209.
        Assert.Equal(-72.77, estimate.EloLow, 2);
        Assert.Equal(367.15, estimate.EloHigh, 2);
    }
}
