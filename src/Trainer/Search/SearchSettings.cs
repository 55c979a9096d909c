using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using GoSeqZero.Trainer.Sequences;

namespace GoSeqZero.Trainer.Search;

/// <summary>Who writes the child boards of a tree step (docs/sequence-format.md).</summary>
public enum BoardSource
{
    /// <summary>The rules engine (AlphaZero-style).</summary>
    Rules,
    /// <summary>The model (MuZero-style); the rules engine grades what it wrote.</summary>
    Imagined,
}

/// <summary>
/// How one search step is written: the one search-options type of the trainer's self-play (config.json's "search"),
/// a checkpoint's players (its "player_search", the very record the trainer wrote), model player specs
/// (<c>model:CK:search:top-k=8</c>) and <c>goseqzero show</c>. Its defaults are the trainer's defaults.
/// <para>
/// Some fields belong to one use, not to the options a user picks, and stay out of the JSON form: the komi (the
/// game's), whether the model writes the IMPROVED row (the player's kind), sampled value tokens, and the Gumbel noise
/// and grounding (self-play's exploration and training targets). The mode is written only where one mode is meant (a checkpoint's players): self-play
/// picks each step's mode from its rollout fraction.
/// </para>
/// </summary>
internal sealed record SearchSettings
{
    [JsonIgnore]
    public SearchMode Mode { get; init; } = SearchMode.Tree;

    public BoardSource Boards { get; init; } = BoardSource.Rules;

    /// <summary>How many of the root's best legal moves get a CHILD (or ROLLOUT) block; capped on small boards by <see cref="ForBoard"/>.</summary>
    public int TopK { get; init; } = 4;

    /// <summary>
    /// Random playouts per searched move in a rollout step: the first is written out, the backup is the mean of all,
    /// and with more than one that mean is written after the RESULT as a value token.
    /// </summary>
    public int Playouts { get; init; } = 16;

    /// <summary>
    /// Write the first playout's moves into a rollout block. Off, a block is ROLLOUT m RESULT outcome [mean]: five
    /// tokens instead of up to 3·n² + 5, so a step can search many more moves in the same context (the search is then
    /// as wide as the prior's top k, and its depth is all in the playouts' means).
    /// </summary>
    public bool WritePlayouts { get; init; } = true;

    /// <summary>Tokens a rollout block spends on the mean of its playouts: one when there are several.</summary>
    private int MeanTokens => Playouts > 1 ? 1 : 0;

    /// <summary>Perturb the root values with Gumbel noise before taking the top k: self-play's exploration, set by the trainer.</summary>
    [JsonIgnore]
    public bool GumbelTopK { get; init; }

    /// <summary>Scale of the root values against the unit Gumbel noise: score = value / temperature + Gumbel.</summary>
    public double GumbelTemperature { get; init; } = 0.1;

    /// <summary>
    /// Search the pass only after the opponent's pass or when every legal move lies in the mover's own area (empty
    /// regions reaching only its stones) or fills its own single-point eye; otherwise it is never searched, so never
    /// played by the players that search nor by self-play's greedy moves. Off, the pass competes like any move.
    /// </summary>
    public bool PassOnlyAsLastResort { get; init; } = true;

    /// <summary>When the root has PASSED, search the pass (its child is the game's end, scored) beside the top k.</summary>
    public bool SearchPassAfterPass { get; init; } = true;

    /// <summary>Step size of the backup: e'(m) = e(m) + α·(backup(m) − e(m)).</summary>
    public double Alpha { get; init; } = 1;

    /// <summary>
    /// Cap an unsearched move's improved value at the best searched move's: e'(m) = min(e(m), max over searched e').
    /// Off, unsearched moves keep their prior e(m) (the first form of the backup, kept for comparison).
    /// </summary>
    public bool CapUnsearched { get; init; } = true;

    /// <summary>
    /// Training only, set by self-play (<c>SelfPlaySettings.GroundReplies</c>; players never ground, and the JSON form
    /// leaves it out): in a tree step, the rules engine grounds each child's EST row. The
    /// child's <see cref="GroundReplies"/> best replies by its own row each get <see cref="GroundPlayouts"/> random
    /// playouts from the position after them; 1 − their mean becomes the reply's target in the child's EST row, and the
    /// move's backup is 1 − the best grounded reply, a two-ply minimax over playout means. Nothing of it is written
    /// into the sequence, so the model's own tree search (child rows, IMPROVED row) is what learns it. 0: off.
    /// </summary>
    [JsonIgnore]
    public int GroundReplies { get; init; }

    /// <summary>Random playouts for each grounded reply (<see cref="GroundReplies"/>).</summary>
    [JsonIgnore]
    public int GroundPlayouts { get; init; } = 16;

    /// <summary>When true the model writes the IMPROVED row itself (the search player); otherwise it is forced from the backup.</summary>
    [JsonIgnore]
    public bool ModelWritesImproved { get; init; }

    /// <summary>Write a value token sampled from the model's bucket distribution instead of the bucket of its expected value.</summary>
    [JsonIgnore]
    public bool SampleValueTokens { get; init; }

    [JsonIgnore]
    public double Komi { get; init; } = 7.5;

    /// <summary>These settings for a step in <paramref name="mode"/>: rollout steps have no boards to imagine, so they take the rules'.</summary>
    public SearchSettings ForMode(SearchMode mode) => this with { Mode = mode, Boards = mode == SearchMode.Tree ? Boards : BoardSource.Rules };

    /// <summary>These settings on an n×n board: top-k capped at the n² + 1 moves there are.</summary>
    public SearchSettings ForBoard(int boardSize) => this with { TopK = Math.Min(TopK, boardSize * boardSize + 1) };

    /// <summary>Throws <see cref="ArgumentException"/> naming the option (as the trainer's flag) that is out of range.</summary>
    public void Validate()
    {
        Setting.Require(TopK >= 1, $"--top-k {TopK} must be at least 1");
        Setting.Require(Playouts >= 1, $"--playouts {Playouts} must be at least 1");
        Setting.Require(Alpha is >= 0 and <= 1, $"--alpha {Alpha} must be between 0 and 1");
        Setting.Require(GumbelTemperature > 0 && double.IsFinite(GumbelTemperature), $"gumbel_temperature {GumbelTemperature} must be a positive number");
        Setting.Require(Mode == SearchMode.Tree || Boards == BoardSource.Rules, $"--boards imagined in a rollout step: rollout steps have no boards to imagine");
    }

    /// <summary>The longest sequence a step on an n×n board can be (the KV cache's capacity).</summary>
    public int MaxTokens(int boardSize)
    {
        var points = boardSize * boardSize;
        var row = points + 2;                       // EST/IMPROVED marker + n² + pass
        var board = points + 2;                     // ROOT/CHILD marker... + side to move + n² points
        var header = 3 + board + row;               // BOS SIZE MODE, root board, root EST
        var block = Mode == SearchMode.Tree
            ? 1 + board + Math.Max(row, 2)          // CHILD m TO_MOVE board, then EST row or RESULT outcome
            : 2 + (WritePlayouts ? 3 * points : 0) + 2 + MeanTokens; // ROLLOUT m, the playout up to the move cap, RESULT outcome [mean]
        // IMPROVED row, EOS, and one PASSED at most: after a pass child's side to move, or after the root's; a root
        // with PASSED ends the game with its pass, whose child (searched beside the top k when SearchPassAfterPass)
        // has a RESULT instead of a board that goes on: CHILD PASS side board RESULT outcome, or ROLLOUT PASS RESULT outcome.
        var passAfterPass = 1 + (!SearchPassAfterPass ? 0 : Mode == SearchMode.Tree ? 3 + points + 2 : 4 + MeanTokens);
        return header + TopK * block + row + 1 + Math.Max(1, passAfterPass);
    }

    /// <summary>The JSON form, with the mode when <paramref name="withMode"/> (a checkpoint's players: one mode is meant).</summary>
    public JsonObject ToJson(bool withMode = false)
    {
        var json = JsonSerializer.SerializeToNode(this, Setting.JsonOptions)!.AsObject();
        if (withMode) json.Insert(0, ModeField, JsonValue.Create(ModeName(Mode)));
        return json;
    }

    /// <summary>
    /// Reads the JSON form (fields left out take their defaults, so that checkpoints written before a field existed
    /// still load); a "mode" field sets <see cref="Mode"/>. Throws <see cref="FormatException"/> naming
    /// <paramref name="source"/> and what is wrong.
    /// </summary>
    public static SearchSettings FromJson(JsonObject json, string source)
    {
        var copy = json.DeepClone().AsObject();
        var mode = SearchMode.Tree;
        if (copy.Remove(ModeField, out var modeNode))
            mode = (modeNode?.GetValueKind() == JsonValueKind.String ? modeNode.GetValue<string>() : null) switch
            {
                "tree" => SearchMode.Tree,
                "rollout" => SearchMode.Rollout,
                _ => throw new FormatException($"{source}: mode is {modeNode?.ToJsonString() ?? "null"}, not \"tree\" or \"rollout\""),
            };
        var settings = Setting.Deserialize<SearchSettings>(copy, source, "search settings") with { Mode = mode };
        Setting.Validated(settings.Validate, source);
        return settings;
    }

    private const string ModeField = "mode";

    public static string ModeName(SearchMode mode) => mode == SearchMode.Tree ? "tree" : "rollout";
}
