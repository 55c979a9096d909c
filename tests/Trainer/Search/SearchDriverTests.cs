using GoSeqZero.Go;
using GoSeqZero.Tests.Kernels;
using GoSeqZero.Trainer.Search;
using GoSeqZero.Trainer.Sequences;
using GoSeqZero.Transformer;

namespace GoSeqZero.Tests.Trainer.Search;

[Collection("Kernels")]
public class SearchDriverTests
{
    internal static Gpt TinyModel(Vocabulary vocabulary, int context, int seed = 1) =>
        new(KernelDevices.Get("cpu"), new ModelConfig
        {
            Layers = 1, Heads = 2, Channels = 16, ContextLength = context, VocabularySize = vocabulary.Count,
            PointCount = Vocabulary.PointIdCount, Seed = seed,
        });

    [Theory]
    [InlineData(SearchMode.Tree, BoardSource.Rules)]
    [InlineData(SearchMode.Tree, BoardSource.Imagined)]
    [InlineData(SearchMode.Rollout, BoardSource.Rules)]
    public void AnUntrainedModelWritesCompleteStepsForABatchOfPositions(SearchMode mode, BoardSource boards)
    {
        var vocabulary = new Vocabulary();
        var settings = new SearchSettings { Mode = mode, Boards = boards, TopK = 3, GumbelTopK = true };
        using var model = TinyModel(vocabulary, settings.MaxTokens(5));
        using var driver = new SearchDriver(model, vocabulary, settings, batch: 3, maxBoardSize: 5);
        var roots = new[] { new Board(5), new Board(5), new Board(5) };
        roots[1].Play(Color.Black, roots[1].PointAt(2, 2));
        roots[2].Play(Color.Black, roots[2].PointAt(0, 0));
        roots[2].Play(Color.White, Board.PassMove);

        var writers = driver.Run(roots);
        Assert.Equal(3, writers.Count);
        foreach (var writer in writers)
        {
            var record = writer.Record!;
            Assert.Equal(Vocabulary.Bos, writer.Sequence.Tokens[0]);
            Assert.Equal(Vocabulary.Eos, writer.Sequence.Tokens[^1]);
            Assert.True(writer.Sequence.Count <= settings.MaxTokens(5));
            // After White's pass (the third root) the pass is searched beside the top 3 when they leave it out.
            var searched = record.SearchedMoves.ToList();
            var passAdded = record.Passed && searched.IndexOf(25) == 3;
            Assert.Equal(passAdded ? 4 : 3, searched.Count);
            Assert.Equal(record.Passed, writer == writers[2]);
            if (record.Passed) Assert.Contains(25, searched);
            for (var move = 0; move < record.MoveCount; move++)
                Assert.Equal(record.Root.IsLegal(move, vocabulary), record.Improved!.IsLegal(move, vocabulary));
        }
        // After White's pass, Black passing ends the game: that child (if chosen) carries a result, not estimates.
        foreach (var child in writers[2].Record!.Children.Where(c => c.Move == 25))
            Assert.NotNull(child.ResultToken);
        Assert.True(driver.Statistics.ModelTokens > 0);
    }

    [Fact]
    public void ARolloutStepFitsMaxTokensWhateverTheMoveCap()
    {
        var vocabulary = new Vocabulary();
        var settings = new SearchSettings { Mode = SearchMode.Rollout, TopK = 4 };
        using var model = TinyModel(vocabulary, settings.MaxTokens(5));
        using var driver = new SearchDriver(model, vocabulary, settings, batch: 2, maxBoardSize: 5);
        var writers = driver.Run([new Board(5, moveCap: 100000), new Board(5, moveCap: 100000)]);
        foreach (var writer in writers) Assert.True(writer.Sequence.Count <= settings.MaxTokens(5), $"{writer.Sequence.Count} tokens");
    }

    [Fact]
    public void TheChunkFeedsTheMostTokensPerUnitOfCost()
    {
        // Fifteen games wait on one token and one has a 27-token board to feed: padding everyone to 27 would waste
        // 15×26 rows, so the call feeds one token each and the board goes in pieces.
        int[] mostlyShort = [.. Enumerable.Repeat(1, 15), 27];
        Assert.Equal(1, SearchDriver.ChooseChunk(mostlyShort, batch: 16, limit: 64, overheadRows: 4));
        // Every game has a long run: one call feeds them all, up to the limit.
        int[] allLong = [.. Enumerable.Repeat(27, 15), 30];
        Assert.Equal(27, SearchDriver.ChooseChunk(allLong, batch: 16, limit: 64, overheadRows: 4));
        Assert.Equal(20, SearchDriver.ChooseChunk(allLong, batch: 16, limit: 20, overheadRows: 4));
        // A large per-call overhead (a GPU) makes the longer chunk worth its padding.
        Assert.Equal(27, SearchDriver.ChooseChunk(mostlyShort, batch: 16, limit: 64, overheadRows: 1024));
        Assert.Equal(0, SearchDriver.ChooseChunk([0, 0, 0], batch: 3, limit: 64, overheadRows: 4));
    }
}
