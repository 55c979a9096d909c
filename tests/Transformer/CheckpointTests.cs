using System.Text;
using System.Text.Json.Nodes;
using GoSeqZero.Kernels;
using GoSeqZero.Tests.Kernels;
using GoSeqZero.Transformer;
using GoSeqZero.Transformer.Checkpoints;

namespace GoSeqZero.Tests.Transformer;

/// <summary>Real checkpoints in a temporary folder on the SIMD CPU device; only the model's constructor, Fill and tensor copies run.</summary>
public sealed class CheckpointTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"goseqzero-checkpoint-{Guid.NewGuid():N}");
    private readonly int _seed = Random.Shared.Next();
    private readonly Random _random;
    private readonly Device _device = KernelDevices.Get("cpu");
    private readonly ModelConfig _config;

    public CheckpointTests()
    {
        Directory.CreateDirectory(_folder);
        _random = new Random(_seed);
        _config = new ModelConfig { Layers = 2, Heads = 2, Channels = 8, ContextLength = 6, VocabularySize = 11, PointCount = 5, Seed = _random.Next() };
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Target => Path.Combine(_folder, "step-000100");

    private float[] RandomValues(long count, float low = -1) =>
        Enumerable.Range(0, (int)count).Select(_ => low + (float)_random.NextDouble() * (1 - low)).ToArray();

    /// <summary>A model whose parameters are random, not its initialisation, so a load that initialises instead of reading is caught.</summary>
    private Gpt RandomModel(ModelConfig? config = null)
    {
        var model = new Gpt(_device, config ?? _config);
        model.Parameters.CopyFrom(RandomValues(model.Layout.Count));
        return model;
    }

    private AdamWOptimizer RandomOptimizer(Gpt model)
    {
        var optimizer = new AdamWOptimizer(model, new AdamWSettings(3e-4f, 0.9f, 0.99f, 1e-7f, 0.05f), maxGradientNorm: 0.5f);
        optimizer.FirstMoments.CopyFrom(RandomValues(model.Layout.Count));
        optimizer.SecondMoments.CopyFrom(RandomValues(model.Layout.Count, low: 0));
        optimizer.Step = _random.Next(1, 100_000);
        return optimizer;
    }

    private static JsonObject Extra() => new() { ["games"] = 12, ["replay"] = new JsonArray("a", "b"), ["note"] = "ko ½" };

    private void AssertSameWeights(Gpt expected, Gpt actual) =>
        Assert.True(expected.Parameters.ToArray().SequenceEqual(actual.Parameters.ToArray()), $"the parameters differ (seed {_seed})");

    private void AssertSameMoments(AdamWOptimizer expected, AdamWOptimizer actual)
    {
        Assert.True(expected.FirstMoments.ToArray().SequenceEqual(actual.FirstMoments.ToArray()), $"the first moments differ (seed {_seed})");
        Assert.True(expected.SecondMoments.ToArray().SequenceEqual(actual.SecondMoments.ToArray()), $"the second moments differ (seed {_seed})");
        Assert.Equal(expected.Step, actual.Step);
    }

    [Fact]
    public void SaveThenLoadGivesTheSameConfigParametersMomentsStepScheduleAndExtra()
    {
        using var model = RandomModel();
        using var optimizer = RandomOptimizer(model);
        var schedule = new LearningRateSchedule(6e-4f, WarmupSteps: 100, DecaySteps: 5000, MinimumFraction: 0.05f);

        Checkpoint.Save(Target, model, optimizer, Extra(), schedule);
        using var loaded = Checkpoint.Load(Target, _device);

        Assert.Equal(_config, loaded.Model.Config);
        Assert.Equal(_config, Checkpoint.ReadConfig(Target));
        AssertSameWeights(model, loaded.Model);
        AssertSameMoments(optimizer, loaded.Optimizer!);
        Assert.Equal(optimizer.Settings, loaded.Optimizer!.Settings);
        Assert.Equal(0.5f, loaded.Optimizer.MaxGradientNorm);
        Assert.Equal(optimizer.Step, loaded.State.Step);
        Assert.Equal(schedule, loaded.State.Schedule);
        Assert.True(JsonNode.DeepEquals(Extra(), loaded.State.Extra), loaded.State.Extra?.ToJsonString());
        Assert.Equal(
            [Checkpoint.ConfigFileName, Checkpoint.ModelFileName, Checkpoint.OptimizerFileName, Checkpoint.StateFileName],
            Directory.GetFiles(Target).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal([Target], Directory.GetFileSystemEntries(_folder));
    }

    [Fact]
    public void LoadIntoResumesAModelAndOptimizerOfTheSameShapeKeepingTheOptimizersOwnSettings()
    {
        using var model = RandomModel();
        using var optimizer = RandomOptimizer(model);
        Checkpoint.Save(Target, model, optimizer, extra: null);
        using var resumed = RandomModel(_config with { Seed = _config.Seed + 1 });
        using var fresh = new AdamWOptimizer(resumed, new AdamWSettings(1e-3f), maxGradientNorm: 2);

        var state = Checkpoint.LoadInto(Target, resumed, fresh);

        AssertSameWeights(model, resumed);
        AssertSameMoments(optimizer, fresh);
        Assert.Equal(new AdamWSettings(1e-3f), fresh.Settings);
        Assert.Equal(new SavedOptimizer(optimizer.Settings, 0.5f), state.Optimizer);
        Assert.Null(state.Schedule);
        Assert.Null(state.Extra);
    }

    [Fact]
    public void AWeightsOnlyCheckpointLoadsWithoutOptimizerAndCannotResumeOne()
    {
        using var model = RandomModel();
        Checkpoint.Save(Target, model);

        using var loaded = Checkpoint.Load(Target, _device);
        AssertSameWeights(model, loaded.Model);
        Assert.Null(loaded.Optimizer);
        Assert.Equal(new CheckpointState(0, null, null, null), loaded.State);
        Assert.False(File.Exists(Path.Combine(Target, Checkpoint.OptimizerFileName)));

        using var other = RandomModel();
        using var optimizer = RandomOptimizer(other);
        var before = other.Parameters.ToArray();
        var error = Assert.Throws<CheckpointException>(() => Checkpoint.LoadInto(Target, other, optimizer));
        Assert.Contains("holds no optimizer state", error.Message);
        Assert.Equal(before, other.Parameters.ToArray());
    }

    [Fact]
    public void TheFilesHoldEveryParameterByItsLayoutNameAndShapeAndTheMomentsAsMAndV()
    {
        using var model = RandomModel();
        using var optimizer = RandomOptimizer(model);
        Checkpoint.Save(Target, model, optimizer);
        var layout = model.Layout;
        var parameters = model.Parameters.ToArray();
        var secondMoments = optimizer.SecondMoments.ToArray();

        var weights = SafeTensorsFile.Read(Path.Combine(Target, Checkpoint.ModelFileName));
        var moments = SafeTensorsFile.Read(Path.Combine(Target, Checkpoint.OptimizerFileName));

        Assert.Equal(layout.Parameters.Select(p => p.Name), weights.Names);
        Assert.Equal(layout.Parameters.Select(p => "m." + p.Name).Concat(layout.Parameters.Select(p => "v." + p.Name)), moments.Names);
        var fc = layout["blocks.1.mlp.fc.weight"];
        Assert.Equal(new[] { 32, 8 }, weights.Tensors[fc.Name].Shape);
        Assert.Equal(parameters.AsSpan((int)fc.Offset, (int)fc.Length).ToArray(), weights.Tensors[fc.Name].Data);
        Assert.Equal(secondMoments.AsSpan((int)fc.Offset, (int)fc.Length).ToArray(), moments.Tensors["v." + fc.Name].Data);
    }

    [Fact]
    public void ASaveReplacesAnOlderCheckpointOfTheSameNameAndLeavesNothingBesideIt()
    {
        using var first = RandomModel();
        using var second = RandomModel();
        using var optimizer = RandomOptimizer(second);
        Checkpoint.Save(Target, first, extra: new JsonObject { ["which"] = "first" });

        Checkpoint.Save(Target + Path.DirectorySeparatorChar, second, optimizer);

        using var loaded = Checkpoint.Load(Target, _device);
        AssertSameWeights(second, loaded.Model);
        Assert.Null(loaded.State.Extra);
        Assert.Equal([Target], Directory.GetFileSystemEntries(_folder));
    }

    [Fact]
    public void AKilledSaveNeverReplacesTheGoodCheckpointAndTheNextSaveWorks()
    {
        using var good = RandomModel();
        Checkpoint.Save(Target, good);
        // What a save killed half way leaves: its temporary folder, with a torn file in it.
        var leftover = Path.Combine(_folder, $".{Path.GetFileName(Target)}.{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(leftover);
        File.WriteAllBytes(Path.Combine(leftover, Checkpoint.ModelFileName), [64, 0, 0]);

        using (var loaded = Checkpoint.Load(Target, _device)) AssertSameWeights(good, loaded.Model);

        using var next = RandomModel();
        Checkpoint.Save(Target, next);
        using (var loaded = Checkpoint.Load(Target, _device)) AssertSameWeights(next, loaded.Model);

        Assert.Equal([$"deleted {leftover}"], Checkpoint.RecoverInterruptedSave(Target));
        Assert.Equal([Target], Directory.GetFileSystemEntries(_folder));
    }

    [Fact]
    public void ASaveKilledBetweenItsTwoRenamesKeepsThePreviousCheckpointWhichRecoveryPutsBack()
    {
        using var good = RandomModel();
        Checkpoint.Save(Target, good);
        var displaced = Path.Combine(_folder, $".{Path.GetFileName(Target)}.{Guid.NewGuid():N}.old");
        Directory.Move(Target, displaced);
        var complete = Path.Combine(_folder, $".{Path.GetFileName(Target)}.{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(complete);
        // Another checkpoint whose name starts the same is not a leftover of this one.
        var neighbour = Path.Combine(_folder, $".{Path.GetFileName(Target)}.v2.{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(neighbour);

        var error = Assert.Throws<CheckpointException>(() => Checkpoint.Load(Target, _device));
        Assert.Contains($"the previous one is intact at {displaced}", error.Message);

        Assert.Equal([$"restored {displaced} to {Target}", $"deleted {complete}"], Checkpoint.RecoverInterruptedSave(Target));
        using (var loaded = Checkpoint.Load(Target, _device)) AssertSameWeights(good, loaded.Model);
        Assert.Equal([neighbour, Target], Directory.GetFileSystemEntries(_folder).Order(StringComparer.Ordinal));
        Assert.Empty(Checkpoint.RecoverInterruptedSave(Target));

        using var next = RandomModel();
        Checkpoint.Save(Target, next);
        using (var loaded = Checkpoint.Load(Target, _device)) AssertSameWeights(next, loaded.Model);
    }

    [Fact]
    public void ASaveThatCannotRenameIntoPlaceRemovesItsTemporaryFolderAndKeepsWhatWasThere()
    {
        using var model = RandomModel();
        File.WriteAllText(Target, "a file where the checkpoint folder should go");

        Assert.ThrowsAny<IOException>(() => Checkpoint.Save(Target, model));

        Assert.Equal([Target], Directory.GetFileSystemEntries(_folder));
        Assert.Equal("a file where the checkpoint folder should go", File.ReadAllText(Target));
    }

    private CheckpointException Refused(string directory)
    {
        var error = Assert.Throws<CheckpointException>(() => Checkpoint.Load(directory, _device));
        using var model = RandomModel();
        var before = model.Parameters.ToArray();
        Assert.Throws<CheckpointException>(() => Checkpoint.LoadInto(directory, model));
        Assert.Equal(before, model.Parameters.ToArray());
        return error;
    }

    private void AssertRefused(string file, params string[] expected)
    {
        var error = Refused(Target);
        Assert.StartsWith(Path.Combine(Target, file) + ": ", error.Message);
        foreach (var part in expected) Assert.Contains(part, error.Message);
    }

    private void SaveWithOptimizer()
    {
        using var model = RandomModel();
        using var optimizer = RandomOptimizer(model);
        Checkpoint.Save(Target, model, optimizer, Extra());
    }

    /// <summary>Rewrites one SafeTensors file of the checkpoint after <paramref name="change"/> has edited its tensors (in order).</summary>
    private void Rewrite(string file, Action<List<(string Name, int[] Shape, ReadOnlyMemory<float> Data)>> change)
    {
        var path = Path.Combine(Target, file);
        var contents = SafeTensorsFile.Read(path);
        var tensors = contents.Names.Select(n => (n, contents.Tensors[n].Shape, (ReadOnlyMemory<float>)contents.Tensors[n].Data)).ToList();
        change(tensors);
        SafeTensorsFile.Write(path, tensors, null);
    }

    [Fact]
    public void AMissingFolderOrFileIsRefusedNamingIt()
    {
        Assert.Contains("no checkpoint there (the folder does not exist)", Refused(Target).Message);
        foreach (var file in new[] { Checkpoint.ConfigFileName, Checkpoint.ModelFileName, Checkpoint.StateFileName, Checkpoint.OptimizerFileName })
        {
            SaveWithOptimizer();
            File.Delete(Path.Combine(Target, file));
            AssertRefused(file, "missing; a checkpoint holds");
        }
    }

    [Fact]
    public void AConfigThatDoesNotParseOrIsInvalidIsRefused()
    {
        SaveWithOptimizer();
        var config = Path.Combine(Target, Checkpoint.ConfigFileName);
        File.WriteAllText(config, "{\"layers\": 2,");
        AssertRefused(Checkpoint.ConfigFileName, "not a model config");
        Assert.StartsWith(config, Assert.Throws<CheckpointException>(() => Checkpoint.ReadConfig(Target)).Message);

        File.WriteAllText(config, (_config with { Heads = 3 }).ToJson());
        AssertRefused(Checkpoint.ConfigFileName, "channels (8) must be a positive multiple of heads (3)");

        File.WriteAllText(config, _config.ToJson().Replace("\"seed\"", "\"seeds\""));
        AssertRefused(Checkpoint.ConfigFileName, "not a model config", "seeds");
    }

    [Fact]
    public void AStateThatDoesNotParseOrIsNotOursIsRefused()
    {
        SaveWithOptimizer();
        var state = Path.Combine(Target, Checkpoint.StateFileName);
        var good = File.ReadAllText(state);

        File.WriteAllText(state, good.Replace("\"step\"", "\"steps\""));
        AssertRefused(Checkpoint.StateFileName, "not a checkpoint state", "steps");
        File.WriteAllText(state, good.Replace("\"version\": 1", "\"version\": 7"));
        AssertRefused(Checkpoint.StateFileName, "version 7 is not one this program reads");
        File.WriteAllText(state, good.Replace("goseqzero-checkpoint", "other"));
        AssertRefused(Checkpoint.StateFileName, "format is 'other'");
        File.WriteAllText(state, good[..(good.Length / 2)]);
        AssertRefused(Checkpoint.StateFileName, "not a checkpoint state");
    }

    [Fact]
    public void AMissingTensorIsRefusedWithItsNameAndShape()
    {
        SaveWithOptimizer();
        Rewrite(Checkpoint.ModelFileName, tensors => tensors.RemoveAll(t => t.Name == "blocks.1.ln1.bias"));
        AssertRefused(Checkpoint.ModelFileName, "blocks.1.ln1.bias: missing (the config's layout has it, shape [8])");

        SaveWithOptimizer();
        Rewrite(Checkpoint.OptimizerFileName, tensors => tensors.RemoveAll(t => t.Name == "v.head.weight"));
        AssertRefused(Checkpoint.OptimizerFileName, "v.head.weight: missing (the config's layout has it, shape [11, 8])");
    }

    [Fact]
    public void AnUnknownTensorIsRefused()
    {
        SaveWithOptimizer();
        Rewrite(Checkpoint.ModelFileName, tensors => tensors.Add(("blocks.2.ln1.weight", [8], new float[8])));
        AssertRefused(Checkpoint.ModelFileName, "blocks.2.ln1.weight [8]: unknown tensor; it is not a parameter of the config's layout");

        SaveWithOptimizer();
        Rewrite(Checkpoint.OptimizerFileName, tensors => tensors.Add(("ln_f.weight", [8], new float[8])));
        AssertRefused(Checkpoint.OptimizerFileName, "ln_f.weight [8]: unknown tensor");
    }

    [Fact]
    public void AShapeOtherThanTheConfigsIsRefusedWithBothShapes()
    {
        SaveWithOptimizer();
        Rewrite(Checkpoint.ModelFileName, tensors =>
        {
            var i = tensors.FindIndex(t => t.Name == "blocks.1.mlp.fc.weight");
            tensors[i] = tensors[i] with { Shape = [8, 32] };
        });
        AssertRefused(Checkpoint.ModelFileName, "blocks.1.mlp.fc.weight: shape [8, 32] in the file, the config says [32, 8]");

        // A checkpoint of a wider model under a narrower config: the first tensor tells.
        SaveWithOptimizer();
        File.WriteAllText(Path.Combine(Target, Checkpoint.ConfigFileName), (_config with { Channels = 16 }).ToJson());
        AssertRefused(Checkpoint.ModelFileName, "token_embedding: shape [11, 8] in the file, the config says [11, 16]");
    }

    [Theory]
    [InlineData(float.NaN, "NaN")]
    [InlineData(float.PositiveInfinity, "Infinity")]
    [InlineData(float.NegativeInfinity, "-Infinity")]
    public void WeightsAndMomentsThatAreNotFiniteAreRefusedWithTheElement(float value, string written)
    {
        SaveWithOptimizer();
        Rewrite(Checkpoint.ModelFileName, tensors =>
        {
            var i = tensors.FindIndex(t => t.Name == "blocks.0.attn.qkv.weight");
            var data = tensors[i].Data.ToArray();
            data[2 * 8 + 5] = value;
            tensors[i] = tensors[i] with { Data = data };
        });
        AssertRefused(Checkpoint.ModelFileName, $"blocks.0.attn.qkv.weight: element [2, 5] is {written}; a checkpoint holds finite values only");

        SaveWithOptimizer();
        Rewrite(Checkpoint.OptimizerFileName, tensors =>
        {
            var i = tensors.FindIndex(t => t.Name == "m.ln_f.bias");
            var data = tensors[i].Data.ToArray();
            data[3] = value;
            tensors[i] = tensors[i] with { Data = data };
        });
        AssertRefused(Checkpoint.OptimizerFileName, $"m.ln_f.bias: element [3] is {written}");
    }

    [Fact]
    public void ANegativeSecondMomentIsRefused()
    {
        SaveWithOptimizer();
        Rewrite(Checkpoint.OptimizerFileName, tensors =>
        {
            var i = tensors.FindIndex(t => t.Name == "v.ln_f.weight");
            var data = tensors[i].Data.ToArray();
            data[0] = -0.25f;
            tensors[i] = tensors[i] with { Data = data };
        });
        AssertRefused(Checkpoint.OptimizerFileName, "v.ln_f.weight: element [0] is -0.25; a second moment cannot be negative");
    }

    [Fact]
    public void OptimizerMomentsWithoutOptimizerSettingsAreRefused()
    {
        SaveWithOptimizer();
        var moments = File.ReadAllBytes(Path.Combine(Target, Checkpoint.OptimizerFileName));
        using var model = RandomModel();
        Checkpoint.Save(Target, model);
        File.WriteAllBytes(Path.Combine(Target, Checkpoint.OptimizerFileName), moments);
        AssertRefused(Checkpoint.OptimizerFileName, "optimizer moments are there, but state.json has no optimizer settings");
    }

    [Fact]
    public void LoadingIntoAModelOfAnotherShapeIsRefusedAndChangesNothing()
    {
        SaveWithOptimizer();
        using var wider = RandomModel(_config with { Channels = 16 });
        var before = wider.Parameters.ToArray();

        var error = Assert.Throws<CheckpointException>(() => Checkpoint.LoadInto(Target, wider));

        Assert.Contains("config.json: the checkpoint's model is not the one to load into: layers 2, heads 2, channels 8,", error.Message);
        Assert.Contains("in the checkpoint, layers 2, heads 2, channels 16,", error.Message);
        Assert.Equal(before, wider.Parameters.ToArray());
    }

    [Fact]
    public void ATruncatedOrCorruptTensorFileIsRefusedWithTheReadersMessage()
    {
        SaveWithOptimizer();
        var path = Path.Combine(Target, Checkpoint.ModelFileName);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^5]);
        var error = Refused(Target);
        Assert.StartsWith(path + ": tensor '", error.Message);
        Assert.Contains("point past the end of the data section", error.Message);
        Assert.IsType<FormatException>(error.InnerException);

        File.WriteAllBytes(Path.Combine(Target, Checkpoint.OptimizerFileName), Encoding.ASCII.GetBytes("not safetensors at all"));
        File.WriteAllBytes(path, bytes);
        AssertRefused(Checkpoint.OptimizerFileName, "runs past the end of the file");
    }

    [Fact]
    public void AnyFileOfTheCheckpointCutAtAnyLengthIsRefusedAsACheckpointException()
    {
        SaveWithOptimizer();
        foreach (var file in new[] { Checkpoint.ConfigFileName, Checkpoint.StateFileName, Checkpoint.ModelFileName, Checkpoint.OptimizerFileName })
        {
            var path = Path.Combine(Target, file);
            var bytes = File.ReadAllBytes(path);
            // Every length of the JSON files and the tensor files' headers, then random lengths through their data.
            var lengths = Enumerable.Range(0, Math.Min(bytes.Length, 600)).Concat(Enumerable.Range(0, 40).Select(_ => _random.Next(bytes.Length)));
            foreach (var length in lengths)
            {
                File.WriteAllBytes(path, bytes[..length]);
                var error = Record.Exception(() => Checkpoint.Load(Target, _device));
                Assert.True(error is CheckpointException, $"{file} cut at {length} of {bytes.Length} bytes (seed {_seed}): {error?.GetType().Name ?? "no exception"} {error?.Message}");
            }
            File.WriteAllBytes(path, bytes);
        }
        using var loaded = Checkpoint.Load(Target, _device);
    }
}
