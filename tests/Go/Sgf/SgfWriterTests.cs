using GoSeqZero.Go;
using GoSeqZero.Go.Sgf;
using Xunit;

namespace GoSeqZero.Tests.Go.Sgf;

public class SgfWriterTests
{
    [Fact]
    public void TheRootNamesFormatGameCharsetProgramAndGameInformation()
    {
        var record = GameRecord.FromGame(new Game(9, 7.5), "Alice", "Bob", "W+0.5", "2025-03-04");

        var text = SgfWriter.Write(record);

        var oneLine = text.Replace("\n", "");
        Assert.Matches(@"^\(;FF\[4\]GM\[1\]CA\[UTF-8\]AP\[GoSeqZero:[0-9][^\]+]*\]SZ\[9\]KM\[7\.5\]RU\[Chinese\]PB\[Alice\]PW\[Bob\]DT\[2025-03-04\]RE\[W\+0\.5\]\)$", oneLine);
        Assert.EndsWith(")\n", text);
    }

    [Fact]
    public void MovesAreWrittenTenToALineWithPassesEmpty()
    {
        var game = new Game(9, 7);
        game.Play(Color.Black, Vertex.Parse("A9", 9));
        game.Play(Color.White, Vertex.Pass);
        SgfTestData.RandomGame(9, 28, 6, game: game);

        var lines = SgfWriter.Write(GameRecord.FromGame(game)).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        var moveLines = lines.Skip(1).ToArray();
        Assert.Equal(3, moveLines.Length);
        Assert.StartsWith(";B[aa];W[];B[", moveLines[0]);
        Assert.All(moveLines, line => Assert.Equal(10, line.Count(c => c == ';')));
    }

    [Fact]
    public void SetupStonesAreWrittenAsCompressedRectangles()
    {
        var setup = new Color[81];
        for (var y = 6; y <= 8; y++)
            for (var x = 0; x <= 2; x++)
                setup[y * 9 + x] = Color.Black;
        setup[Vertex.Parse("E5", 9).Y * 9 + 4] = Color.White;
        var record = new GameRecord { Size = 9, Setup = setup, PlayerToMove = Color.White };

        var text = SgfWriter.Write(record);

        Assert.Contains("AB[aa:cc]AW[ee]PL[W]", text);
        Assert.Equal(setup, SgfReader.ReadGame(text).Setup);
    }

    [Fact]
    public void AnIrregularSetupIsCoveredExactlyOnce()
    {
        var position = SgfTestData.RandomGame(13, 120, 9, passOneIn: 1000).Board.GetPosition();
        var record = new GameRecord { Size = 13, Setup = position };

        Assert.Equal(position, SgfReader.ReadGame(SgfWriter.Write(record)).Setup);
    }

    [Fact]
    public void LongRootLinesBreakBetweenPropertiesAndValues()
    {
        var setup = new Color[361];
        for (var i = 0; i < setup.Length; i += 2) setup[i] = Color.Black;
        var record = new GameRecord { Size = 19, Setup = setup, BlackPlayer = new string('b', 50), WhitePlayer = new string('w', 50) };

        var text = SgfWriter.Write(record);

        Assert.All(text.Split('\n'), line => Assert.True(line.Length <= 79, line));
        Assert.Equal(setup, SgfReader.ReadGame(text).Setup);
    }

    [Fact]
    public void VariationsStartOnTheirOwnLines()
    {
        var root = new SgfNode();
        root.Add("SZ", "9");
        var first = new SgfNode();
        first.Add("B", "ee");
        root.Children.Add(first);
        foreach (var reply in new[] { "cc", "gg" })
        {
            var node = new SgfNode();
            node.Add("W", reply);
            first.Children.Add(node);
        }

        Assert.Equal("(;SZ[9]\n;B[ee]\n(;W[cc])\n(;W[gg]))\n", SgfWriter.Write(root));
    }

    [Fact]
    public void ARecordWithAResignMoveCannotBeWritten()
    {
        var record = new GameRecord { Size = 9, Moves = [new RecordedMove(new Move(Color.Black, Vertex.Resign))] };

        var error = Assert.Throws<ArgumentException>(() => SgfWriter.Write(record));
        Assert.Contains("neither a pass nor a point", error.Message);
    }
}
