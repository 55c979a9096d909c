using GoSeqZero.Go;

namespace GoSeqZero.Trainer.Sequences;

public enum SearchMode { Tree, Rollout }

/// <summary>
/// A row of per-move values for one position: index y·n + x for the points (x the column from A, y the row from 1 at the bottom, as Board.GetPosition), n² for pass. <see cref="Tokens"/> are
/// what the sequence holds (a value bucket or ILLEGAL); <see cref="Values"/> the win probabilities behind them for
/// the side to move (the model's expected values when generated; bucket centres when parsed; NaN where illegal).
/// </summary>
internal sealed class ValueRow(int moveCount)
{
    public int[] Tokens { get; } = new int[moveCount];
    public double[] Values { get; } = Enumerable.Repeat(double.NaN, moveCount).ToArray();

    public bool IsLegal(int move, Vocabulary vocabulary) => Tokens[move] != vocabulary.Illegal;

    /// <summary>The legal move of highest value (lowest index on ties), <paramref name="excluded"/> left out, or −1 when there is none.</summary>
    public int ArgMax(Vocabulary vocabulary, int excluded = -1)
    {
        var best = -1;
        for (var move = 0; move < Tokens.Length; move++)
            if (move != excluded && IsLegal(move, vocabulary) && (best < 0 || Values[move] > Values[best])) best = move;
        return best;
    }

    /// <summary>The move of highest value among <paramref name="moves"/> (the first of them on ties), or −1 when there are none.</summary>
    public int ArgMaxAmong(IEnumerable<int> moves)
    {
        var best = -1;
        foreach (var move in moves)
            if (best < 0 || Values[move] > Values[best]) best = move;
        return best;
    }
}

/// <summary>A CHILD block: the move, the board after it (as written, and the rules engine's when imagined), and either its EST row or its exact result.</summary>
internal sealed class ChildRecord
{
    public required int Move { get; init; }
    public required Color ToMove { get; init; }

    /// <summary>The move was a pass (PASSED is written): a pass in reply ends the game.</summary>
    public bool Passed { get; init; }

    public required Color[] Board { get; init; }

    /// <summary>The rules engine's board after the move, when the sequence holds an imagined one.</summary>
    public Color[]? TrueBoard { get; set; }

    /// <summary>The child's own estimates; null when the game is over after the move.</summary>
    public ValueRow? Estimates { get; set; }

    /// <summary>The final result when the game is over after the move (B_WINS, W_WINS or DRAW token).</summary>
    public int? ResultToken { get; set; }

    /// <summary>
    /// The value of the move for the root's side to move: 1 − the child's best estimate, or the exact result; with
    /// grounded replies, 1 − the best of them.
    /// </summary>
    public double Backup { get; set; } = double.NaN;

    /// <summary>
    /// The replies the rules engine grounded (<c>SearchSettings.GroundReplies</c>), each with its value for the child's
    /// side to move: 1 − the mean of random playouts after it (or the exact result). Known only to the writer.
    /// </summary>
    public Dictionary<int, double> GroundedReplies { get; } = [];
}

/// <summary>A ROLLOUT block: the move, the random playout after it, and who won.</summary>
internal sealed class RolloutRecord
{
    public required int Move { get; init; }
    public required int[] Playout { get; init; }
    public required int ResultToken { get; init; }

    /// <summary>
    /// The move's backup: the mean outcome, for the root's side to move, of <see cref="Playouts"/> playouts from the
    /// position after the move, the written one first (the others' moves are not in the sequence). With several
    /// playouts the sequence holds its bucket after the RESULT, and a parsed record has that bucket's centre; with one
    /// it is the RESULT's value.
    /// </summary>
    public double MeanValue { get; init; } = double.NaN;

    /// <summary>How many playouts <see cref="MeanValue"/> averages; known only to the writer (a parsed record says 1).</summary>
    public int Playouts { get; init; } = 1;
}

/// <summary>One search step, written out or read back (docs/sequence-format.md).</summary>
internal sealed class SearchRecord
{
    public required int BoardSize { get; init; }
    public required SearchMode Mode { get; init; }
    public required Color ToMove { get; init; }

    /// <summary>The move before the root was a pass (PASSED is written): a pass now ends the game.</summary>
    public bool Passed { get; init; }

    public required Color[] Board { get; init; }
    public required ValueRow Root { get; init; }

    /// <summary>
    /// The pass was held back as a last resort (<c>SearchSettings.PassOnlyAsLastResort</c>): the step did not consider
    /// it, so no player may play it. Known only to the writer.
    /// </summary>
    public bool PassHeldBack { get; set; }

    public List<ChildRecord> Children { get; } = [];
    public List<RolloutRecord> Rollouts { get; } = [];
    public ValueRow? Improved { get; set; }

    /// <summary>
    /// The computed backup e' of every move (docs/sequence-format.md, the backup and the IMPROVED row): the IMPROVED row's target, and what the backup player plays.
    /// Equal to <see cref="Improved"/> in self-play; known only to the writer (a parsed record has none).
    /// </summary>
    public ValueRow? Backup { get; set; }

    public int MoveCount => BoardSize * BoardSize + 1;
    public int PassMove => BoardSize * BoardSize;

    /// <summary>The moves the step searched (a CHILD or ROLLOUT block each), best root value first.</summary>
    public IEnumerable<int> SearchedMoves => Mode == SearchMode.Tree ? Children.Select(c => c.Move) : Rollouts.Select(r => r.Move);

    /// <summary>
    /// The searched move of highest value in <paramref name="row"/>: what the backup and search players and self-play's
    /// greedy moves play. A move the search did not look at keeps its prior, which the backups of the searched ones,
    /// 1 − the best of a noisy row, sit below on average; choosing among all moves would favour the unsearched.
    /// </summary>
    public int BestSearchedMove(ValueRow row) => row.ArgMaxAmong(SearchedMoves);

    /// <summary>The legal move of highest prior (root EST) value, leaving out a pass held back as a last resort: what the prior player plays.</summary>
    public int BestPriorMove(Vocabulary vocabulary) => Root.ArgMax(vocabulary, excluded: PassHeldBack ? PassMove : -1);
}
