using GoSeqZero.Go;
using GoSeqZero.Go.Players;

namespace GoSeqZero.Tests.Trainer.Evaluation;

/// <summary>Plays the first legal move on the board (lowest point), passing when there is none.</summary>
internal class FirstLegalMovePlayer : IPlayer
{
    public virtual string Name => "first-legal";

    public PlayerKind Kind => PlayerKind.Program;

    public PlayoutBudget? Playouts => null;

    public virtual Vertex GenMove(Game game, Color color, CancellationToken cancellation)
    {
        var board = game.Board;
        foreach (var point in board.Points)
            if (board.IsLegal(color, point)) return board.VertexOf(point);
        return Vertex.Pass;
    }

    public virtual void Dispose()
    {
    }
}

/// <summary>Plays <paramref name="movesBeforeCrash"/> moves, then throws like an engine that died.</summary>
internal sealed class CrashingPlayer(int movesBeforeCrash) : FirstLegalMovePlayer
{
    private int _moves;

    public override string Name => "crash";

    public override Vertex GenMove(Game game, Color color, CancellationToken cancellation) =>
        ++_moves > movesBeforeCrash ? throw new IOException("engine process exited unexpectedly") : base.GenMove(game, color, cancellation);
}

/// <summary>
/// Plays <paramref name="movesBeforeHang"/> moves, then never answers: it ignores its cancellation token and only
/// returns once disposed, like an engine whose process must be killed.
/// </summary>
internal sealed class HangingPlayer(int movesBeforeHang) : FirstLegalMovePlayer
{
    private readonly ManualResetEventSlim _disposed = new();
    private int _moves;

    public override string Name => "hang";
    public bool WasDisposed => _disposed.IsSet;

    public override Vertex GenMove(Game game, Color color, CancellationToken cancellation)
    {
        if (++_moves <= movesBeforeHang) return base.GenMove(game, color, cancellation);
        _disposed.Wait(CancellationToken.None);
        return Vertex.Pass;
    }

    public override void Dispose() => _disposed.Set();
}

/// <summary>Always answers the centre point, which is occupied from its second move on.</summary>
internal sealed class CentrePlayer : FirstLegalMovePlayer
{
    public override string Name => "centre";

    public override Vertex GenMove(Game game, Color color, CancellationToken cancellation) => new(game.Size / 2, game.Size / 2);
}

/// <summary>Resigns at once.</summary>
internal sealed class ResigningPlayer : FirstLegalMovePlayer
{
    public override string Name => "resign";

    public override Vertex GenMove(Game game, Color color, CancellationToken cancellation) => Vertex.Resign;
}

/// <summary>Answers a point far off any board, as a confused engine might.</summary>
internal sealed class OffBoardPlayer : FirstLegalMovePlayer
{
    public override string Name => "off-board";

    public override Vertex GenMove(Game game, Color color, CancellationToken cancellation) => new(30, 1);
}

/// <summary>
/// Plays <paramref name="movesBeforeThinking"/> moves, then thinks until its token is cancelled and gives up as a
/// search that honours its token does: by throwing <see cref="OperationCanceledException"/>.
/// </summary>
internal sealed class CancellationHonouringPlayer(int movesBeforeThinking) : FirstLegalMovePlayer
{
    private int _moves;

    public override string Name => "honours-token";

    public override Vertex GenMove(Game game, Color color, CancellationToken cancellation)
    {
        if (++_moves <= movesBeforeThinking) return base.GenMove(game, color, cancellation);
        cancellation.WaitHandle.WaitOne();
        cancellation.ThrowIfCancellationRequested();
        return Vertex.Pass;
    }
}

/// <summary>Throws <see cref="OperationCanceledException"/> at once, though nobody cancelled it: a failure, not a loss on time.</summary>
internal sealed class UncalledCancellationPlayer : FirstLegalMovePlayer
{
    public override string Name => "cancels-itself";

    public override Vertex GenMove(Game game, Color color, CancellationToken cancellation) =>
        throw new OperationCanceledException("gave up on its own");
}
