using System.Text.Json.Nodes;
using GoSeqZero.Go;
using GoSeqZero.Trainer.Players;
using GoSeqZero.Trainer.Search;
using GoSeqZero.Trainer.Sequences;
using GoSeqZero.Transformer.Checkpoints;

namespace GoSeqZero.Tests.Search;

[Collection("Kernels")]
public class ModelPlayerTests
{
    [Theory]
    [InlineData("prior")]
    [InlineData("search")]
    [InlineData("backup")]
    [InlineData("search:rollout")]
    [InlineData("backup:rollout")]
    [InlineData("prior:tree")]
    public void AnUntrainedCheckpointPlaysLegalMovesToTheEndOfAGame(string kind)
    {
        var directory = Path.Combine(Path.GetTempPath(), "goseqzero-model-player-" + Guid.NewGuid().ToString("N"));
        try
        {
            var vocabulary = new Vocabulary();
            var context = Math.Max(new SearchSettings().MaxTokens(5), new SearchSettings { Mode = SearchMode.Rollout }.MaxTokens(5));
            using (var model = SearchDriverTests.TinyModel(vocabulary, context))
                Checkpoint.Save(directory, model);

            using var player = PlayerSpec.Create($"model:{directory}:{kind}", seed: 1);
            Assert.Equal($"model:{directory}:{kind}", player.Name);
            var game = new Game(5, 7.5, moveCap: 30);
            var opponent = new Random(2);
            while (!game.IsOver)
            {
                var color = game.ToMove;
                var vertex = color == Color.Black ? player.GenMove(game, color, CancellationToken.None) : RandomLegal(game, opponent);
                Assert.True(vertex.IsPass || game.Board.IsLegal(color, vertex), $"{kind} played an illegal {vertex} at move {game.Moves.Count + 1}");
                game.Play(color, vertex);
            }
            // A checkpoint without the trainer's player_search searches tree steps unless the spec names a mode.
            var expectedMode = kind.EndsWith(":rollout", StringComparison.Ordinal) ? SearchMode.Rollout : SearchMode.Tree;
            Assert.Equal(expectedMode, ((ModelPlayer)player).Settings.Mode);
            Assert.Equal(expectedMode, ((ModelPlayer)player).LastSearch!.Record!.Mode);
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void AModelSpecWithoutAKindOrFolderSaysWhatIsExpected()
    {
        Assert.Contains("expected model:CHECKPOINT:prior", Assert.Throws<ArgumentException>(() => PlayerSpec.Create("model:/tmp", 1)).Message);
        Assert.Contains("no checkpoint folder '/nonexistent'", Assert.Throws<ArgumentException>(() => PlayerSpec.Create("model:/nonexistent:prior", 1)).Message);
    }

    [Fact]
    public void ACheckpointSearchesAsItsTrainerWroteAndSaysWhatIsWrongWithAnUnknownMode()
    {
        Assert.Equal(new SearchSettings(), ModelPlayer.SearchSettingsOf(null));
        Assert.Equal(new SearchSettings(), ModelPlayer.SearchSettingsOf(new JsonObject { ["step"] = 3 }));
        var written = new JsonObject { ["player_search"] = new JsonObject { ["mode"] = "rollout", ["top_k"] = 6, ["playouts"] = 8 } };
        Assert.Equal(new SearchSettings { Mode = SearchMode.Rollout, TopK = 6, Playouts = 8 }, ModelPlayer.SearchSettingsOf(written));
        var wrong = new JsonObject { ["player_search"] = new JsonObject { ["mode"] = "mcts" } };
        Assert.Contains("mode is 'mcts', not tree or rollout", Assert.Throws<CheckpointException>(() => ModelPlayer.SearchSettingsOf(wrong)).Message);
    }

    private static Vertex RandomLegal(Game game, Random random)
    {
        var legal = new List<Vertex> { Vertex.Pass };
        for (var y = 0; y < game.Size; y++)
        for (var x = 0; x < game.Size; x++)
            if (game.Board.IsLegal(game.ToMove, new Vertex(x, y))) legal.Add(new Vertex(x, y));
        return legal[random.Next(legal.Count)];
    }
}
