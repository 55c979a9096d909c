using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using GoSeqZero.Kernels;

namespace GoSeqZero.Transformer.Checkpoints;

/// <summary>
/// A checkpoint is a folder: <c>config.json</c> (<see cref="ModelConfig.ToJson"/>), <c>model.safetensors</c> (every
/// parameter by its layout name and shape, readable by <c>safetensors.torch.load_file</c>), <c>optimizer.safetensors</c>
/// when an optimizer is saved (first and second moments as <c>m.&lt;name&gt;</c> and <c>v.&lt;name&gt;</c>), and
/// <c>state.json</c> (step, optimizer hyper-parameters, learning-rate schedule, the trainer's own JSON).
/// A save never leaves a half-written checkpoint under the name: the folder is written beside it under a temporary
/// hidden name, every file flushed, then renamed into place; an older one is renamed away first and deleted last.
/// Loading checks everything before it touches a model, and every refusal is a <see cref="CheckpointException"/>.
/// </summary>
public static class Checkpoint
{
    public const string ConfigFileName = "config.json";
    public const string ModelFileName = "model.safetensors";
    public const string OptimizerFileName = "optimizer.safetensors";
    public const string StateFileName = "state.json";

    /// <summary>Names of the first and second moment of a parameter in <c>optimizer.safetensors</c>.</summary>
    public static string FirstMomentName(string parameter) => "m." + parameter;

    public static string SecondMomentName(string parameter) => "v." + parameter;

    private const string Format = "goseqzero-checkpoint";
    private const int Version = 1;

    /// <summary>
    /// Saves the model's parameters, and when <paramref name="optimizer"/> is given its moments, step and
    /// hyper-parameters (the step is 0 without one), replacing any checkpoint already at <paramref name="directory"/>
    /// only once the new one is complete on disk.
    /// </summary>
    public static void Save(string directory, Gpt model, AdamWOptimizer? optimizer = null, JsonObject? extra = null, LearningRateSchedule? schedule = null)
    {
        var layout = model.Layout;
        var parameters = model.Parameters.ToArray();
        float[]? first = null, second = null;
        if (optimizer is not null)
        {
            if (optimizer.FirstMoments.Length != layout.Count || optimizer.SecondMoments.Length != layout.Count)
                throw new ArgumentException($"the optimizer holds moments for {optimizer.FirstMoments.Length} parameters, the model has {layout.Count}", nameof(optimizer));
            first = optimizer.FirstMoments.ToArray();
            second = optimizer.SecondMoments.ToArray();
        }
        var state = new StateFile(Format, Version, optimizer?.Step ?? 0,
            optimizer is null ? null : OptimizerFields.From(optimizer.Settings, optimizer.MaxGradientNorm),
            schedule is null ? null : new ScheduleFields(schedule.Peak, schedule.WarmupSteps, schedule.DecaySteps, schedule.MinimumFraction),
            extra);
        var stateJson = JsonSerializer.Serialize(state, StateJson);

        var target = FullPath(directory);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var temporary = DurableFiles.TemporarySibling(target, "tmp");
        Directory.CreateDirectory(temporary);
        try
        {
            WriteText(Path.Combine(temporary, ConfigFileName), model.Config.ToJson());
            SafeTensorsFile.Write(Path.Combine(temporary, ModelFileName),
                layout.Parameters.Select(p => (p.Name, p.Shape, Slice(parameters, p))));
            if (first is not null)
                SafeTensorsFile.Write(Path.Combine(temporary, OptimizerFileName),
                    layout.Parameters.Select(p => (FirstMomentName(p.Name), p.Shape, Slice(first, p)))
                        .Concat(layout.Parameters.Select(p => (SecondMomentName(p.Name), p.Shape, Slice(second!, p)))));
            WriteText(Path.Combine(temporary, StateFileName), stateJson);
            ReplaceDirectory(temporary, target);
        }
        catch
        {
            if (Directory.Exists(temporary)) Directory.Delete(temporary, recursive: true);
            throw;
        }
    }

    /// <summary>The model config of the checkpoint at <paramref name="directory"/>, checked.</summary>
    public static ModelConfig ReadConfig(string directory)
    {
        var path = RequireFile(FullPath(directory), ConfigFileName);
        try
        {
            return ModelConfig.FromJson(File.ReadAllText(path), path);
        }
        catch (FormatException error)
        {
            throw new CheckpointException(error.Message, error);
        }
    }

    /// <summary>The checkpoint's <c>state.json</c>, checked.</summary>
    public static CheckpointState ReadState(string directory)
    {
        var path = RequireFile(FullPath(directory), StateFileName);
        StateFile? state;
        try
        {
            state = JsonSerializer.Deserialize<StateFile>(File.ReadAllText(path), StateJson);
        }
        catch (JsonException error)
        {
            throw new CheckpointException($"{path}: not a checkpoint state ({error.Message})", error);
        }
        if (state is null) throw new CheckpointException($"{path}: not a checkpoint state (null)");
        if (state.Format != Format) throw new CheckpointException($"{path}: format is '{state.Format}', not '{Format}'");
        if (state.Version != Version) throw new CheckpointException($"{path}: version {state.Version} is not one this program reads ({Version})");
        if (state.Step < 0) throw new CheckpointException($"{path}: step {state.Step} is negative");
        var schedule = state.LearningRateSchedule is { } s ? new LearningRateSchedule(s.Peak, s.WarmupSteps, s.DecaySteps, s.MinimumFraction) : null;
        return new CheckpointState(state.Step, state.Optimizer?.ToSaved(), schedule, state.Extra);
    }

    /// <summary>
    /// Builds the model the checkpoint describes on <paramref name="device"/> with its parameters, and, when the
    /// checkpoint holds optimizer state, an optimizer with its moments, step and hyper-parameters.
    /// </summary>
    public static LoadedCheckpoint Load(string directory, Device device)
    {
        var config = ReadConfig(directory);
        var contents = ReadChecked(directory, config);
        var model = new Gpt(device, config);
        AdamWOptimizer? optimizer = null;
        try
        {
            if (contents.State.Optimizer is { } saved) optimizer = new AdamWOptimizer(model, saved.Settings, saved.MaxGradientNorm);
            contents.CopyInto(model, optimizer);
            return new LoadedCheckpoint(model, optimizer, contents.State);
        }
        catch
        {
            optimizer?.Dispose();
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Resumes into an existing model (and optimizer): parameters, and when <paramref name="optimizer"/> is given its
    /// moments and step; its hyper-parameters stay as they are (the saved ones are in the returned state). The model
    /// must have the checkpoint's shape (its seed may differ). Nothing is changed when anything is refused.
    /// </summary>
    public static CheckpointState LoadInto(string directory, Gpt model, AdamWOptimizer? optimizer = null)
    {
        var config = ReadConfig(directory);
        if (config with { Seed = model.Config.Seed } != model.Config)
            throw new CheckpointException($"{Path.Combine(FullPath(directory), ConfigFileName)}: the checkpoint's model is not the one to load into: "
                + $"{Describe(config)} in the checkpoint, {Describe(model.Config)} in memory");
        if (optimizer is not null && (optimizer.FirstMoments.Length != model.Layout.Count || optimizer.SecondMoments.Length != model.Layout.Count))
            throw new ArgumentException($"the optimizer holds moments for {optimizer.FirstMoments.Length} parameters, the model has {model.Layout.Count}", nameof(optimizer));
        var contents = ReadChecked(directory, config);
        if (optimizer is not null && contents.State.Optimizer is null)
            throw new CheckpointException($"{FullPath(directory)}: the checkpoint holds no optimizer state to resume (it was saved without one); load the weights alone to start a fresh optimizer");
        contents.CopyInto(model, optimizer);
        return contents.State;
    }

    /// <summary>
    /// Tidies what interrupted saves left beside the checkpoint at <paramref name="directory"/>: when the checkpoint is
    /// missing because a save stopped between renaming the old one away and the new one in, the old one is renamed
    /// back; then the temporary folders are deleted. Call it only where no other save of this checkpoint is running.
    /// Returns what it did, one line per folder.
    /// </summary>
    public static IReadOnlyList<string> RecoverInterruptedSave(string directory)
    {
        var target = FullPath(directory);
        var actions = new List<string>();
        var parent = Path.GetDirectoryName(target)!;
        if (!Directory.Exists(parent)) return actions;
        var displaced = Leftovers(target, "old");
        if (!Directory.Exists(target) && displaced.Count > 0)
        {
            var newest = displaced.OrderByDescending(Directory.GetLastWriteTimeUtc).First();
            Directory.Move(newest, target);
            actions.Add($"restored {newest} to {target}");
            displaced.Remove(newest);
        }
        foreach (var leftover in displaced.Concat(Leftovers(target, "tmp")))
        {
            Directory.Delete(leftover, recursive: true);
            actions.Add($"deleted {leftover}");
        }
        return actions;
    }

    /// <summary>Everything of a checkpoint read and checked against its config, ready to copy to a device.</summary>
    private sealed record Contents(CheckpointState State, float[] Parameters, float[]? FirstMoments, float[]? SecondMoments)
    {
        public void CopyInto(Gpt model, AdamWOptimizer? optimizer)
        {
            model.Parameters.CopyFrom(Parameters);
            if (optimizer is null) return;
            optimizer.FirstMoments.CopyFrom(FirstMoments!);
            optimizer.SecondMoments.CopyFrom(SecondMoments!);
            optimizer.Step = State.Step;
        }
    }

    private static Contents ReadChecked(string directory, ModelConfig config)
    {
        var folder = FullPath(directory);
        var state = ReadState(directory);
        var layout = new ParameterLayout(config);
        var modelPath = RequireFile(folder, ModelFileName);
        var model = ReadSafeTensors(modelPath);
        RefuseUnknown(modelPath, model, layout.Parameters.Select(p => p.Name).ToHashSet(), "it is not a parameter of the config's layout");
        var parameters = new float[layout.Count];
        Gather(modelPath, model, layout, name => name, parameters, negativeAllowed: true);

        var optimizerPath = Path.Combine(folder, OptimizerFileName);
        if (state.Optimizer is null)
        {
            if (File.Exists(optimizerPath))
                throw new CheckpointException($"{optimizerPath}: optimizer moments are there, but {StateFileName} has no optimizer settings for them");
            return new Contents(state, parameters, null, null);
        }
        RequireFile(folder, OptimizerFileName);
        var moments = ReadSafeTensors(optimizerPath);
        var first = new float[layout.Count];
        var second = new float[layout.Count];
        var expected = layout.Parameters.SelectMany(p => new[] { FirstMomentName(p.Name), SecondMomentName(p.Name) }).ToHashSet();
        RefuseUnknown(optimizerPath, moments, expected, "it holds m.<parameter> and v.<parameter> for the config's parameters only");
        Gather(optimizerPath, moments, layout, FirstMomentName, first, negativeAllowed: true);
        Gather(optimizerPath, moments, layout, SecondMomentName, second, negativeAllowed: false);
        return new Contents(state, parameters, first, second);
    }

    /// <summary>Copies each parameter's tensor into its place in <paramref name="buffer"/>, checking that it is there, has the layout's shape and holds finite values.</summary>
    private static void Gather(string path, SafeTensorsContents file, ParameterLayout layout, Func<string, string> nameOf, float[] buffer, bool negativeAllowed)
    {
        foreach (var parameter in layout.Parameters)
        {
            var name = nameOf(parameter.Name);
            if (!file.Tensors.TryGetValue(name, out var tensor))
                throw new CheckpointException($"{path}: {name}: missing (the config's layout has it, shape {SafeTensorsFile.ShapeText(parameter.Shape)})");
            if (!tensor.Shape.SequenceEqual(parameter.Shape))
                throw new CheckpointException($"{path}: {name}: shape {SafeTensorsFile.ShapeText(tensor.Shape)} in the file, the config says {SafeTensorsFile.ShapeText(parameter.Shape)}");
            for (var i = 0; i < tensor.Data.Length; i++)
            {
                var value = tensor.Data[i];
                if (!float.IsFinite(value))
                    throw new CheckpointException($"{path}: {name}: element {Index(i, tensor.Shape)} is {value.ToString(CultureInfo.InvariantCulture)}; a checkpoint holds finite values only");
                if (!negativeAllowed && value < 0)
                    throw new CheckpointException($"{path}: {name}: element {Index(i, tensor.Shape)} is {value.ToString(CultureInfo.InvariantCulture)}; a second moment cannot be negative");
            }
            tensor.Data.CopyTo(buffer, parameter.Offset);
        }
    }

    private static void RefuseUnknown(string path, SafeTensorsContents file, HashSet<string> expected, string why)
    {
        foreach (var name in file.Names)
            if (!expected.Contains(name))
                throw new CheckpointException($"{path}: {name} {SafeTensorsFile.ShapeText(file.Tensors[name].Shape)}: unknown tensor; {why}");
    }

    private static SafeTensorsContents ReadSafeTensors(string path)
    {
        try
        {
            return SafeTensorsFile.Read(path);
        }
        catch (FormatException error)
        {
            throw new CheckpointException(error.Message, error);
        }
    }

    private static string RequireFile(string folder, string name)
    {
        var path = Path.Combine(folder, name);
        if (File.Exists(path)) return path;
        if (Directory.Exists(folder))
            throw new CheckpointException($"{path}: missing; a checkpoint holds {ConfigFileName}, {ModelFileName}, {StateFileName} and, with an optimizer, {OptimizerFileName}");
        var displaced = Leftovers(folder, "old");
        throw new CheckpointException(displaced.Count == 0
            ? $"{folder}: no checkpoint there (the folder does not exist)"
            : $"{folder}: no checkpoint there; a save stopped while replacing it and the previous one is intact at {displaced[0]} (Checkpoint.RecoverInterruptedSave puts it back)");
    }

    /// <summary>Moves the complete new folder into place: an older one is renamed away first and deleted only once the new one is in.</summary>
    private static void ReplaceDirectory(string complete, string target)
    {
        if (!Directory.Exists(target))
        {
            Directory.Move(complete, target);
            return;
        }
        var displaced = DurableFiles.TemporarySibling(target, "old");
        Directory.Move(target, displaced);
        try
        {
            Directory.Move(complete, target);
        }
        catch
        {
            Directory.Move(displaced, target);
            throw;
        }
        Directory.Delete(displaced, recursive: true);
    }

    /// <summary>Hidden siblings <c>.name.&lt;32 hex digits&gt;.suffix</c> left by interrupted saves (and no other checkpoint's).</summary>
    private static List<string> Leftovers(string target, string suffix)
    {
        var parent = Path.GetDirectoryName(target)!;
        var prefix = $".{Path.GetFileName(target)}.";
        if (!Directory.Exists(parent)) return [];
        return Directory.GetDirectories(parent, prefix + "*." + suffix)
            .Where(path =>
            {
                var middle = Path.GetFileName(path)[prefix.Length..^(suffix.Length + 1)];
                return middle.Length == 32 && middle.All(char.IsAsciiHexDigitLower);
            })
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    private static void WriteText(string path, string text) =>
        DurableFiles.WriteNew(path, stream => stream.Write(new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text)));

    private static ReadOnlyMemory<float> Slice(float[] buffer, ParameterInfo parameter) =>
        buffer.AsMemory(checked((int)parameter.Offset), checked((int)parameter.Length));

    private static string FullPath(string directory) => Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));

    private static string Index(int flat, int[] shape)
    {
        var index = new int[shape.Length];
        for (var axis = shape.Length - 1; axis >= 0; axis--)
        {
            index[axis] = flat % shape[axis];
            flat /= shape[axis];
        }
        return SafeTensorsFile.ShapeText(index);
    }

    private static string Describe(ModelConfig c) =>
        $"layers {c.Layers}, heads {c.Heads}, channels {c.Channels}, context {c.ContextLength}, vocabulary {c.VocabularySize}, points {c.PointCount}";

    private static readonly JsonSerializerOptions StateJson = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };

    private sealed record StateFile(string Format, int Version, int Step, OptimizerFields? Optimizer, ScheduleFields? LearningRateSchedule, JsonObject? Extra);

    private sealed record OptimizerFields(float LearningRate, float Beta1, float Beta2, float Epsilon, float WeightDecay, float MaxGradientNorm)
    {
        public static OptimizerFields From(AdamWSettings s, float maxGradientNorm) => new(s.LearningRate, s.Beta1, s.Beta2, s.Epsilon, s.WeightDecay, maxGradientNorm);

        public SavedOptimizer ToSaved() => new(new AdamWSettings(LearningRate, Beta1, Beta2, Epsilon, WeightDecay), MaxGradientNorm);
    }

    private sealed record ScheduleFields(float Peak, int WarmupSteps, int DecaySteps, float MinimumFraction);
}
