using GoSeqZero.Trainer.Sequences;

namespace GoSeqZero.Trainer.Search;

/// <summary>Who writes the child boards of a tree step (DESIGN.md §3).</summary>
public enum BoardSource
{
    /// <summary>The rules engine (AlphaZero-style).</summary>
    Rules,
    /// <summary>The model (MuZero-style); the rules engine grades what it wrote.</summary>
    Imagined,
}

/// <summary>How one search step is written.</summary>
internal sealed record SearchSettings
{
    public SearchMode Mode { get; init; } = SearchMode.Tree;
    public BoardSource Boards { get; init; } = BoardSource.Rules;

    /// <summary>How many of the root's best legal moves get a CHILD (or ROLLOUT) block.</summary>
    public int TopK { get; init; } = 4;

    /// <summary>
    /// Random playouts per searched move in a rollout step: the first is written out, the backup is the mean of all,
    /// and with more than one that mean is written after the RESULT as a value token.
    /// </summary>
    public int Playouts { get; init; } = 1;

    /// <summary>
    /// Write the first playout's moves into a rollout block. Off, a block is ROLLOUT m RESULT outcome [mean]: five
    /// tokens instead of up to 3·n² + 5, so a step can search many more moves in the same context (the search is then
    /// as wide as the prior's top k, and its depth is all in the playouts' means).
    /// </summary>
    public bool WritePlayouts { get; init; } = true;

    /// <summary>Tokens a rollout block spends on the mean of its playouts: one when there are several.</summary>
    private int MeanTokens => Playouts > 1 ? 1 : 0;

    /// <summary>Perturb the root values with Gumbel noise before taking the top k (exploration in self-play).</summary>
    public bool GumbelTopK { get; init; }

    /// <summary>Scale of the root values against the unit Gumbel noise: score = value / temperature + Gumbel.</summary>
    public double GumbelTemperature { get; init; } = 0.1;

    /// <summary>
    /// Search the pass only after the opponent's pass or when every legal move lies in the mover's own area (empty
    /// regions reaching only its stones) or fills its own single-point eye; otherwise it is never searched, so never
    /// played by the players that search nor by self-play's greedy moves. Off, the pass competes like any move.
    /// </summary>
    public bool PassOnlyAsLastResort { get; init; } = true;

    /// <summary>When the root has PASSED, search the pass (its child is the game's end, scored) beside the top k.</summary>
    public bool SearchPassAfterPass { get; init; } = true;

    /// <summary>Step size of the backup: e'(m) = e(m) + α·(backup(m) − e(m)).</summary>
    public double Alpha { get; init; } = 1;

    /// <summary>
    /// Cap an unsearched move's improved value at the best searched move's: e'(m) = min(e(m), max over searched e').
    /// Off, unsearched moves keep e(m) exactly as DESIGN.md §3 first wrote it (kept for comparison).
    /// </summary>
    public bool CapUnsearched { get; init; } = true;

    /// <summary>When true the model writes the IMPROVED row itself (the search player); otherwise it is forced from the backup.</summary>
    public bool ModelWritesImproved { get; init; }

    /// <summary>Write a value token sampled from the model's bucket distribution instead of the bucket of its expected value.</summary>
    public bool SampleValueTokens { get; init; }

    public double Komi { get; init; } = 7.5;

    public void Validate()
    {
        if (Playouts < 1) throw new ArgumentException($"playouts per searched move must be at least 1, not {Playouts}");
        if (TopK < 1) throw new ArgumentException($"top-k must be at least 1, not {TopK}");
        if (Alpha is < 0 or > 1) throw new ArgumentException($"alpha must be in [0, 1], not {Alpha}");
        if (GumbelTemperature <= 0) throw new ArgumentException($"the Gumbel temperature must be positive, not {GumbelTemperature}");
        if (Mode == SearchMode.Rollout && Boards == BoardSource.Imagined) throw new ArgumentException("rollout steps have no boards to imagine");
    }

    /// <summary>The longest sequence a step on an n×n board can be (the KV cache's capacity).</summary>
    public int MaxTokens(int boardSize)
    {
        var points = boardSize * boardSize;
        var row = points + 2;                       // EST/IMPROVED marker + n² + pass
        var board = points + 2;                     // ROOT/CHILD marker... + side to move + n² points
        var header = 3 + board + row;               // BOS SIZE MODE, root board, root EST
        var block = Mode == SearchMode.Tree
            ? 1 + board + Math.Max(row, 2)          // CHILD m TO_MOVE board, then EST row or RESULT outcome
            : 2 + (WritePlayouts ? 3 * points : 0) + 2 + MeanTokens; // ROLLOUT m, the playout up to the move cap, RESULT outcome [mean]
        // IMPROVED row, EOS, and one PASSED at most: after a pass child's side to move, or after the root's; a root
        // with PASSED ends the game with its pass, whose child (searched beside the top k when SearchPassAfterPass)
        // has a RESULT instead of a board that goes on: CHILD PASS side board RESULT outcome, or ROLLOUT PASS RESULT outcome.
        var passAfterPass = 1 + (!SearchPassAfterPass ? 0 : Mode == SearchMode.Tree ? 3 + points + 2 : 4 + MeanTokens);
        return header + TopK * block + row + 1 + Math.Max(1, passAfterPass);
    }
}
