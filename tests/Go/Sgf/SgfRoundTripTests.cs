using GoSeqZero.Go;
using GoSeqZero.Go.Sgf;
using Xunit;

namespace GoSeqZero.Tests.Go.Sgf;

public class SgfRoundTripTests
{
    [Theory]
    [InlineData(5, 60, 1)]
    [InlineData(9, 150, 2)]
    [InlineData(19, 250, 3)]
    public void ARandomGameWithPassesAndCapturesReadsBackUnchanged(int size, int moveCount, int seed)
    {
        var game = SgfTestData.RandomGame(size, moveCount, seed);
        Assert.True(game.Board.CapturedBy(Color.Black) + game.Board.CapturedBy(Color.White) > 0, "the game should contain captures");
        Assert.Contains(game.Moves, move => move.Vertex.IsPass);
        var record = GameRecord.FromGame(game, "Black [bot]", "White \\ bot", "B+R", "2025-01-31", "Seed " + seed);

        var read = SgfReader.ReadGame(SgfWriter.Write(record));

        Assert.Equal(size, read.Size);
        Assert.Equal(7.5, read.Komi);
        Assert.Equal("Chinese", read.Rules);
        Assert.Equal("Black [bot]", read.BlackPlayer);
        Assert.Equal("White \\ bot", read.WhitePlayer);
        Assert.Equal("B+R", read.Result);
        Assert.Equal("2025-01-31", read.Date);
        Assert.Equal("Seed " + seed, read.RootComment);
        Assert.Null(read.Setup);
        Assert.Equal(game.Moves, read.Moves.Select(move => move.Move));
        var replayed = read.ToGame();
        Assert.Equal(game.Board.GetPosition(), replayed.Board.GetPosition());
        Assert.Equal(game.Board.Hash, replayed.Board.Hash);
    }

    [Fact]
    public void ASetupPositionAndThePlayerToMoveReadBackUnchanged()
    {
        var position = SgfTestData.RandomGame(9, 40, 7, passOneIn: 1000).Board.GetPosition();
        var game = new Game(9, 5.5);
        game.SetSetup(position, Color.White);
        SgfTestData.RandomGame(9, 30, 8, game: game);
        var record = GameRecord.FromGame(game);

        var read = SgfReader.ReadGame(SgfWriter.Write(record));

        Assert.Equal(position, read.Setup);
        Assert.Equal(Color.White, read.PlayerToMove);
        Assert.Equal(5.5, read.Komi);
        Assert.Equal(game.Moves, read.Moves.Select(move => move.Move));
        var replayed = read.ToGame();
        Assert.Equal(position, replayed.Setup);
        Assert.Equal(game.Board.Hash, replayed.Board.Hash);
    }

    [Fact]
    public void AFinishedGameGetsItsScoredResultUnlessOneIsGiven()
    {
        var game = new Game(5, 0.5);
        game.Play(Color.Black, Vertex.Parse("C3", 5));
        game.Play(Color.White, Vertex.Pass);
        game.Play(Color.Black, Vertex.Pass);

        Assert.Equal("B+24.5", GameRecord.FromGame(game).Result);
        Assert.Equal("W+R", GameRecord.FromGame(game, result: "W+R").Result);
        game.Undo();
        Assert.Null(GameRecord.FromGame(game).Result);
    }

    [Fact]
    public void CommentsWithEscapesReadBackUnchanged()
    {
        const string tricky = "brackets ] [ \\ backslash\\\nnew line: colon \\] end\\";
        var record = new GameRecord
        {
            Size = 9,
            RootComment = tricky + " root",
            Moves = [new RecordedMove(new Move(Color.Black, Vertex.Parse("E5", 9)), tricky), new RecordedMove(new Move(Color.White, Vertex.Pass), "]")],
        };

        var read = SgfReader.ReadGame(SgfWriter.Write(record));

        Assert.Equal(tricky + " root", read.RootComment);
        Assert.Equal([tricky, "]"], read.Moves.Select(move => move.Comment));
    }

    [Fact]
    public void WritingAReadRecordGivesTheSameTextAgain()
    {
        var text = SgfWriter.Write(GameRecord.FromGame(SgfTestData.RandomGame(9, 80, 4), "a", "b", date: "2025-02-01"));

        Assert.Equal(text, SgfWriter.Write(SgfReader.ReadGame(text)));
    }

    [Fact]
    public void ATreeWithVariationsAndUnknownPropertiesSurvivesWriteAndRead()
    {
        var original = SgfReader.ReadCollection(SgfTestData.Read("game-with-variations.sgf"))[0];

        var again = SgfReader.ReadCollection(SgfWriter.Write(original));

        Assert.Single(again);
        Assert.Equal(Describe(original), Describe(again[0]));
        Assert.Contains("GN[Unknown properties are kept]", Describe(again[0]));
    }

    [Fact]
    public void ACollectionOfTwoGamesSurvivesWriteAndRead()
    {
        var trees = SgfReader.ReadCollection(SgfTestData.Read("two-games.sgf"));

        var again = SgfReader.ReadCollection(SgfWriter.WriteCollection(trees));

        Assert.Equal(trees.Select(Describe), again.Select(Describe));
    }

    [Fact]
    public void DeeplyNestedVariationsAreReadAndWrittenWithoutRecursion()
    {
        const int depth = 50_000;
        var text = string.Concat(Enumerable.Repeat("(;C[x]", depth)) + new string(')', depth);

        var root = SgfReader.ReadCollection(text)[0];
        var written = SgfWriter.Write(root);

        Assert.Equal(depth, root.MainLine().Count());
        Assert.Equal(depth, SgfReader.ReadCollection(written)[0].MainLine().Count());
    }

    [Fact]
    public void WriteFileReplacesTheFileAndLeavesNoTemporaryFile()
    {
        var folder = Directory.CreateTempSubdirectory("sgf-write-");
        try
        {
            var path = Path.Combine(folder.FullName, "game.sgf");
            File.WriteAllText(path, "old content");
            var record = GameRecord.FromGame(SgfTestData.RandomGame(7, 40, 5), "Ren\u00e9");

            SgfWriter.WriteFile(record, path);

            Assert.Equal(["game.sgf"], folder.GetFiles().Select(file => file.Name));
            var read = SgfReader.ReadFile(path);
            Assert.Equal("Ren\u00e9", read.BlackPlayer);
            Assert.Equal(record.Moves.Select(move => move.Move), read.Moves.Select(move => move.Move));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>A tree as text of identifiers and values only, so positions do not take part in comparisons.</summary>
    private static string Describe(SgfNode root)
    {
        var text = new System.Text.StringBuilder();
        var pending = new Stack<SgfNode?>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            var node = pending.Pop();
            if (node is null)
            {
                text.Append(')');
                continue;
            }
            text.Append("(;").AppendJoin("", node.Properties.Select(property => property.ToString()));
            pending.Push(null);
            for (var i = node.Children.Count - 1; i >= 0; i--) pending.Push(node.Children[i]);
        }
        return text.ToString();
    }
}
