using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using GoSeqZero.Go;
using GoSeqZero.Kernels;
using GoSeqZero.Trainer.Players;
using GoSeqZero.Trainer.Search;
using GoSeqZero.Trainer.Sequences;

namespace GoSeqZero.Trainer.Training;

/// <summary>Where a finished game's outcome goes in the targets of its steps (--outcome-blend).</summary>
internal enum OutcomeBlend
{
    /// <summary>The IMPROVED value of the move played in each step.</summary>
    Played,
    /// <summary>Every legal move's IMPROVED value: a value target for the position itself.</summary>
    All,
}

/// <summary>
/// Everything that decides a training run (DESIGN.md §4), saved as the run's <c>config.json</c> and read back on
/// resume. Defaults are the values <c>goseqzero train</c> uses when a flag is not given. <see cref="Steps"/>,
/// <see cref="Minutes"/>, the device and the checkpoint, evaluation and display cadence may change on resume
/// (<see cref="MayChangeOnResume"/>); everything else is the run.
/// </summary>
internal sealed record TrainSettings
{
    /// <summary>Board sizes in curriculum order; a run of one size has one.</summary>
    public IReadOnlyList<int> Sizes { get; init; } = [5];

    /// <summary>Steps on each size of <see cref="Sizes"/> before the next (the last size then runs on); 0 with one size.</summary>
    public int CurriculumSteps { get; init; }

    /// <summary>Self-play games in parallel: the decode batch.</summary>
    public int Games { get; init; } = 16;

    public int TopK { get; init; } = 4;

    /// <summary>Share of search steps written as rollout steps (mode 1) instead of tree steps.</summary>
    public double RolloutFraction { get; init; } = 1;

    /// <summary>From this step on (0: never), <see cref="LaterRolloutFraction"/> replaces <see cref="RolloutFraction"/>: rollouts can ground the values before tree steps come in.</summary>
    public int RolloutSwitchStep { get; init; }

    public double LaterRolloutFraction { get; init; } = 0.5;

    /// <summary>The share of rollout steps at step <paramref name="step"/> (0-based: the step being taken).</summary>
    public double RolloutFractionAt(long step) => RolloutSwitchStep > 0 && step >= RolloutSwitchStep ? LaterRolloutFraction : RolloutFraction;

    /// <summary>Random playouts per searched move of a rollout step (one written out, the backup their mean, written after it).</summary>
    public int Playouts { get; init; } = 16;

    /// <summary>Write the first playout's moves into each rollout block (off: ROLLOUT m RESULT outcome mean, so a wide top-k fits).</summary>
    public bool WritePlayouts { get; init; } = true;

    /// <summary>
    /// The mode the checkpoint's players search in after <paramref name="step"/> steps: rollout when self-play writes
    /// rollout steps only (the model never learnt to write a tree step's IMPROVED row), tree otherwise.
    /// </summary>
    public SearchMode PlayerModeAt(long step) => RolloutFractionAt(Math.Max(0, step - 1)) >= 1 ? SearchMode.Rollout : SearchMode.Tree;

    public BoardSource Boards { get; init; } = BoardSource.Rules;

    /// <summary>Gumbel-perturbed top-k selection of the moves to expand, for exploration.</summary>
    public bool Gumbel { get; init; } = true;

    public double Alpha { get; init; } = 1;

    /// <summary>Learn the IMPROVED entries of moves the step neither searched nor played (they repeat the prior, capped).</summary>
    public bool LearnUnsearched { get; init; }

    /// <summary>Pass only after the opponent's pass or when only the mover's own area is left (see <see cref="SearchSettings.PassOnlyAsLastResort"/>).</summary>
    public bool PassOnlyAsLastResort { get; init; } = true;

    /// <summary>Cap each unsearched move's improved value at the best searched move's (see <see cref="SearchSettings.CapUnsearched"/>).</summary>
    public bool CapUnsearched { get; init; } = true;

    public double Komi { get; init; } = 7.5;

    public int Layers { get; init; } = DefaultModel.Layers;
    public int Channels { get; init; } = DefaultModel.Channels;
    public int Heads { get; init; } = DefaultModel.Heads;

    /// <summary>Start the point-id embedding with the board's geometry (<see cref="PointGeometry"/>) instead of at random.</summary>
    public bool GeometricPoints { get; init; } = true;

    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Linear warm-up of the learning rate over this many steps; constant after it.</summary>
    public int WarmupSteps { get; init; } = 100;

    /// <summary>Cosine decay of the learning rate to a tenth of its peak at this step, flat after it; 0: no decay.</summary>
    public int DecaySteps { get; init; }

    public double WeightDecay { get; init; } = 0.1;

    /// <summary>Global gradient-norm clip; 0 turns clipping off.</summary>
    public double Clip { get; init; } = 1;

    /// <summary>Weight of a finished game's outcome in the target of the move played: e' ← (1−λ)e' + λz.</summary>
    public double Lambda { get; init; } = 0.5;

    /// <summary>Which IMPROVED values of a finished game's steps get the outcome: the move played (DESIGN.md §4) or every legal move.</summary>
    public OutcomeBlend OutcomeBlend { get; init; } = OutcomeBlend.Played;

    /// <summary>Search steps of finished games kept for replay.</summary>
    public int Replay { get; init; } = 1024;

    /// <summary>Replayed steps added to each update (each with its companion sequence).</summary>
    public int ReplaySamples { get; init; } = 16;

    public double WeightImproved { get; init; } = 1;
    public double WeightPrior { get; init; } = 1;
    public double WeightImagined { get; init; } = 1;
    public double WeightResult { get; init; } = 1;

    /// <summary>Weight of loss (e): the played child's EST row learns the next step's IMPROVED row.</summary>
    public double WeightChild { get; init; } = 1;

    /// <summary>Moves are sampled from softmax(e'/temperature) for the first <see cref="TemperatureMoves"/> moves of a game, argmax after.</summary>
    public double Temperature { get; init; } = 1;

    public int TemperatureMoves { get; init; } = 4;

    /// <summary>Stop when this many steps are done (counted over the whole run); null: no bound.</summary>
    public int? Steps { get; init; }

    /// <summary>Stop after this many minutes of this session; null: no bound.</summary>
    public double? Minutes { get; init; }

    public int CheckpointEvery { get; init; } = 50;

    /// <summary>Checkpoints kept besides evaluated ones (the newest); 0 keeps every one.</summary>
    public int KeepCheckpoints { get; init; } = 5;

    /// <summary>Evaluate every this many steps (0: never).</summary>
    public int EvalEvery { get; init; } = 200;

    /// <summary>The checkpoint's players in each evaluation: prior, search and/or backup.</summary>
    public IReadOnlyList<string> EvalPlayers { get; init; } = ["prior", PeriodicEvaluation.MainPlayer];

    /// <summary>
    /// Each evaluation's opponents: player specs (random, uct:N, gnugo:L; GNU Go is skipped when not installed), "first"
    /// (the untrained step-0 checkpoint) and "previous" (the checkpoint evaluated before).
    /// </summary>
    public IReadOnlyList<string> EvalOpponents { get; init; } = ["random", PeriodicEvaluation.First, PeriodicEvaluation.Previous, "gnugo:1"];

    /// <summary>Time every op of one step in this many (0: never) and append the table to profile.txt in the run folder.</summary>
    public int ProfileEvery { get; init; }

    /// <summary>Games per evaluation match.</summary>
    public int EvalGames { get; init; } = 10;

    public string Device { get; init; } = "auto";

    public int Seed { get; init; } = 1;

    /// <summary>Seconds between plain progress lines when stderr is not a terminal.</summary>
    public double ProgressSeconds { get; init; } = 10;

    /// <summary>The fields a resumed run may change: stopping, device, cadence and display; the rest is the run.</summary>
    public static readonly IReadOnlySet<string> MayChangeOnResume = new HashSet<string>
    {
        nameof(Steps), nameof(Minutes), nameof(Device), nameof(CheckpointEvery), nameof(KeepCheckpoints),
        nameof(EvalEvery), nameof(EvalGames), nameof(EvalPlayers), nameof(EvalOpponents), nameof(ProgressSeconds), nameof(ProfileEvery),
    };

    /// <summary>The board size played at a step (0-based count of steps done).</summary>
    public int SizeAt(long step) =>
        Sizes.Count == 1 ? Sizes[0] : Sizes[(int)Math.Min(step / CurriculumSteps, Sizes.Count - 1)];

    public int MaxSize => Sizes.Max();

    /// <summary>How a search step on an n×n board is written in this run (tree or rollout mode).</summary>
    public SearchSettings SearchFor(int size, SearchMode mode) => new()
    {
        Mode = mode,
        Boards = mode == SearchMode.Tree ? Boards : BoardSource.Rules,
        TopK = Math.Min(TopK, size * size + 1),
        GumbelTopK = Gumbel,
        Alpha = Alpha,
        Playouts = Playouts,
        WritePlayouts = WritePlayouts,
        CapUnsearched = CapUnsearched,
        PassOnlyAsLastResort = PassOnlyAsLastResort,
        Komi = Komi,
    };

    /// <summary>The longest sequence of the run: a step of either mode in use on the largest board.</summary>
    public int ContextLength()
    {
        var tree = SearchFor(MaxSize, SearchMode.Tree).MaxTokens(MaxSize);
        var rollouts = RolloutFraction > 0 || (RolloutSwitchStep > 0 && LaterRolloutFraction > 0);
        return rollouts ? Math.Max(tree, SearchFor(MaxSize, SearchMode.Rollout).MaxTokens(MaxSize)) : tree;
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the flag that is out of range and what would be right.</summary>
    public void Validate()
    {
        static void Require(bool condition, FormattableString message)
        {
            if (!condition) throw new ArgumentException(message.ToString(CultureInfo.InvariantCulture));
        }

        Require(Sizes.Count >= 1, $"--sizes: give at least one board size");
        foreach (var size in Sizes)
            Require(size is >= Vocabulary.MinBoardSize and <= Vocabulary.MaxBoardSize,
                $"--size {size}: the sequence format covers boards {Vocabulary.MinBoardSize} to {Vocabulary.MaxBoardSize}");
        Require(Sizes.Count == 1 || CurriculumSteps >= 1, $"--curriculum-steps {CurriculumSteps}: with several --sizes give the steps spent on each size before the next (at least 1)");
        Require(CurriculumSteps >= 0, $"--curriculum-steps {CurriculumSteps} cannot be negative");
        Require(Games >= 1, $"--games {Games} must be at least 1");
        Require(TopK >= 1, $"--top-k {TopK} must be at least 1");
        Require(RolloutFraction is >= 0 and <= 1, $"--rollout-fraction {RolloutFraction} must be between 0 and 1");
        var treeSteps = RolloutFraction < 1 || (RolloutSwitchStep > 0 && LaterRolloutFraction < 1);
        Require(treeSteps || Boards != BoardSource.Imagined, $"--boards imagined with --rollout-fraction {RolloutFraction}: rollout steps have no boards to imagine; give --rollout-fraction (or --rollout-switch) below 1 (the default, 1, writes rollout steps only)");
        Require(RolloutSwitchStep >= 0, $"--rollout-switch: the step {RolloutSwitchStep} cannot be negative");
        Require(LaterRolloutFraction is >= 0 and <= 1, $"--rollout-switch: the fraction {LaterRolloutFraction} must be between 0 and 1");
        Require(Alpha is >= 0 and <= 1, $"--alpha {Alpha} must be between 0 and 1");
        Require(RuleLimits.IsAcceptableKomi(Komi), $"--komi {Komi} must be a number between {-RuleLimits.MaxKomi} and {RuleLimits.MaxKomi}");
        Require(Layers >= 1, $"--layers {Layers} must be at least 1");
        Require(Heads >= 1, $"--heads {Heads} must be at least 1");
        Require(Channels >= Heads && Channels % Heads == 0, $"--channels {Channels} must be a positive multiple of --heads {Heads}");
        Require(Channels / Math.Max(Heads, 1) <= AttentionShape.MaxHeadSize, $"--channels {Channels} / --heads {Heads} = {Channels / Math.Max(Heads, 1)} is above the largest head size {AttentionShape.MaxHeadSize}; use more heads");
        Require(LearningRate > 0 && double.IsFinite(LearningRate), $"--lr {LearningRate} must be a positive number");
        Require(WarmupSteps >= 0, $"--warmup {WarmupSteps} cannot be negative");
        Require(DecaySteps == 0 || DecaySteps > WarmupSteps, $"--decay-steps {DecaySteps} must be 0 (no decay) or past the warm-up ({WarmupSteps} steps)");
        Require(Playouts >= 1, $"--playouts {Playouts} must be at least 1");
        Require(WeightDecay >= 0 && double.IsFinite(WeightDecay), $"--weight-decay {WeightDecay} must be 0 or more");
        Require(Clip >= 0 && double.IsFinite(Clip), $"--clip {Clip} must be 0 (off) or more");
        Require(Lambda is >= 0 and <= 1, $"--lambda {Lambda} must be between 0 and 1");
        Require(Replay >= 1, $"--replay {Replay} must be at least 1 step");
        Require(ReplaySamples >= 0, $"--replay-samples {ReplaySamples} cannot be negative");
        foreach (var (flag, weight) in new[] { ("--w-improved", WeightImproved), ("--w-prior", WeightPrior), ("--w-imagined", WeightImagined), ("--w-result", WeightResult), ("--w-child", WeightChild) })
            Require(weight >= 0 && double.IsFinite(weight), $"{flag} {weight} must be 0 or more");
        Require(WeightImproved + WeightPrior + WeightImagined + WeightResult + WeightChild > 0, $"the loss weights --w-improved, --w-prior, --w-imagined, --w-result and --w-child are all 0: nothing would be learnt");
        Require(Temperature >= 0 && double.IsFinite(Temperature), $"--temperature {Temperature} must be 0 (argmax) or more");
        Require(TemperatureMoves >= 0, $"--temperature-moves {TemperatureMoves} cannot be negative");
        Require(Steps is null or >= 1, $"--steps {Steps} must be at least 1");
        Require(Minutes is null || (Minutes > 0 && double.IsFinite(Minutes.Value)), $"--minutes {Minutes} must be a positive number");
        Require(CheckpointEvery >= 1, $"--checkpoint-every {CheckpointEvery} must be at least 1 step");
        Require(KeepCheckpoints >= 0, $"--keep-checkpoints {KeepCheckpoints} cannot be negative (0 keeps every one)");
        Require(EvalEvery >= 0, $"--eval-every {EvalEvery} cannot be negative (0 turns evaluation off)");
        Require(ProfileEvery >= 0, $"--profile-every {ProfileEvery} cannot be negative (0 turns profiling off)");
        Require(EvalGames >= 1, $"--eval-games {EvalGames} must be at least 1");
        Require(EvalPlayers.Count >= 1 && EvalPlayers.All(p => p is "prior" or "search" or "backup"),
            $"--eval-players {string.Join(",", EvalPlayers)}: give one or more of prior, search, backup");
        foreach (var opponent in EvalOpponents)
            Require(IsEvalOpponent(opponent), $"--eval-opponents: '{opponent}' is not first, previous, random, uct:N (N ≥ 1) or gnugo:L (L 0..10)");
        Require(ProgressSeconds > 0 && double.IsFinite(ProgressSeconds), $"--progress-seconds {ProgressSeconds} must be a positive number");
        DeviceKinds.Parse(Device);
    }

    private static bool IsEvalOpponent(string opponent)
    {
        var parts = PlayerSpec.Normalize(opponent).Split(':');
        static bool Number(string text, int low, int high) =>
            int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= low && n <= high;
        return parts switch
        {
            [PeriodicEvaluation.First] or [PeriodicEvaluation.Previous] or ["random"] => true,
            ["uct", var playouts] => Number(playouts, 1, int.MaxValue),
            ["gnugo", var level] => Number(level, 0, 10),
            _ => false,
        };
    }

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower, allowIntegerValues: false) },
    };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Reads a run's config.json; throws <see cref="FormatException"/> naming the file and what is wrong.</summary>
    public static TrainSettings FromJson(string json, string source)
    {
        TrainSettings? settings;
        try
        {
            settings = JsonSerializer.Deserialize<TrainSettings>(json, JsonOptions);
        }
        catch (JsonException error)
        {
            throw new FormatException($"{source}: not a training config ({error.Message})", error);
        }
        if (settings is null) throw new FormatException($"{source}: not a training config (null)");
        try
        {
            settings.Validate();
        }
        catch (ArgumentException error)
        {
            throw new FormatException($"{source}: {error.Message}", error);
        }
        return settings;
    }

    /// <summary>One field as config.json writes it (by its C# name), for messages: "16", "[5,7]", "\"rules\"".</summary>
    public string FieldJson(string field) =>
        JsonNode.Parse(ToJson())?[JsonNamingPolicy.SnakeCaseLower.ConvertName(field)]?.ToJsonString() ?? "null";

    /// <summary>Equal when both would write the same config.json (the size list compares by value).</summary>
    public bool SameAs(TrainSettings other) => ToJson() == other.ToJson();
}
