using System.Text.Json;
using System.Text.Json.Serialization;
using GoSeqZero.Go;
using GoSeqZero.Go.Players;

namespace GoSeqZero.Trainer.Evaluation;

/// <summary>How a game ended. Only the first two are decided by the board; the rest are losses of one player.</summary>
internal enum GameEnd
{
    TwoPasses,
    MoveCap,
    Resign,
    Time,
    IllegalMove,
    Crash,
}

/// <summary>One side of a finished game: which program (0 = A, the --black spec; 1 = B) and how long it thought.</summary>
internal sealed record GameSide(int Program, string Spec, string Name, int Moves, double Seconds)
{
    /// <summary>Mean seconds per GenMove call, 0 when it was never asked.</summary>
    public double SecondsPerMove => Moves == 0 ? 0 : Seconds / Moves;
}

/// <summary>Who won a game; results.json writes it as "black", "white" or "draw".</summary>
internal enum Winner
{
    Black,
    White,
    Draw,
}

/// <summary>
/// One game of results.json. <see cref="Score"/> is the Tromp-Taylor score (Black − White − komi) when the board
/// decided the game, otherwise null.
/// </summary>
internal sealed record GameResult(
    int Game,
    string Sgf,
    GameSide Black,
    GameSide White,
    string Result,
    // Required: a file without it must not read as a win for Black, the enum's first value.
    [property: JsonRequired] Winner Winner,
    double? Score,
    GameEnd End,
    string Reason,
    int MoveCount,
    double Seconds)
{
    /// <summary>The score of <paramref name="program"/> in this game: 1 win, 0.5 draw, 0 loss.</summary>
    public double ScoreOf(int program) => Winner switch
    {
        Winner.Draw => 0.5,
        Winner.Black => Black.Program == program ? 1 : 0,
        Winner.White => White.Program == program ? 1 : 0,
        _ => throw new InvalidDataException($"game {Game}: winner is {Winner}, expected black, white or draw"),
    };
}

/// <summary>What did the work behind one program's moves, and the random playouts of ours behind each, as its player said.</summary>
internal sealed record ProgramKind(
    // Required: an entry without it must not read as model-only, the enum's first value.
    [property: JsonRequired] PlayerKind Kind,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] PlayoutBudget? Playouts)
{
    /// <summary>"assisted, 3072 playouts/move (24 moves × 128)", "model-only".</summary>
    public override string ToString() => PlayerKinds.Describe(Kind, Playouts);
}

/// <summary>
/// The content of a match's results.json: its settings, the two programs (A first), what did the work behind each
/// (<see cref="Kinds"/>, null for a program that never started and in files written before kinds were), and every
/// finished game. It is rewritten after each game, so an interrupted match still leaves the games it finished.
/// Readers of the same version that predate <see cref="Kinds"/> skip it, so it needed no new version.
/// </summary>
internal sealed record MatchResults(
    int Version,
    DateTimeOffset Started,
    int Size,
    double Komi,
    int MoveCap,
    double MoveTimeLimitSeconds,
    int Seed,
    int GamesPlanned,
    IReadOnlyList<string> Programs,
    // Last in the file, after the kinds that describe the programs above it.
    [property: JsonPropertyOrder(1)] IReadOnlyList<GameResult> Games,
    IReadOnlyList<ProgramKind?>? Kinds = null)
{
    /// <summary>What did the work behind program <paramref name="program"/>; null when unknown.</summary>
    public ProgramKind? KindOf(int program) => Kinds is { } kinds && program < kinds.Count ? kinds[program] : null;

    public const int CurrentVersion = 1;
    public const string FileName = "results.json";

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        // Results such as "B+3.5" stay readable instead of becoming "B\u002B3.5"; the file is never embedded in HTML.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        // Names only: a number such as "winner": 0 is a damaged file, not a win for Black.
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower, allowIntegerValues: false) },
    };

    /// <summary>Writes atomically (see <see cref="AtomicFile.WriteAllText"/>), so readers never see half a file.</summary>
    public void Write(string path) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, Options));

    public static MatchResults Read(string path)
    {
        MatchResults? results;
        try
        {
            results = JsonSerializer.Deserialize<MatchResults>(File.ReadAllText(path), Options);
        }
        catch (JsonException error)
        {
            throw new InvalidDataException($"{path}: not a match results file: {error.Message}", error);
        }
        if (results is null || results.Games is null || results.Programs is null)
            throw new InvalidDataException($"{path}: not a match results file (no programs or games)");
        if (results.Version != CurrentVersion)
            throw new InvalidDataException($"{path}: results version {results.Version}; this program reads version {CurrentVersion}");
        if (results.Kinds is { } kinds && kinds.Count != results.Programs.Count)
            throw new InvalidDataException($"{path}: {kinds.Count} kinds for {results.Programs.Count} programs");
        foreach (var game in results.Games)
        {
            if (game.Black?.Spec is null || game.White?.Spec is null || (game.Black.Program, game.White.Program) is not ((0, 1) or (1, 0)))
                throw new InvalidDataException($"{path}: game {game.Game}: expected a black and a white side with specs and programs 0 and 1");
        }
        return results;
    }
}
