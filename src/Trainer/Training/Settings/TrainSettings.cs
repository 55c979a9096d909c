using System.Text.Json;
using System.Text.Json.Nodes;
using GoSeqZero.Trainer.Search;
using GoSeqZero.Trainer.Sequences;

namespace GoSeqZero.Trainer.Training;

/// <summary>
/// Everything that decides a training run, one record per concern, saved as the run's <c>config.json</c> (one JSON
/// object per record) and read back on resume. Each record owns its defaults (what <c>goseqzero train</c> uses when a
/// flag is not given), its checks and its JSON form; the flags map onto them in <c>Cli/TrainCommand.cs</c>. Only
/// the fields <see cref="MayChangeOnResume"/> names may change when a run is resumed; everything else is the run.
/// </summary>
internal sealed record TrainSettings
{
    public RunSettings Run { get; init; } = new();

    /// <summary>How each search step is written (self-play sets its mode, Gumbel noise, grounding and komi per step: <see cref="SearchFor"/>).</summary>
    public SearchSettings Search { get; init; } = new();

    public SelfPlaySettings SelfPlay { get; init; } = new();
    public ModelSettings Model { get; init; } = new();
    public OptimizerSettings Optimizer { get; init; } = new();
    public LossSettings Losses { get; init; } = new();
    public EvaluationSettings Evaluation { get; init; } = new();
    public CadenceSettings Cadence { get; init; } = new();

    /// <summary>How a search step on an n×n board is written in this run.</summary>
    public SearchSettings SearchFor(int size, SearchMode mode) =>
        Search.ForMode(mode).ForBoard(size) with
        {
            GumbelTopK = SelfPlay.Gumbel, GroundReplies = SelfPlay.GroundReplies, GroundPlayouts = SelfPlay.GroundPlayouts, Komi = Run.Komi,
        };

    /// <summary>How the checkpoint of <paramref name="step"/> searches as a player: the run's search, in the mode self-play was writing (saved in the checkpoint).</summary>
    public SearchSettings PlayerSearchAt(long step) => Search.ForMode(SelfPlay.PlayerModeAt(step));

    /// <summary>The longest sequence of the run: a step of either mode in use on the largest board.</summary>
    public int ContextLength()
    {
        var size = Run.MaxSize;
        var tree = SearchFor(size, SearchMode.Tree).MaxTokens(size);
        return SelfPlay.WritesRolloutSteps ? Math.Max(tree, SearchFor(size, SearchMode.Rollout).MaxTokens(size)) : tree;
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the flag that is out of range and what would be right.</summary>
    public void Validate()
    {
        Run.Validate();
        Search.Validate();
        SelfPlay.Validate();
        Model.Validate();
        Optimizer.Validate();
        Losses.Validate();
        Evaluation.Validate();
        Cadence.Validate();
        Setting.Require(SelfPlay.WritesTreeSteps || Search.Boards != BoardSource.Imagined,
            $"--boards imagined with --rollout-fraction {SelfPlay.RolloutFraction}: rollout steps have no boards to imagine; give --rollout-fraction (or --rollout-switch) below 1 (the default, 1, writes rollout steps only)");
    }

    /// <summary>
    /// The config.json fields a resumed run may change, as "record.field" or a whole "record": the bounds and device of
    /// the session, and the cadence and evaluation, which change nothing that is learnt. The resume check, its error
    /// message and <c>train --help</c>'s --resume line all read this list.
    /// </summary>
    public static readonly IReadOnlyList<string> MayChangeOnResume =
    [
        Path(nameof(Run), nameof(RunSettings.Steps)),
        Path(nameof(Run), nameof(RunSettings.Minutes)),
        Path(nameof(Run), nameof(RunSettings.Device)),
        Path(nameof(Evaluation)),
        Path(nameof(Cadence)),
    ];

    /// <summary>Whether the config.json field at <paramref name="path"/> ("record.field") may change on resume.</summary>
    public static bool MayChange(string path) =>
        MayChangeOnResume.Any(allowed => path == allowed || path.StartsWith(allowed + ".", StringComparison.Ordinal));

    /// <summary>A field's path in config.json ("search.top_k") from its records' and field's C# names.</summary>
    public static string Path(params string[] names) => string.Join('.', names.Select(Setting.JsonName));

    /// <summary>The config.json fields (paths) whose values differ between this and <paramref name="other"/>.</summary>
    public IEnumerable<string> FieldsChangedFrom(TrainSettings other)
    {
        var mine = ToJsonNode();
        var theirs = other.ToJsonNode();
        foreach (var (record, fields) in mine)
            foreach (var (field, value) in fields!.AsObject())
                if (!JsonNode.DeepEquals(value, theirs[record]?[field]))
                    yield return $"{record}.{field}";
    }

    /// <summary>One field as config.json writes it, for messages: "16", "[5,7]", "\"rules\"".</summary>
    public string FieldJson(string path)
    {
        JsonNode? node = ToJsonNode();
        foreach (var name in path.Split('.')) node = node?[name];
        return node?.ToJsonString() ?? "null";
    }

    private JsonObject ToJsonNode() => JsonSerializer.SerializeToNode(this, Setting.JsonOptions)!.AsObject();

    public string ToJson() => JsonSerializer.Serialize(this, Setting.JsonOptions);

    /// <summary>
    /// Reads a run's config.json; throws <see cref="FormatException"/> naming the file and what is wrong. A config
    /// written before the settings were grouped (every field at the top level) is read into the records.
    /// </summary>
    public static TrainSettings FromJson(string json, string source)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(json);
        }
        catch (JsonException error)
        {
            throw new FormatException($"{source}: not a training config ({error.Message})", error);
        }
        if (node is not JsonObject root) throw new FormatException($"{source}: not a training config (not a JSON object)");
        var settings = Setting.Deserialize<TrainSettings>(IsFlat(root) ? Grouped(root, source) : root, source, "a training config");
        Setting.Validated(settings.Validate, source);
        return settings;
    }

    /// <summary>Equal when both would write the same config.json (lists compare by value).</summary>
    public bool SameAs(TrainSettings other) => ToJson() == other.ToJson();

    /// <summary>A flat config: no record's object at the top level.</summary>
    private static bool IsFlat(JsonObject root) => !root.Any(field => field.Value is JsonObject);

    /// <summary>Fields of the flat config that the records name differently (flat name → path).</summary>
    private static readonly Dictionary<string, string> RenamedFlatFields = new()
    {
        ["eval_every"] = Path(nameof(Evaluation), nameof(EvaluationSettings.Every)),
        ["eval_games"] = Path(nameof(Evaluation), nameof(EvaluationSettings.Games)),
        ["eval_players"] = Path(nameof(Evaluation), nameof(EvaluationSettings.Players)),
        ["eval_opponents"] = Path(nameof(Evaluation), nameof(EvaluationSettings.Opponents)),
    };

    /// <summary>The flat config's fields moved into the record that holds a field of the same name.</summary>
    private static JsonObject Grouped(JsonObject flat, string source)
    {
        var records = JsonSerializer.SerializeToNode(new TrainSettings(), Setting.JsonOptions)!.AsObject();
        var grouped = new JsonObject();
        foreach (var (name, value) in flat)
        {
            if (name == "max_size") continue; // was written, never read: it follows from the sizes
            var path = RenamedFlatFields.TryGetValue(name, out var renamed) ? renamed
                : records.FirstOrDefault(r => r.Value!.AsObject().ContainsKey(name)).Key is { } record ? $"{record}.{name}"
                : throw new FormatException($"{source}: '{name}' is not a training setting");
            var (recordName, field) = (path[..path.IndexOf('.')], path[(path.IndexOf('.') + 1)..]);
            if (grouped[recordName] is not JsonObject target) grouped[recordName] = target = new JsonObject();
            target[field] = value?.DeepClone();
        }
        // Flat configs predate grounding: their runs wrote ungrounded tree steps, and a resumed run must go on so.
        var selfPlay = Setting.JsonName(nameof(SelfPlay));
        if (grouped[selfPlay] is not JsonObject selfPlayRecord) grouped[selfPlay] = selfPlayRecord = new JsonObject();
        selfPlayRecord[Setting.JsonName(nameof(SelfPlaySettings.GroundReplies))] = 0;
        return grouped;
    }
}
