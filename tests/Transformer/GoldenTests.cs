using System.Text.Json;
using GoSeqZero.Kernels;
using GoSeqZero.Tests.Kernels;
using GoSeqZero.Tests.Kernels.Checks;
using GoSeqZero.Transformer;
using GoSeqZero.Transformer.Checkpoints;

namespace GoSeqZero.Tests.Transformer;

/// <summary>
/// The whole model against PyTorch (docs/design.md, How things are measured; llm.c's test_gpt2): the same tiny model,
/// weights and batch run through torch in float64 by scripts/golden/make_golden.py, whose outputs are kept in
/// tests/Data/Golden.
/// <para>
/// Tolerances, in llm.c's spirit but tighter (its model is far bigger). Float32 PyTorch on these files differs from
/// the float64 answer by at most 1.4e-6 in the logits (|logit| ≤ 3.2), 1e-8 relative in the loss, 1.2e-7 in any
/// gradient (largest gradients ≈ 0.1–0.3) and 5e-7 relative in the losses of the ten steps. Our kernels sum in other
/// orders and may approximate exp and tanh, so each bound leaves about a hundredfold margin over that, while a wrong
/// op (a missing mask bit, a head split the other way, a GELU without its cubic term) moves these values by 1e-2 or
/// more. Gradients get an absolute floor proportional to the tensor's largest value: some entries (the key biases,
/// whose exact gradient is 0, softmax being blind to a constant added to every score) are float32 noise.
/// Measured on both devices: logits within 1.6e-6, loss 7e-9 relative, every gradient within 0.5% of its bound,
/// step losses and norms within 3.3e-7 relative.
/// </para>
/// </summary>
[Collection("Kernels")]
public class GoldenTests
{
    private const double LogitRtol = 1e-5, LogitAtol = 1e-4;
    private const double LossRtol = 1e-5, LossAtol = 1e-6;
    private const double GradientRtol = 1e-3, GradientAtolOfLargest = 1e-4;
    private const double StepRtol = 1e-4;

    [Theory]
    [MemberData(nameof(KernelDevices.Both), MemberType = typeof(KernelDevices))]
    public void ForwardAndBackwardMatchPyTorchLogitsLossAndEveryGradient(string deviceName)
    {
        var golden = GoldenFiles.Load();
        using var model = golden.CreateModel(KernelDevices.Get(deviceName));

        var loss = model.Forward(golden.Batch);
        KernelCheck.AssertClose([golden.Expected.Loss], [loss], LossRtol, LossAtol, $"{deviceName}: loss");
        var logits = golden.Outputs.Tensors["logits"];
        Assert.Equal(logits.Shape, model.Logits.Shape);
        KernelCheck.AssertClose(KernelCheck.ToDouble(logits.Data), model.Logits, LogitRtol, LogitAtol, $"{deviceName}: logits");

        model.Backward();
        foreach (var parameter in model.Layout.Parameters)
        {
            var expected = golden.Outputs.Tensors["gradients." + parameter.Name].Data;
            var largest = expected.Max(MathF.Abs);
            KernelCheck.AssertClose(KernelCheck.ToDouble(expected), model.Gradient(parameter.Name), GradientRtol,
                GradientAtolOfLargest * largest, $"{deviceName}: gradient of {parameter.Name} (largest |value| {largest:g3})");
        }
        var norm = Math.Sqrt(model.Ops.SumOfSquares(model.Gradients));
        KernelCheck.AssertClose([golden.Expected.GradientNorm], [(float)norm], StepRtol, 0, $"{deviceName}: gradient norm");
    }

    [Theory]
    [MemberData(nameof(KernelDevices.Both), MemberType = typeof(KernelDevices))]
    public void TenClippedAdamWStepsFollowPyTorchLossesAndGradientNorms(string deviceName)
    {
        var golden = GoldenFiles.Load();
        var settings = golden.Expected.Optimizer;
        using var model = golden.CreateModel(KernelDevices.Get(deviceName));
        using var optimizer = new AdamWOptimizer(model,
            new AdamWSettings(settings.LearningRate, settings.Beta1, settings.Beta2, settings.Epsilon, settings.WeightDecay),
            settings.MaxGradientNorm);

        for (var step = 1; step <= settings.Steps; step++)
        {
            var loss = model.Forward(golden.Batch);
            KernelCheck.AssertClose([golden.Expected.Losses[step - 1]], [loss], StepRtol, 0, $"{deviceName}: loss before step {step}");
            model.Backward();
            var norm = optimizer.Update(settings.LearningRate);
            KernelCheck.AssertClose([golden.Expected.GradientNorms[step - 1]], [norm], StepRtol, 0, $"{deviceName}: gradient norm at step {step}");
        }
        var final = model.Forward(golden.Batch);
        KernelCheck.AssertClose([golden.Expected.Losses[settings.Steps]], [final], StepRtol, 0, $"{deviceName}: loss after step {settings.Steps}");
    }

    [Fact]
    public void GoldenDataCoversMasksPaddingWeightsAndClipping()
    {
        var golden = GoldenFiles.Load();
        var batch = golden.Batch;
        var config = golden.Config;
        Assert.True(config.VocabularySize > 32, "masks should span more than one 32-bit word");
        Assert.True(config.Layers >= 2 && config.Heads >= 2, "at least two layers and two heads");

        var rows = Enumerable.Range(0, batch.Rows).ToArray();
        var allowedCounts = rows.Select(r => Enumerable.Range(0, config.VocabularySize).Count(token => IsAllowed(batch, r, token))).ToArray();
        Assert.Contains(allowedCounts, count => count < config.VocabularySize);
        Assert.Contains(allowedCounts, count => count == config.VocabularySize);
        Assert.All(rows, r => Assert.True(IsAllowed(batch, r, batch.Targets[r]), $"row {r}: its target is not allowed"));
        Assert.Contains(batch.Weights, weight => weight == 0);
        Assert.Contains(batch.Weights, weight => weight is > 0 and not 1);
        var lastRow = batch.Tokens - 1;
        Assert.Contains(Enumerable.Range(0, batch.Sequences), s => batch.Weights[s * batch.Tokens + lastRow] == 0);

        var optimizer = golden.Expected.Optimizer;
        Assert.Equal("constant", optimizer.Schedule);
        Assert.Equal(optimizer.Steps, golden.Expected.GradientNorms.Length);
        Assert.Equal(optimizer.Steps + 1, golden.Expected.Losses.Length);
        Assert.Contains(golden.Expected.GradientNorms, norm => norm > optimizer.MaxGradientNorm);
        Assert.Contains(golden.Expected.GradientNorms, norm => norm < optimizer.MaxGradientNorm);

        var weights = golden.Weights.Names.ToHashSet();
        Assert.Equal(new ParameterLayout(config).Parameters.Select(p => p.Name).ToHashSet(), weights);
        Assert.Equal(weights.Select(name => "gradients." + name).Append("logits").ToHashSet(), golden.Outputs.Names.ToHashSet());
    }

    private static bool IsAllowed(TrainingBatch batch, int row, int token) =>
        (batch.AllowedTokens![row * batch.MaskWords + token / 32] & (1u << (token % 32))) != 0;
}

/// <summary>The files of tests/Data/Golden, written by scripts/golden/make_golden.py.</summary>
internal sealed class GoldenFiles
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "Data", "Golden");

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        RespectRequiredConstructorParameters = true,
    };

    private GoldenFiles(ModelConfig config, TrainingBatch batch, GoldenExpected expected, SafeTensorsContents weights, SafeTensorsContents outputs)
    {
        Config = config;
        Batch = batch;
        Expected = expected;
        Weights = weights;
        Outputs = outputs;
    }

    public ModelConfig Config { get; }
    public TrainingBatch Batch { get; }
    public GoldenExpected Expected { get; }

    /// <summary>The initial weights, named as <see cref="ParameterLayout"/> names them.</summary>
    public SafeTensorsContents Weights { get; }

    /// <summary>"logits" [B, T, V] and "gradients.NAME" for every parameter.</summary>
    public SafeTensorsContents Outputs { get; }

    public static GoldenFiles Load()
    {
        var configPath = Path.Combine(Folder, "config.json");
        var config = ModelConfig.FromJson(File.ReadAllText(configPath), configPath);
        var batch = ReadJson<GoldenBatch>("batch.json").ToTrainingBatch(config.VocabularySize);
        var expected = ReadJson<GoldenExpected>("expected.json");
        return new GoldenFiles(config, batch, expected,
            SafeTensorsFile.Read(Path.Combine(Folder, "weights.safetensors")),
            SafeTensorsFile.Read(Path.Combine(Folder, "expected.safetensors")));
    }

    /// <summary>A model on <paramref name="device"/> holding the golden weights instead of its own initialisation.</summary>
    public Gpt CreateModel(Device device)
    {
        var model = new Gpt(device, Config);
        foreach (var parameter in model.Layout.Parameters)
        {
            if (!Weights.Tensors.TryGetValue(parameter.Name, out var weight))
                throw new InvalidDataException($"weights.safetensors has no tensor '{parameter.Name}'");
            Assert.True(parameter.Shape.SequenceEqual(weight.Shape),
                $"{parameter.Name}: golden shape [{string.Join(", ", weight.Shape)}], the model's [{string.Join(", ", parameter.Shape)}]");
            model.Parameter(parameter.Name).CopyFrom(weight.Data);
        }
        return model;
    }

    private static T ReadJson<T>(string name)
    {
        var path = Path.Combine(Folder, name);
        return JsonSerializer.Deserialize<T>(File.ReadAllText(path), Json) ?? throw new InvalidDataException($"{path}: null");
    }
}

internal sealed record GoldenBatch(int Sequences, int Tokens, int[] TokenIds, int[] Positions, int[] PointIds, int[] Targets,
    float[] Weights, int[]?[] AllowedTokens)
{
    /// <summary>A batch with masks; a null list of allowed tokens allows every token of the row.</summary>
    public TrainingBatch ToTrainingBatch(int vocabularySize)
    {
        var batch = new TrainingBatch(Sequences, Tokens, vocabularySize, withMasks: true);
        foreach (var (field, length) in new[] { ("token_ids", TokenIds.Length), ("positions", Positions.Length), ("point_ids", PointIds.Length),
                     ("targets", Targets.Length), ("weights", Weights.Length), ("allowed_tokens", AllowedTokens.Length) })
            if (length != batch.Rows) throw new InvalidDataException($"batch.json: {field} has {length} rows, not {Sequences}×{Tokens}");
        TokenIds.CopyTo(batch.TokenIds, 0);
        Positions.CopyTo(batch.Positions, 0);
        PointIds.CopyTo(batch.PointIds, 0);
        Targets.CopyTo(batch.Targets, 0);
        Weights.CopyTo(batch.Weights, 0);
        for (var row = 0; row < batch.Rows; row++)
            foreach (var token in AllowedTokens[row] ?? Enumerable.Range(0, vocabularySize).ToArray())
                batch.Allow(row, token);
        return batch;
    }
}

internal sealed record GoldenOptimizer(float LearningRate, float Beta1, float Beta2, float Epsilon, float WeightDecay,
    float MaxGradientNorm, int Steps, string Schedule);

/// <summary>expected.json: losses[k] is the loss after k steps; gradient_norms[k] the norm before clipping at step k + 1.</summary>
internal sealed record GoldenExpected(string GeneratedBy, double Loss, double GradientNorm, GoldenOptimizer Optimizer,
    double[] Losses, string LossesNote, double[] GradientNorms, string GradientNormsNote);
