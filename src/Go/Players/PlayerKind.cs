using System.Globalization;
using System.Text.Json.Serialization;

namespace GoSeqZero.Go.Players;

/// <summary>
/// What did the work behind a player's moves, so that every result can say it: the model alone, the model reading
/// random playouts the program ran for it, the program alone, or an engine from outside.
/// </summary>
public enum PlayerKind
{
    /// <summary>A checkpoint whose move no playout of ours informs: its prior, or its search in tree mode.</summary>
    ModelOnly,
    /// <summary>A checkpoint searching in rollout mode: the rules engine plays random playouts and the model reads their means.</summary>
    [JsonStringEnumMemberName("assisted")]
    PlayoutAssisted,
    /// <summary>Our own code with no model: random, UCT, flat Monte Carlo.</summary>
    Program,
    /// <summary>An engine outside the project, spoken to over GTP.</summary>
    External,
}

/// <summary>The short names of <see cref="PlayerKind"/>, as tables, status lines and results.json write them.</summary>
public static class PlayerKinds
{
    /// <summary>"model-only", "assisted", "program" or "external".</summary>
    public static string Label(this PlayerKind kind) => kind switch
    {
        PlayerKind.ModelOnly => "model-only",
        PlayerKind.PlayoutAssisted => "assisted",
        PlayerKind.Program => "program",
        PlayerKind.External => "external",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>The kind and, where known, the playouts per move: "assisted, 3072 playouts/move (24 moves × 128)", "model-only".</summary>
    public static string Describe(PlayerKind kind, PlayoutBudget? playouts) =>
        playouts is null ? kind.Label() : $"{kind.Label()}, {playouts}";
}

/// <summary>
/// The random playouts of ours behind one move. <see cref="PerMove"/> when the count is fixed: uct:N runs N, a model
/// player's rollout search runs <see cref="SearchedMoves"/> × its playouts per searched move (at most: a position
/// with fewer legal moves searches fewer). Flat Monte Carlo gives <see cref="PerCandidateMove"/> playouts to every
/// candidate move, so its count per move depends on the position: about (empty points + 1) × N.
/// </summary>
public sealed record PlayoutBudget
{
    /// <summary>Playouts per move played; null when it depends on the position.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? PerMove { get; init; }

    /// <summary>Moves a model player's search judges by playouts, each with <see cref="PerMove"/> / SearchedMoves of them.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? SearchedMoves { get; init; }

    /// <summary>Playouts for each candidate move of the position (flat Monte Carlo).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? PerCandidateMove { get; init; }

    /// <summary>One search of <paramref name="playouts"/> playouts per move (UCT).</summary>
    public static PlayoutBudget Fixed(int playouts) => new() { PerMove = playouts };

    /// <summary><paramref name="moves"/> searched moves, each judged by <paramref name="playouts"/> playouts.</summary>
    public static PlayoutBudget ForSearchedMoves(int moves, int playouts) => new() { PerMove = checked(moves * playouts), SearchedMoves = moves };

    /// <summary><paramref name="playouts"/> playouts for every candidate move.</summary>
    public static PlayoutBudget ForEachCandidate(int playouts) => new() { PerCandidateMove = playouts };

    /// <summary>"1000 playouts/move", "3072 playouts/move (24 moves × 128)", "64 playouts × each candidate move".</summary>
    public override string ToString() =>
        PerCandidateMove is { } each ? string.Create(CultureInfo.InvariantCulture, $"{each} playouts × each candidate move")
        : SearchedMoves is { } moves and > 0 ? string.Create(CultureInfo.InvariantCulture, $"{PerMove} playouts/move ({moves} moves × {PerMove / moves})")
        : string.Create(CultureInfo.InvariantCulture, $"{PerMove} playouts/move");
}
