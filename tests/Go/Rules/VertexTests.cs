using GoSeqZero.Go;

namespace GoSeqZero.Tests.Go.Rules;

public class VertexTests
{
    [Theory]
    [InlineData("A1", 19, 0, 0)]
    [InlineData("j9", 9, 8, 8)]
    [InlineData("H3", 9, 7, 2)]
    [InlineData("T19", 19, 18, 18)]
    [InlineData("B2", 2, 1, 1)]
    public void GtpVerticesSkipTheLetterIAndCountRowsFromTheBottom(string text, int size, int x, int y)
    {
        Assert.True(Vertex.TryParse(text, size, out var vertex));
        Assert.Equal(new Vertex(x, y), vertex);
        Assert.Equal(text.ToUpperInvariant(), vertex.ToString());
    }

    [Theory]
    [InlineData("I5", 19)]
    [InlineData("K1", 9)]
    [InlineData("A10", 9)]
    [InlineData("A0", 9)]
    [InlineData("", 9)]
    [InlineData("A", 9)]
    [InlineData("5A", 9)]
    [InlineData("A+1", 9)]
    [InlineData("resign", 9)]
    public void TextThatIsNotAVertexOfTheBoardIsRefused(string text, int size)
    {
        Assert.False(Vertex.TryParse(text, size, out _));
        var error = Assert.Throws<FormatException>(() => Vertex.Parse(text, size));
        Assert.Contains($"{size}x{size}", error.Message);
    }

    [Fact]
    public void PassParsesInAnyCaseAndPrintsLowerCase()
    {
        Assert.True(Vertex.TryParse("PASS", 9, out var pass));
        Assert.True(pass.IsPass);
        Assert.Equal("pass", pass.ToString());
        Assert.Equal("resign", Vertex.Resign.ToString());
    }

    [Fact]
    public void EveryPointOfEveryBoardSizePrintsAndParsesBackAndMapsToItsGridIndex()
    {
        for (var size = 2; size <= Vertex.MaxSize; size++)
        {
            var board = new Board(size);
            var indices = new HashSet<int>();
            foreach (var point in board.Points)
            {
                var vertex = board.VertexOf(point);
                Assert.Equal(vertex, Vertex.Parse(vertex.ToString(), size));
                Assert.Equal(point, board.PointOf(vertex));
                Assert.True(indices.Add(board.RowMajorIndexOf(point)));
            }
            Assert.Equal(Enumerable.Range(0, size * size), indices.Order());
        }
    }
}
