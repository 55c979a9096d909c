namespace GoSeqZero.Go.Players;

/// <summary>
/// Something that chooses moves: a baseline (random, UCT, flat Monte Carlo), an external GTP engine, a trained checkpoint.
/// One instance plays one game at a time; the match runner creates one per game slot.
/// </summary>
public interface IPlayer : IDisposable
{
    /// <summary>Short description for tables and SGF PB/PW, e.g. "uct:1000" or "gnugo:10".</summary>
    string Name { get; }

    /// <summary>What did the work behind its moves: the model alone, the model with our playouts, our program, an outside engine.</summary>
    PlayerKind Kind { get; }

    /// <summary>The random playouts of ours behind each move; null when none inform its moves or they are not ours to count.</summary>
    PlayoutBudget? Playouts { get; }

    /// <summary>
    /// Chooses a move for <paramref name="color"/> in the current position of <paramref name="game"/>
    /// (which holds the whole record: size, komi, setup and moves). Returns a legal point, <see cref="Vertex.Pass"/>
    /// or <see cref="Vertex.Resign"/>. Must not change <paramref name="game"/>.
    /// </summary>
    Vertex GenMove(Game game, Color color, CancellationToken cancellation);
}
