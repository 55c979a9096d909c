using System.Text.Json.Nodes;
using GoSeqZero.Go;
using GoSeqZero.Go.Players;
using GoSeqZero.Kernels;
using GoSeqZero.Trainer.Search;
using GoSeqZero.Trainer.Sequences;
using GoSeqZero.Trainer.Training;
using GoSeqZero.Transformer;
using GoSeqZero.Transformer.Checkpoints;

namespace GoSeqZero.Trainer.Players;

/// <summary>Which row of a search step the model player plays from (docs/sequence-format.md).</summary>
internal enum ModelPlayerKind
{
    /// <summary>The root EST row: the raw prior.</summary>
    Prior,
    /// <summary>The IMPROVED row the model writes itself: search inside the sequence.</summary>
    Search,
    /// <summary>The computed backup of the children's estimates: the external reference.</summary>
    Backup,
}

/// <summary>
/// A checkpoint playing Go: each move writes one search step for the position and plays the legal move of highest
/// value in the chosen row (<c>model:PATH:prior|search|backup</c>). It never resigns; it passes when pass is best.
/// </summary>
internal sealed class ModelPlayer : IPlayer
{
    private readonly Device _device;
    private readonly Gpt _model;
    private readonly Vocabulary _vocabulary;
    private readonly ModelPlayerKind _kind;
    private readonly SearchSettings _baseSettings;
    private SearchDriver? _driver;
    private (int Size, double Komi) _driverGame;
    private readonly string _path;
    private readonly SearchOverrides _overrides;

    private ModelPlayer(string path, Device device, Gpt model, ModelPlayerKind kind, SearchSettings settings, SearchOverrides overrides)
    {
        _path = path;
        _overrides = overrides;
        _device = device;
        _model = model;
        _kind = kind;
        _vocabulary = Vocabulary.ForTokenCount(model.Config.VocabularySize);
        _baseSettings = settings with { ModelWritesImproved = kind == ModelPlayerKind.Search, GumbelTopK = false, SampleValueTokens = false };
    }

    public string Name => new PlayerSpec.ModelSpec(_path, _kind, _overrides).ToString();

    /// <summary>How this player writes its search steps.</summary>
    public SearchSettings Settings => _baseSettings;

    public PlayerKind Kind => KindOf(_kind, _baseSettings.Mode);

    public PlayoutBudget? Playouts => PlayoutsOf(_kind, _baseSettings);

    /// <summary>
    /// Model-only unless the move reads playouts of ours: the search and backup players in rollout mode. The prior
    /// plays from the root row, written before any playout, whatever the mode of the step around it.
    /// </summary>
    internal static PlayerKind KindOf(ModelPlayerKind kind, SearchMode mode) =>
        kind != ModelPlayerKind.Prior && mode == SearchMode.Rollout ? PlayerKind.PlayoutAssisted : PlayerKind.ModelOnly;

    /// <summary>An assisted player's playouts: top-k searched moves × playouts each (the pass after a pass aside); null for the others.</summary>
    internal static PlayoutBudget? PlayoutsOf(ModelPlayerKind kind, SearchSettings settings) =>
        KindOf(kind, settings.Mode) == PlayerKind.PlayoutAssisted ? PlayoutBudget.ForSearchedMoves(settings.TopK, settings.Playouts) : null;

    /// <summary>The last search step written, for display and tests.</summary>
    public SearchWriter? LastSearch { get; private set; }

    /// <summary>
    /// Loads a checkpoint as a player. Without <paramref name="settings"/> it searches as its trainer said its players
    /// should (<see cref="SearchSettingsOf"/>); <paramref name="overrides"/> change that search's mode, top-k or playouts.
    /// </summary>
    /// <exception cref="CheckpointException">The checkpoint cannot be read.</exception>
    public static ModelPlayer Load(string checkpointDirectory, ModelPlayerKind kind, DeviceKind deviceKind = DeviceKind.Auto, SearchSettings? settings = null,
        SearchOverrides? overrides = null)
    {
        overrides ??= new SearchOverrides();
        var device = Device.Create(deviceKind);
        try
        {
            var loaded = Checkpoint.Load(checkpointDirectory, device);
            loaded.Optimizer?.Dispose();
            settings ??= SearchSettingsOf(loaded.State.Extra);
            settings = overrides.ApplyTo(settings);
            settings.Validate();
            return new ModelPlayer(checkpointDirectory, device, loaded.Model, kind, settings, overrides);
        }
        catch
        {
            device.Dispose();
            throw;
        }
    }

    /// <summary>
    /// How a checkpoint's players search: the search settings the trainer saved in its state (<c>player_search</c>),
    /// in the mode its self-play wrote (a model trained on rollout steps only searches with rollouts). A checkpoint
    /// without them (written outside the trainer) searches tree steps with the default settings.
    /// </summary>
    /// <exception cref="CheckpointException">The saved settings are malformed.</exception>
    internal static SearchSettings SearchSettingsOf(JsonObject? trainerState)
    {
        if (trainerState?[TrainerCheckpoint.PlayerSearchField] is not JsonObject search) return new SearchSettings();
        try
        {
            return SearchSettings.FromJson(search, $"the checkpoint's {TrainerCheckpoint.PlayerSearchField}");
        }
        catch (FormatException error)
        {
            throw new CheckpointException(error.Message, error);
        }
    }

    /// <summary>
    /// What a model spec changes in the search its checkpoint would write: <c>:tree</c> or <c>:rollout</c>,
    /// <c>:top-k=N</c>, <c>:playouts=N</c>. Printed back in the spec's order of mode, top-k, playouts.
    /// </summary>
    internal sealed record SearchOverrides(SearchMode? Mode = null, int? TopK = null, int? Playouts = null)
    {
        public SearchSettings ApplyTo(SearchSettings settings) => settings with
        {
            Mode = Mode ?? settings.Mode,
            TopK = TopK ?? settings.TopK,
            Playouts = Playouts ?? settings.Playouts,
        };

        public override string ToString() =>
            (Mode is { } mode ? ":" + mode.ToString().ToLowerInvariant() : "") +
            (TopK is { } topK ? $":top-k={topK}" : "") +
            (Playouts is { } playouts ? $":playouts={playouts}" : "");
    }

    public Vertex GenMove(Game game, Color color, CancellationToken cancellation)
    {
        Vocabulary.CheckBoardSize(game.Size);
        var board = game.Board.Clone();
        if (board.ToMove != color) board.SetToMove(color);
        if (board.IsGameOver) return Vertex.Pass;
        var driver = DriverFor(game.Size, game.Komi);
        var writer = driver.Run([board])[0];
        LastSearch = writer;
        var record = writer.Record!;
        // The prior plays its best legal move (the pass only when the search could have searched it); the players that
        // searched play their best searched move.
        var move = _kind switch
        {
            ModelPlayerKind.Prior => record.BestPriorMove(_vocabulary),
            ModelPlayerKind.Search => record.BestSearchedMove(record.Improved!),
            _ => record.BestSearchedMove(record.Backup!),
        };
        return move < 0 ? Vertex.Pass : BoardCodec.VertexOf(move, game.Size);
    }

    private SearchDriver DriverFor(int size, double komi)
    {
        if (_driver is not null && _driverGame == (size, komi)) return _driver;
        _driver?.Dispose();
        var settings = _baseSettings.ForBoard(size) with { Komi = komi };
        _driver = new SearchDriver(_model, _vocabulary, settings, batch: 1, maxBoardSize: size);
        _driverGame = (size, komi);
        return _driver;
    }

    public void Dispose()
    {
        _driver?.Dispose();
        _model.Dispose();
        _device.Dispose();
    }
}
