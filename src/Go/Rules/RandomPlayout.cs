using System.Runtime.CompilerServices;

namespace GoSeqZero.Go;

/// <summary>
/// The light playout policy: a move uniform over the empty points that are legal and are not the mover's own
/// single-point eye; a pass only when there is none. Allocation-free.
/// </summary>
public static class RandomPlayout
{
    /// <summary>Draws a move for <paramref name="color"/>: a point, or <see cref="Board.PassMove"/>.</summary>
    [SkipLocalsInit]
    public static int ChooseMove(Board board, Color color, ref FastRandom random)
    {
        Span<short> candidates = stackalloc short[board.EmptyCount];
        board.EmptyPoints.CopyTo(candidates);
        var remaining = candidates.Length;
        while (remaining > 0)
        {
            // Rejection by swap-remove keeps the draw exactly uniform over the allowed moves.
            var index = random.NextInt(remaining);
            int point = candidates[index];
            if (IsCandidate(board, color, point)) return point;
            candidates[index] = candidates[--remaining];
        }
        return Board.PassMove;
    }

    /// <summary>A move the policy may draw: an empty point that is legal and not the mover's own single-point eye.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsCandidate(Board board, Color color, int emptyPoint) =>
        !board.IsSinglePointEye(color, emptyPoint) && board.IsLegalOnEmpty(color, emptyPoint);

    /// <summary>Plays the policy for both sides until two passes or the move cap; returns the area score (B−W).</summary>
    public static int Run(Board board, ref FastRandom random)
    {
        while (!board.IsGameOver)
        {
            var color = board.ToMove;
            board.PlayLegal(color, ChooseMove(board, color, ref random));
        }
        return board.AreaScore();
    }
}
