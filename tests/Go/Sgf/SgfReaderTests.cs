using System.Text;
using GoSeqZero.Go;
using GoSeqZero.Go.Sgf;
using Xunit;

namespace GoSeqZero.Tests.Go.Sgf;

public class SgfReaderTests
{
    private static Move M(Color color, string vertex, int size = 9) => new(color, Vertex.Parse(vertex, size));

    [Fact]
    public void GameInformationCommentsAndTheMainLineAreRead()
    {
        var record = SgfReader.ReadGame(SgfTestData.Read("game-with-variations.sgf"));

        Assert.Equal(9, record.Size);
        Assert.Equal(7.0, record.Komi);
        Assert.Equal("Chinese", record.Rules);
        Assert.Equal("Black Player", record.BlackPlayer);
        Assert.Equal("White ] Player", record.WhitePlayer);
        Assert.Equal("2024-05-01", record.Date);
        Assert.Equal("B+9", record.Result);
        Assert.Equal("A short game with a variation.", record.RootComment);
        Assert.Null(record.Setup);
        Assert.Equal(
            [M(Color.Black, "E5"), M(Color.White, "C7"), M(Color.Black, "G7"), M(Color.White, "C3"), M(Color.Black, "G3")],
            record.Moves.Select(move => move.Move));
        Assert.Equal(["Tengen \\ centre", null, null, null, "The main line continues"], record.Moves.Select(move => move.Comment));
    }

    [Fact]
    public void VariationsAndUnknownPropertiesStayInTheTree()
    {
        var record = SgfReader.ReadGame(SgfTestData.Read("game-with-variations.sgf"));

        var root = record.Tree!;
        Assert.Equal("Unknown properties are kept", root.FindText("GN"));
        var branchPoint = root.Children[0].Children[0];
        Assert.Equal("cc", branchPoint.FindText("W"));
        Assert.Equal(2, branchPoint.Children.Count);
        Assert.Equal("gc", branchPoint.Children[0].FindText("B"));
        var variation = branchPoint.Children[1];
        Assert.Equal("cg", variation.FindText("B"));
        Assert.Equal("A variation", variation.FindText("C"));
        Assert.Equal("gc", variation.Children[0].FindText("W"));
        Assert.Equal("ee:X", branchPoint.Children[0].Children[0].FindText("LB"));
    }

    [Fact]
    public void TreePositionsPointAtNodesPropertiesAndValues()
    {
        var root = SgfReader.ReadCollection(SgfTestData.Read("game-with-variations.sgf"))[0];

        var tengen = root.Children[0];
        Assert.Equal(new SgfPosition(5, 1), tengen.Position);
        Assert.Equal(new SgfPosition(5, 2), tengen.Find("B")!.Position);
        Assert.Equal(new SgfPosition(5, 4), tengen.Find("B")!.Values[0].Position);
    }

    [Fact]
    public void EscapesAndSoftLineBreaksAreDecoded()
    {
        var record = SgfReader.ReadGame("(;SZ[9]C[a \\] b \\\\ c\\\nd\\\r\ne \\x]\n;B[aa]C[line one\nline two])");

        Assert.Equal("a ] b \\ cde x", record.RootComment);
        Assert.Equal("line one\nline two", record.Moves[0].Comment);
    }

    [Fact]
    public void SetupWithACompressedPointListAndPlayerToMoveIsRead()
    {
        var record = SgfReader.ReadGame(SgfTestData.Read("handicap-setup.sgf"));

        var expected = new Color[81];
        foreach (var black in new[] { "C7", "G3" }) expected[Index(black)] = Color.Black;
        foreach (var white in new[] { "E5", "F5", "E4", "F4" }) expected[Index(white)] = Color.White;
        Assert.Equal(expected, record.Setup);
        Assert.Equal(Color.White, record.PlayerToMove);
        Assert.Equal(0.5, record.Komi);
        Assert.Equal([M(Color.White, "D6"), new Move(Color.Black, Vertex.Pass), new Move(Color.White, Vertex.Pass)], record.Moves.Select(move => move.Move));
        Assert.Equal("2", record.Tree!.FindText("HA"));

        static int Index(string vertex)
        {
            var v = Vertex.Parse(vertex, 9);
            return v.Y * 9 + v.X;
        }
    }

    [Fact]
    public void AeClearsSetupStonesOfAnEarlierNode()
    {
        var record = SgfReader.ReadGame("(;SZ[5]AB[aa:ee];AE[bb:dd];AW[cc])");

        Assert.Equal(16, record.Setup!.Count(color => color == Color.Black));
        Assert.Equal(Color.White, record.Setup![2 * 5 + 2]);
        Assert.Equal(8, record.Setup!.Count(color => color == Color.Empty));
    }

    [Fact]
    public void WithoutPlTheFirstMoverIsToMoveFromTheSetup()
    {
        var record = SgfReader.ReadGame("(;SZ[9]AB[cc][gg];W[ee])");

        Assert.Equal(Color.White, record.PlayerToMove);
        Assert.Equal(Color.White, record.ToGame(moveCount: 0).ToMove);
    }

    [Fact]
    public void DefaultsAreNineteenByNineteenAndZeroKomi()
    {
        var record = SgfReader.ReadGame("(;B[pd];W[dp])");

        Assert.Equal(19, record.Size);
        Assert.Equal(0.0, record.Komi);
        Assert.Null(record.Rules);
        Assert.Equal(M(Color.Black, "Q16", 19), record.Moves[0].Move);
    }

    [Fact]
    public void ASizeWrittenAsColumnsColonRowsIsAcceptedWhenSquare()
    {
        Assert.Equal(13, SgfReader.ReadGame("(;SZ[13:13])").Size);
    }

    [Fact]
    public void CommentsOnNodesWithoutAMoveJoinThePreviousMove()
    {
        var record = SgfReader.ReadGame("(;SZ[9]C[root];C[before moves];B[ee]C[move];C[after])");

        Assert.Equal("root\nbefore moves", record.RootComment);
        Assert.Equal("move\nafter", record.Moves[0].Comment);
    }

    [Fact]
    public void ACollectionOfTwoGamesIsReadAndReadGameTakesTheFirst()
    {
        var text = SgfTestData.Read("two-games.sgf");

        var trees = SgfReader.ReadCollection(text);
        Assert.Equal(2, trees.Count);
        Assert.Equal("9", trees[0].FindText("SZ"));
        Assert.Equal("13", trees[1].FindText("SZ"));
        Assert.Equal("gg", trees[1].Children[0].FindText("B"));
        var first = SgfReader.ReadGame(text);
        Assert.Equal("First", first.BlackPlayer);
        Assert.Equal("W+R", first.Result);
        Assert.Equal(3, first.Moves.Count);
    }

    [Fact]
    public void ToGameStopsAfterTheRequestedNumberOfMoves()
    {
        var record = SgfReader.ReadGame(SgfTestData.Read("game-with-variations.sgf"));

        var game = record.ToGame(moveCount: 2);
        Assert.Equal(2, game.Moves.Count);
        Assert.Equal(Color.Black, game.ToMove);
        Assert.Equal(Color.White, game.Board[Vertex.Parse("C7", 9)]);
        Assert.Equal(5, record.ToGame(moveCount: 50).Moves.Count);
        Assert.Equal(5, record.ToGame().Moves.Count);
        Assert.Throws<ArgumentOutOfRangeException>(() => record.ToGame(moveCount: -1));
    }

    [Fact]
    public void ToGameUsesTheMoveCapAndTheKomi()
    {
        var game = SgfReader.ReadGame(SgfTestData.Read("two-games.sgf")).ToGame(moveCap: 3);

        Assert.Equal(3, game.Board.MoveCap);
        Assert.True(game.IsOver);
        Assert.Equal(7.0, game.Komi);
    }

    [Fact]
    public void ReadFileNamesTheFileInErrors()
    {
        var path = SgfTestData.PathOf("occupied-point.sgf");

        var error = Assert.Throws<SgfFormatException>(() => SgfReader.ReadFile(path));
        Assert.Equal((4, 4), (error.Line, error.Column));
        Assert.Equal(path, error.SourceName);
        Assert.StartsWith($"{path}, line 4, column 4: move 3, B[cc] (B C7), is illegal: the point is occupied", error.Message);
    }

    [Fact]
    public void ReadFileFallsBackToLatin1WhenTheTextIsNotUtf8()
    {
        var path = Path.Combine(Path.GetTempPath(), $"sgf-latin1-{Guid.NewGuid():N}.sgf");
        try
        {
            File.WriteAllBytes(path, Encoding.Latin1.GetBytes("(;SZ[9]PB[Ren\u00e9]PW[J\u00f6rg];B[ee])"));
            var record = SgfReader.ReadFile(path);
            Assert.Equal("Ren\u00e9", record.BlackPlayer);
            Assert.Equal("J\u00f6rg", record.WhitePlayer);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void AByteOrderMarkAndSurroundingWhitespaceAreAccepted()
    {
        var record = SgfReader.ReadGame("\uFEFF \n (;SZ[9]\n ;B [ee] \n) \n\n");

        Assert.Single(record.Moves);
    }
}
