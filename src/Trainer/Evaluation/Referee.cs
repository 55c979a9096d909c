using System.Diagnostics;
using GoSeqZero.Go;
using GoSeqZero.Go.Players;

namespace GoSeqZero.Trainer.Evaluation;

/// <summary>How one refereed game ended: who won (<see cref="Color.Empty"/> for a draw), why, and each side's thinking time.</summary>
internal sealed record RefereedGame(
    Game Game,
    GameEnd End,
    Color Winner,
    string Result,
    double? Score,
    string Reason,
    int BlackMoves,
    double BlackSeconds,
    int WhiteMoves,
    double WhiteSeconds);

/// <summary>
/// Plays one game between two players with our rules engine as the referee. Every call into a player runs on its
/// own thread under a hard time limit, so a player that hangs loses on time instead of hanging the match; a
/// player that throws, resigns, or answers an illegal move loses at once. The game otherwise ends at two passes
/// or the move cap and is scored Tromp-Taylor.
/// </summary>
internal static class Referee
{
    public static RefereedGame Play(Game game, IPlayer black, IPlayer white, TimeSpan moveTimeLimit)
    {
        var moves = new int[3];
        var seconds = new double[3];
        RefereedGame Loss(Color loser, GameEnd end, string reason) =>
            Lost(game, loser, end, reason, moves[(int)Color.Black], seconds[(int)Color.Black], moves[(int)Color.White], seconds[(int)Color.White]);

        while (!game.IsOver)
        {
            var color = game.ToMove;
            var player = color == Color.Black ? black : white;
            var call = TimedCall.Run(token => player.GenMove(game, color, token), moveTimeLimit);
            moves[(int)color]++;
            seconds[(int)color] += call.Elapsed.TotalSeconds;
            if (call.TimedOut)
            {
                return Loss(color, GameEnd.Time,
                    $"{color} ({player.Name}) made no move within the {moveTimeLimit.TotalSeconds:0.###} s limit");
            }
            if (call.Error is { } error)
                return Loss(color, GameEnd.Crash, $"{color} ({player.Name}) failed: {error.GetType().Name}: {error.Message}");

            var vertex = call.Value;
            if (vertex.IsResign) return Loss(color, GameEnd.Resign, $"{color} ({player.Name}) resigned");
            try
            {
                game.Play(color, vertex);
            }
            catch (IllegalMoveException illegal)
            {
                return Loss(color, GameEnd.IllegalMove, $"illegal move {vertex} by {color} ({player.Name}): {illegal.Reason}");
            }
        }

        var score = game.Score();
        var result = Board.ResultString(score);
        var boardWinner = score > 0 ? Color.Black : score < 0 ? Color.White : Color.Empty;
        var twoPasses = game.Board.ConsecutivePasses >= 2;
        var ending = twoPasses ? "both players passed" : $"the move cap of {game.Board.MoveCap} moves was reached";
        return new RefereedGame(game, twoPasses ? GameEnd.TwoPasses : GameEnd.MoveCap, boardWinner, result, score,
            $"{ending}; Tromp-Taylor score {result}",
            moves[(int)Color.Black], seconds[(int)Color.Black], moves[(int)Color.White], seconds[(int)Color.White]);
    }

    /// <summary>A game that <paramref name="loser"/> forfeits before it started, e.g. because its engine could not start.</summary>
    public static RefereedGame Forfeit(Game game, Color loser, string reason) => Lost(game, loser, GameEnd.Crash, reason, 0, 0, 0, 0);

    /// <summary>A game lost by one player, recorded as SGF writes it: R resignation, T time, F forfeit.</summary>
    private static RefereedGame Lost(Game game, Color loser, GameEnd end, string reason,
        int blackMoves, double blackSeconds, int whiteMoves, double whiteSeconds)
    {
        var winner = loser.Opponent();
        var code = end switch { GameEnd.Resign => "R", GameEnd.Time => "T", _ => "F" };
        return new RefereedGame(game, end, winner, $"{winner.Letter()}+{code}", null, reason, blackMoves, blackSeconds, whiteMoves, whiteSeconds);
    }
}

/// <summary>
/// The outcome of running work on a dedicated thread under a hard time limit: its value, the exception it threw,
/// or that it did not finish in time (it is then abandoned, its cancellation token cancelled). Work that stops by
/// throwing <see cref="OperationCanceledException"/> once its token was cancelled also did not finish in time.
/// </summary>
internal readonly record struct TimedCall<T>(T Value, Exception? Error, bool TimedOut, TimeSpan Elapsed);

internal static class TimedCall
{
    /// <param name="lateResult">Called with the value of a call that finishes after it was abandoned, e.g. to dispose it.</param>
    public static TimedCall<T> Run<T>(Func<CancellationToken, T> work, TimeSpan limit, Action<T>? lateResult = null)
    {
        var cancellation = new CancellationTokenSource(limit);
        // Timed on its own thread, so the cost of starting that thread is not charged to the work.
        var elapsed = TimeSpan.Zero;
        // A dedicated thread: a call that never returns must not hold a thread-pool thread the match needs.
        var task = Task.Factory.StartNew(() =>
        {
            var stopwatch = Stopwatch.StartNew();
            try
            {
                return work(cancellation.Token);
            }
            finally
            {
                elapsed = stopwatch.Elapsed;
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        if (!((IAsyncResult)task).AsyncWaitHandle.WaitOne(limit))
        {
            cancellation.Cancel();
            // Observe whatever the abandoned call ends with, and free its token source then.
            task.ContinueWith(t =>
            {
                cancellation.Dispose();
                if (t.IsCompletedSuccessfully) lateResult?.Invoke(t.Result);
                else _ = t.Exception;
            }, TaskScheduler.Default);
            return new TimedCall<T>(default!, null, true, limit);
        }
        // The token is cancelled at the limit, a moment before the wait above expires: work that honours it and
        // gives up then ran out of time, it did not fail.
        var outOfTime = cancellation.IsCancellationRequested;
        cancellation.Dispose();
        if (!task.IsFaulted) return new TimedCall<T>(task.Result, null, false, elapsed);
        var error = task.Exception!.InnerException ?? task.Exception;
        return outOfTime && IsCancellation(error)
            ? new TimedCall<T>(default!, null, true, elapsed)
            : new TimedCall<T>(default!, error, false, elapsed);
    }

    /// <summary>An <see cref="OperationCanceledException"/>, or several gathered by a parallel loop.</summary>
    private static bool IsCancellation(Exception error) =>
        error is OperationCanceledException
        || (error is AggregateException aggregate && aggregate.Flatten().InnerExceptions is { Count: > 0 } inners
            && inners.All(inner => inner is OperationCanceledException));

    /// <summary>Runs <paramref name="action"/> under the limit; false when it threw or did not finish (then it is abandoned).</summary>
    public static bool Run(Action action, TimeSpan limit) =>
        Run(_ => { action(); return true; }, limit) is { TimedOut: false, Error: null };
}
