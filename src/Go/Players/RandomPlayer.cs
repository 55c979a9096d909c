namespace GoSeqZero.Go.Players;

/// <summary>
/// The weakest baseline, the light playout policy as a player: a uniformly random legal move that does not fill
/// one of its own single-point eyes (that only kills its own groups), and a pass only when nothing else is left.
/// </summary>
internal sealed class RandomPlayer(int seed) : IPlayer
{
    private FastRandom _random = new((ulong)seed);

    public string Name => "random";

    public PlayerKind Kind => PlayerKind.Program;

    /// <summary>None: it plays one move of the playout policy, it runs no playout.</summary>
    public PlayoutBudget? Playouts => null;

    public Vertex GenMove(Game game, Color color, CancellationToken cancellation)
    {
        cancellation.ThrowIfCancellationRequested();
        var board = game.Board;
        return board.VertexOf(RandomPlayout.ChooseMove(board, color, ref _random));
    }

    public void Dispose()
    {
    }
}
