using GoSeqZero.Go;

namespace GoSeqZero.Tests.Go.Rules;

public class LegalPositionCountTests
{
    /// <summary>OEIS A094777: legal Go positions on n×n boards. 4×4 (24 318 165) runs in the bench program.</summary>
    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 57)]
    [InlineData(3, 12_675)]
    public void EnumerationFindsTheKnownNumberOfLegalPositions(int size, long expected)
    {
        Assert.Equal(expected, LegalPositions.Count(size, threads: 2));
    }
}
