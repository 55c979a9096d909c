using GoSeqZero.Go;
using GoSeqZero.Go.Sgf;
using Xunit;

namespace GoSeqZero.Tests.Go.Sgf;

public class SgfCoordinatesTests
{
    [Fact]
    public void ParsingAPointInvertsVertexToSgfOnEveryBoardSize()
    {
        for (var size = 2; size <= Vertex.MaxSize; size++)
            for (var y = 0; y < size; y++)
                for (var x = 0; x < size; x++)
                {
                    var vertex = new Vertex(x, y);
                    Assert.True(SgfCoordinates.TryParsePoint(vertex.ToSgf(size), size, out var parsed));
                    Assert.Equal(vertex, parsed);
                }
    }

    [Fact]
    public void AaIsTheTopLeftCornerAndTheRowLetterCountsFromTheTop()
    {
        Assert.True(SgfCoordinates.TryParsePoint("aa", 9, out var topLeft));
        Assert.Equal(new Vertex(0, 8), topLeft);
        Assert.True(SgfCoordinates.TryParsePoint("ib", 9, out var nearTopRight));
        Assert.Equal(Vertex.Parse("J8", 9), nearTopRight);
    }

    [Fact]
    public void PointsOffTheBoardOrMalformedAreRejected()
    {
        foreach (var text in new[] { "ja", "aj", "a", "abc", "", "AA", "a1", "tt" })
            Assert.False(SgfCoordinates.TryParsePoint(text, 9, out _), text);
    }

    [Fact]
    public void AnEmptyMoveAndTtArePasses()
    {
        Assert.True(SgfCoordinates.TryParseMove("", 19, out var empty));
        Assert.True(SgfCoordinates.TryParseMove("tt", 19, out var tt));
        Assert.True(SgfCoordinates.TryParseMove("tt", 9, out var ttSmall));
        Assert.Equal(Vertex.Pass, empty);
        Assert.Equal(Vertex.Pass, tt);
        Assert.Equal(Vertex.Pass, ttSmall);
    }

    [Fact]
    public void ARectangleListsEveryPointBetweenItsCornersInEitherOrder()
    {
        var forward = new List<Vertex>();
        var backward = new List<Vertex>();
        Assert.True(SgfCoordinates.TryParsePointList("bb:cd", 9, forward));
        Assert.True(SgfCoordinates.TryParsePointList("cd:bb", 9, backward));
        var expected = new[] { "B8", "C8", "B7", "C7", "B6", "C6" }.Select(text => Vertex.Parse(text, 9));
        Assert.Equal(expected, forward);
        Assert.Equal(expected, backward);
    }

    [Fact]
    public void ARectangleWithACornerOffTheBoardIsRejectedWhole()
    {
        var points = new List<Vertex>();
        Assert.False(SgfCoordinates.TryParsePointList("aa:jj", 9, points));
        Assert.False(SgfCoordinates.TryParsePointList("aa:", 9, points));
        Assert.Empty(points);
    }
}
