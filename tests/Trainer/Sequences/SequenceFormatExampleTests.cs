using System.Runtime.CompilerServices;
using System.Text;
using GoSeqZero.Go;
using GoSeqZero.Trainer.Search;
using GoSeqZero.Trainer.Sequences;
using static GoSeqZero.Tests.Trainer.Sequences.ScriptedSearch;

namespace GoSeqZero.Tests.Trainer.Sequences;

/// <summary>
/// The worked example of docs/sequence-format.md is the real writer's output: this test writes it again and checks
/// that the document holds it verbatim. When the format changes, the failure message says where the new text was
/// written, to paste into the document.
/// </summary>
public class SequenceFormatExampleTests
{
    private static readonly Vocabulary Vocabulary = new();

    [Fact]
    public void TheWorkedExampleInTheSpecificationIsWhatTheWriterWrites()
    {
        var writer = WriteExample();
        var listing = SequenceParser.Describe(writer.Sequence.Tokens, Vocabulary);
        var grids = Grids(SequenceParser.Parse(writer.Sequence.Tokens, Vocabulary));
        var document = File.ReadAllText(DocumentPath());
        if (document.Contains(listing) && document.Contains(grids)) return;

        var generated = Path.Combine(Path.GetTempPath(), "sequence-format-example.md");
        File.WriteAllText(generated, $"```\n{grids}```\n\n```\n{listing}```\n");
        Assert.Fail($"docs/sequence-format.md does not hold the writer's worked example; the current one is in {generated}");
    }

    [Fact]
    public void TheExampleBackupIsTheOneComputedByHandInTheSpecification()
    {
        var record = WriteExample().Record!;
        var c5 = MoveIndex("C5", 5);
        var b3 = MoveIndex("B3", 5);
        Assert.Equal(new[] { c5, b3 }, record.Children.Select(c => c.Move));
        // Child after C5: White's best is bucket 21, so e'(C5) = 1 − 21.5/64 = 42.5/64 (bucket 42); after B3: 29 → 34.
        Assert.Equal(42.5 / 64, record.Backup!.Values[c5]);
        Assert.Equal(34.5 / 64, record.Backup.Values[b3]);
        Assert.Equal(Vocabulary.ValueToken(42), record.Improved!.Tokens[c5]);
        Assert.Equal(Vocabulary.ValueToken(34), record.Improved.Tokens[b3]);
        foreach (var move in Enumerable.Range(0, record.MoveCount).Where(m => m != c5 && m != b3))
            Assert.Equal(record.Root.Tokens[move], record.Improved.Tokens[move]);
    }

    [Fact]
    public void TheTokenIdsAreTheOnesTheSpecificationLists()
    {
        Assert.Equal((0, 1, 2), (Vocabulary.Pad, Vocabulary.Bos, Vocabulary.Eos));
        Assert.Equal((3, 17), (Vocabulary.SizeToken(5), Vocabulary.SizeToken(19)));
        Assert.Equal((18, 19), (Vocabulary.ModeTree, Vocabulary.ModeRollout));
        Assert.Equal((20, 21, 22, 23, 24, 25), (Vocabulary.Root, Vocabulary.Child, Vocabulary.Improved, Vocabulary.Rollout, Vocabulary.Result, Vocabulary.Est));
        Assert.Equal((26, 27, 28, 29, 30), (Vocabulary.ToMoveBlack, Vocabulary.ToMoveWhite, Vocabulary.Empty, Vocabulary.Black, Vocabulary.White));
        Assert.Equal((31, 31 + 19 * 4 + 3, 391, 392), (Vocabulary.MoveToken(0, 0), Vocabulary.MoveToken(3, 4), Vocabulary.MoveToken(18, 18), Vocabulary.Pass));
        Assert.Equal((393, 456, 457), (Vocabulary.ValueToken(0), Vocabulary.ValueToken(63), Vocabulary.Illegal));
        Assert.Equal((458, 459, 460, 461, 462), (Vocabulary.BlackWins, Vocabulary.WhiteWins, Vocabulary.Draw, Vocabulary.Passed, Vocabulary.Count));
        Assert.Equal((1, 1 + 19 * 4 + 3, 361, 362, 363), (Vocabulary.EmbeddingPointId(0, 0), Vocabulary.EmbeddingPointId(3, 4), Vocabulary.EmbeddingPointId(18, 18), Vocabulary.PassPointId, Vocabulary.PointIdCount));
        var eightBuckets = new Vocabulary(8);
        Assert.Equal((401, 402, 405, 406), (eightBuckets.Illegal, eightBuckets.BlackWins, eightBuckets.Passed, eightBuckets.Count));
    }

    [Theory]
    [InlineData(5, 2, 226, 248)]
    [InlineData(5, 4, 336, 406)]
    [InlineData(9, 8, 1676, 2234)]
    [InlineData(13, 8, 3436, 4610)]
    [InlineData(19, 14, 11638, 16316)]
    public void TheLengthTableOfTheSpecificationIsMaxTokens(int size, int topK, int tree, int rollout)
    {
        // The table is for rollout blocks of one playout (no mean token).
        Assert.Equal(tree, new SearchSettings { TopK = topK, Playouts = 1 }.MaxTokens(size));
        Assert.Equal(rollout, new SearchSettings { TopK = topK, Playouts = 1, Mode = SearchMode.Rollout }.MaxTokens(size));
        Assert.Equal(4 * size * size + 16 + topK * (2 * size * size + 5), tree);
        Assert.Equal(3 * size * size + 15 + topK * (3 * size * size + 4), rollout);
    }

    [Fact]
    public void TheErrorMessagesQuotedInTheSpecificationAreTheParsers()
    {
        var tokens = WriteExample().Sequence.Tokens.ToArray();
        Assert.Equal("token 40: expected a value token (V_0..V_63) or ILLEGAL, found BLACK", Error(40, Vocabulary.Black));
        Assert.Equal("token 59: expected TO_MOVE_W (the root's opponent), found TO_MOVE_B", Error(59, Vocabulary.ToMoveBlack));
        Assert.Equal("token 58: expected a move that the root EST row does not mark ILLEGAL, found MOVE_2_2", Error(58, Vocabulary.MoveToken(2, 2)));
        var cut = Assert.Throws<SequenceFormatException>(() => SequenceParser.Parse(tokens[..^1], Vocabulary));
        Assert.Equal("the sequence ends at token 194: expected EOS", cut.Message);

        string Error(int index, int token)
        {
            var corrupt = (int[])tokens.Clone();
            corrupt[index] = token;
            return Assert.Throws<SequenceFormatException>(() => SequenceParser.Parse(corrupt, Vocabulary)).Message;
        }
    }

    /// <summary>
    /// The example: Black to move after B C3, W C4, B B4, W D2, B D4, W D3 (White C4 is in atari), a tree step with
    /// top-k 2, rules-written children, α = 1. A scripted stand-in for the model answers with bucket centres:
    /// root 34 − 3d (d: distance from C3), C5 44, B3 38, pass 8; first child 24 − 3d, second 32 − 3d, pass 4.
    /// </summary>
    internal static SearchWriter WriteExample()
    {
        var root = Play(5, "C3 C4 B4 D2 D4 D3");
        return Write(root, new SearchSettings { TopK = 2 }, (row, decision) =>
        {
            if (decision.PointId == Vocabulary.PassPointId) return Bucket(Vocabulary, row == 0 ? 8 : 4);
            var (x, y) = Vocabulary.PointOfEmbeddingPointId(decision.PointId);
            var distance = Math.Abs(x - 2) + Math.Abs(y - 2);
            return row switch
            {
                0 when (x, y) == (2, 4) => Bucket(Vocabulary, 44),
                0 when (x, y) == (1, 2) => Bucket(Vocabulary, 38),
                0 => Bucket(Vocabulary, 34 - 3 * distance),
                1 => Bucket(Vocabulary, 24 - 3 * distance),
                _ => Bucket(Vocabulary, 32 - 3 * distance),
            };
        });
    }

    /// <summary>
    /// Each segment as a grid: the board (X black, O white) beside its row of buckets (ILLEGAL as "--"), rows in the
    /// order they are written (row 1, GTP's bottom row, first).
    /// </summary>
    internal static string Grids(SearchRecord record)
    {
        var n = record.BoardSize;
        var letters = Enumerable.Range(0, n).Select(x => new Vertex(x, 0).ToString()[..1]).ToArray();
        var text = new StringBuilder($"BOS SIZE_{n} MODE_{record.Mode.ToString().ToUpperInvariant()}\n");
        Segment($"ROOT TO_MOVE_{record.ToMove.Letter()}", record.Board, "EST", record.Root);
        foreach (var child in record.Children)
        {
            var move = child.Move == record.PassMove ? "PASS" : $"{Vocabulary.Name(BoardCodec.MoveTokenOf(child.Move, n))} ({BoardCodec.VertexOf(child.Move, n)})";
            var ending = child.Estimates is null ? $"RESULT {Vocabulary.Name(child.ResultToken!.Value)}" : "EST";
            Segment($"CHILD {move} TO_MOVE_{child.ToMove.Letter()}", child.Board, ending, child.Estimates);
        }
        Segment("IMPROVED", null, "", record.Improved);
        text.Append("\nEOS\n");
        return text.ToString();

        void Segment(string heading, Color[]? board, string rowHeading, ValueRow? row)
        {
            var boardWidth = board is null ? 0 : 5 + 2 * n + 3;
            text.Append('\n').Append(heading).Append('\n');
            Line(board is null ? "" : "     " + string.Join(' ', letters), $"{rowHeading,-5}" + (row is null ? "" : string.Concat(letters.Select(l => $"{l,3}"))));
            for (var y = 0; y < n; y++)
            {
                var stones = board is null ? "" : $"{y + 1,3}  " + string.Join(' ', Enumerable.Range(0, n).Select(x => Stone(board[y * n + x])));
                Line(stones, row is null ? "" : $"{y + 1,3}  " + string.Concat(Enumerable.Range(0, n).Select(x => $"{Value(row, y * n + x),3}")));
            }
            if (row is not null) Line("", $"pass {Value(row, n * n),3}");

            void Line(string left, string right) => text.Append((left.PadRight(boardWidth) + right).TrimEnd()).Append('\n');
        }

        static char Stone(Color color) => color switch { Color.Black => 'X', Color.White => 'O', _ => '.' };

        static string Value(ValueRow row, int move) => row.Tokens[move] == Vocabulary.Illegal ? "--" : Vocabulary.BucketOf(row.Tokens[move]).ToString();
    }

    private static string DocumentPath([CallerFilePath] string thisFile = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(thisFile)!, "..", "..", "..", "docs", "sequence-format.md"));
}
