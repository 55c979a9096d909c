using GoSeqZero.Tests.Trainer.Search;
using System.Text.Json.Nodes;
using GoSeqZero.Go;
using GoSeqZero.Go.Players;
using GoSeqZero.Trainer.Players;
using GoSeqZero.Trainer.Search;
using GoSeqZero.Trainer.Sequences;
using GoSeqZero.Transformer.Checkpoints;

namespace GoSeqZero.Tests.Trainer.Players;

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
        using var directory = new TemporaryFolder("goseqzero-model-player-");
            var vocabulary = new Vocabulary();
            var context = Math.Max(new SearchSettings().MaxTokens(5), new SearchSettings { Mode = SearchMode.Rollout }.MaxTokens(5));
            using (var model = SearchDriverTests.TinyModel(vocabulary, context))
            Checkpoint.Save(directory.Path, model);

        using var player = PlayerSpec.Create($"model:{directory.Path}:{kind}", seed: 1);
        Assert.Equal($"model:{directory.Path}:{kind}", player.Name);
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

    [Theory]
    // A checkpoint without player_search searches tree steps: model-only, unless the spec asks for rollouts.
    [InlineData(null, "prior", PlayerKind.ModelOnly, null)]
    [InlineData(null, "search", PlayerKind.ModelOnly, null)]
    [InlineData(null, "backup", PlayerKind.ModelOnly, null)]
    [InlineData(null, "search:rollout", PlayerKind.PlayoutAssisted, "64 playouts/move (4 moves × 16)")]
    [InlineData(null, "backup:rollout:top-k=2", PlayerKind.PlayoutAssisted, "32 playouts/move (2 moves × 16)")]
    // A rollout-trained checkpoint (top-k 3, 5 playouts): its search and backup read our playouts; forced to tree mode
    // they are the model alone, and its prior never reads them.
    [InlineData("rollout", "search", PlayerKind.PlayoutAssisted, "15 playouts/move (3 moves × 5)")]
    [InlineData("rollout", "backup", PlayerKind.PlayoutAssisted, "15 playouts/move (3 moves × 5)")]
    [InlineData("rollout", "search:playouts=7", PlayerKind.PlayoutAssisted, "21 playouts/move (3 moves × 7)")]
    [InlineData("rollout", "search:tree", PlayerKind.ModelOnly, null)]
    [InlineData("rollout", "backup:tree", PlayerKind.ModelOnly, null)]
    [InlineData("rollout", "prior", PlayerKind.ModelOnly, null)]
    [InlineData("tree", "search", PlayerKind.ModelOnly, null)]
    public void AModelPlayerIsAssistedOnlyWhenItsMoveReadsOurPlayouts(string? trainedMode, string kind, PlayerKind expected, string? playouts)
    {
        var directory = Path.Combine(Path.GetTempPath(), "goseqzero-model-kind-" + Guid.NewGuid().ToString("N"));
        try
        {
            var trained = new SearchSettings { Mode = trainedMode == "rollout" ? SearchMode.Rollout : SearchMode.Tree, TopK = 3, Playouts = 5 };
            var vocabulary = new Vocabulary();
            var context = Math.Max(new SearchSettings().MaxTokens(5), new SearchSettings { Mode = SearchMode.Rollout }.MaxTokens(5));
            using (var model = SearchDriverTests.TinyModel(vocabulary, context))
                Checkpoint.Save(directory, model, extra: trainedMode is null ? null : new JsonObject { ["player_search"] = trained.ToJson(withMode: true) });

            using var player = PlayerSpec.Create($"model:{directory}:{kind}", seed: 1);
            Assert.Equal(expected, player.Kind);
            Assert.Equal(playouts, player.Playouts?.ToString());
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
        written["player_search"]!["write_playouts"] = false;
        Assert.Equal(new SearchSettings { Mode = SearchMode.Rollout, TopK = 6, Playouts = 8, WritePlayouts = false }, ModelPlayer.SearchSettingsOf(written));
        var wrong = new JsonObject { ["player_search"] = new JsonObject { ["mode"] = "mcts" } };
        Assert.Contains("mode is \"mcts\", not \"tree\" or \"rollout\"", Assert.Throws<CheckpointException>(() => ModelPlayer.SearchSettingsOf(wrong)).Message);
        var malformed = new JsonObject { ["player_search"] = new JsonObject { ["top_k"] = 0 } };
        Assert.Contains("--top-k 0 must be at least 1", Assert.Throws<CheckpointException>(() => ModelPlayer.SearchSettingsOf(malformed)).Message);
        var unknown = new JsonObject { ["player_search"] = new JsonObject { ["depth"] = 3 } };
        Assert.Contains("depth", Assert.Throws<CheckpointException>(() => ModelPlayer.SearchSettingsOf(unknown)).Message);
    }

    [Fact]
    public void ASpecsOptionsChangeTheSearchAndAreNamedBack()
    {
        using var directory = new TemporaryFolder("goseqzero-model-options-");
            var vocabulary = new Vocabulary();
            using (var model = SearchDriverTests.TinyModel(vocabulary, new SearchSettings { Mode = SearchMode.Rollout, Playouts = 3 }.MaxTokens(5)))
            Checkpoint.Save(directory.Path, model);

        using var player = (ModelPlayer)PlayerSpec.Create($"model:{directory.Path}:search:rollout:top-k=3:playouts=5", seed: 1);
        Assert.Equal($"model:{directory.Path}:search:rollout:top-k=3:playouts=5", player.Name);
            Assert.Equal((SearchMode.Rollout, 3, 5), (player.Settings.Mode, player.Settings.TopK, player.Settings.Playouts));
            player.GenMove(new Game(5, 7.5), Color.Black, CancellationToken.None);
            var record = player.LastSearch!.Record!;
            Assert.Equal(3, record.Rollouts.Count);
            Assert.All(record.Rollouts, rollout => Assert.Equal(5, rollout.Playouts));

            Assert.Contains("top-k= takes a positive whole number, not '0'",
            Assert.Throws<ArgumentException>(() => PlayerSpec.Create($"model:{directory.Path}:search:top-k=0", 1)).Message);
            Assert.Contains("playouts= takes a positive whole number, not 'many'",
            Assert.Throws<ArgumentException>(() => PlayerSpec.Create($"model:{directory.Path}:backup:playouts=many", 1)).Message);
            Assert.Contains("expected model:CHECKPOINT:prior",
            Assert.Throws<ArgumentException>(() => PlayerSpec.Create($"model:{directory.Path}:search:depth=3", 1)).Message);
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
