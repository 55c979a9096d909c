namespace GoSeqZero.Go.Players;

/// <summary>
/// Something that chooses moves: a baseline (random, UCT), an external GTP engine, later the model.
/// One instance plays one game at a time; the match runner creates one per game slot.
/// </summary>
public interface IPlayer : IDisposable
{
    /// <summary>Short description for tables and SGF PB/PW, e.g. "uct:1000" or "gnugo:10".</summary>
    string Name { get; }

    /// <summary>
    /// Chooses a move for <paramref name="color"/> in the current position of <paramref name="game"/>
    /// (which holds the whole record: size, komi, setup and moves). Returns a legal point, <see cref="Vertex.Pass"/>
    /// or <see cref="Vertex.Resign"/>. Must not change <paramref name="game"/>.
    /// </summary>
    Vertex GenMove(Game game, Color color, CancellationToken cancellation);
}
