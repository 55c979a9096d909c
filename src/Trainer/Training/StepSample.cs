using GoSeqZero.Trainer.Sequences;

namespace GoSeqZero.Trainer.Training;

/// <summary>
/// One search step as the learner keeps it (docs/design.md, "The expert-iteration loop"): the sequence the search wrote, each token's role, and
/// the label each token should have been: the token itself, except at imagined board points, where it is the rules
/// engine's state of the point. The IMPROVED row starts at <see cref="ImprovedStart"/>; when the game ends, the
/// value of the move played there is blended with the outcome (<see cref="BlendOutcome"/>).
/// </summary>
internal sealed class StepSample
{
    public StepSample(int boardSize, int[] tokens, int[] pointIds, TokenRole[] roles, int[]? labels, int childTargetStart = -1,
        int playedMove = -1, bool[]? childTargetMoves = null, int[]? groundedTargets = null)
    {
        if (tokens.Length != pointIds.Length || tokens.Length != roles.Length || (labels is not null && labels.Length != tokens.Length))
            throw new ArgumentException($"a step's tokens ({tokens.Length}), point ids ({pointIds.Length}), roles ({roles.Length}) and labels ({labels?.Length}) must be as many");
        Vocabulary.CheckBoardSize(boardSize);
        BoardSize = boardSize;
        Tokens = tokens;
        PointIds = pointIds;
        Roles = roles;
        Labels = labels;
        var marker = Array.LastIndexOf(tokens, Vocabulary.Improved);
        if (marker < 0 || marker + MoveCount + 2 != tokens.Length || tokens[0] != Vocabulary.Bos || tokens[^1] != Vocabulary.Eos)
            throw new ArgumentException($"a {boardSize}×{boardSize} search step of {tokens.Length} tokens must run from BOS to EOS with an IMPROVED row of {MoveCount} values before EOS");
        ImprovedStart = marker + 1;
        if (childTargetStart != -1 && (labels is null || childTargetStart < 1 || childTargetStart + MoveCount > marker || tokens[childTargetStart - 1] != Vocabulary.Est))
            throw new ArgumentException($"token {childTargetStart} does not start a labelled child EST row of {MoveCount} values");
        ChildTargetStart = childTargetStart;
        if (playedMove < -1 || playedMove >= MoveCount) throw new ArgumentException($"played move {playedMove} is not a move of a {boardSize}×{boardSize} step");
        PlayedMove = playedMove;
        if ((childTargetStart >= 0) != (childTargetMoves is not null) || (childTargetMoves is not null && childTargetMoves.Length != MoveCount))
            throw new ArgumentException("a child target needs the moves it teaches, one flag per move");
        ChildTargetMoves = childTargetMoves;
        GroundedTargets = groundedTargets ?? [];
        foreach (var index in GroundedTargets)
            if (labels is null || (uint)index >= (uint)marker || roles[index] != TokenRole.ChildEstimate)
                throw new ArgumentException($"token {index} is not a labelled child estimate, so it cannot be a grounded target");
        Searched = new bool[MoveCount];
        for (var i = 0; i + 1 < marker; i++)
            if (tokens[i] is Vocabulary.Child or Vocabulary.Rollout && BoardCodec.TryMoveIndexOfToken(tokens[i + 1], boardSize, out var move))
                Searched[move] = true;
    }

    /// <summary>The moves the step searched (a CHILD or ROLLOUT block each), by move index.</summary>
    public bool[] Searched { get; }

    /// <summary>The move played from this step, once the game's outcome is blended in; −1 before.</summary>
    public int PlayedMove { get; private set; }

    /// <summary>Which entries of the child target row are learnt (the next step's searched and played moves); null without a child target.</summary>
    public bool[]? ChildTargetMoves { get; private set; }

    /// <summary>
    /// Whether the IMPROVED entry of <paramref name="move"/> is a target: the search looked at it, or it was played and
    /// carries the outcome. The other entries only repeat the prior (capped), and learning them teaches the prior
    /// its own guesses, which flattens it; <paramref name="unsearchedToo"/> learns them all the same.
    /// </summary>
    public bool IsTarget(int move, bool unsearchedToo) => unsearchedToo || Searched[move] || move == PlayedMove;

    /// <summary>
    /// The child EST entries that random playouts grounded (<c>SearchSettings.GroundReplies</c>): token indices whose
    /// <see cref="Labels"/> hold 1 − the playouts' mean. Empty without grounding.
    /// </summary>
    public int[] GroundedTargets { get; }

    public int BoardSize { get; }
    public int[] Tokens { get; }
    public int[] PointIds { get; }
    public TokenRole[] Roles { get; }

    /// <summary>What each token should be; null when every token is its own label (no imagined boards, no child target).</summary>
    public int[]? Labels { get; private set; }

    public int ImprovedStart { get; }

    /// <summary>
    /// Where the EST row of the child that was played starts, once <see cref="SetPlayedChildTarget"/> gave it the
    /// next step's IMPROVED row as its labels; −1 until then (and for rollout steps or a child whose game ended).
    /// </summary>
    public int ChildTargetStart { get; private set; } = -1;

    public int MoveCount => BoardSize * BoardSize + 1;

    public int Length => Tokens.Length;

    /// <summary>Tokens before the root's EST marker: BOS SIZE MODE ROOT TO_MOVE [PASSED] and the n² points.</summary>
    public int RootLength => Array.IndexOf(Tokens, Vocabulary.Est);

    public int LabelAt(int index) => Labels?[index] ?? Tokens[index];

    /// <summary>Copies the step a <see cref="SearchWriter"/> has just finished (the writer's sequence is reused for the next step).</summary>
    public static StepSample From(SearchWriter writer)
    {
        var sequence = writer.Sequence;
        var record = writer.Record ?? throw new InvalidOperationException("the writer has not finished a step");
        var count = sequence.Count;
        var tokens = new int[count];
        var pointIds = new int[count];
        var roles = new TokenRole[count];
        for (var i = 0; i < count; i++)
        {
            tokens[i] = sequence.Tokens[i];
            pointIds[i] = sequence.PointIds[i];
            roles[i] = sequence.Roles[i];
        }
        int[]? labels = null;
        var grounded = record.Children.Sum(child => child.GroundedReplies.Count);
        if (Array.IndexOf(roles, TokenRole.ImaginedBoard) >= 0 || grounded > 0) labels = (int[])tokens.Clone();
        if (Array.IndexOf(roles, TokenRole.ImaginedBoard) >= 0)
        {
            // Imagined points come child by child, n² each, in the order of the record's children.
            var points = record.BoardSize * record.BoardSize;
            var imagined = 0;
            for (var i = 0; i < count; i++)
            {
                if (roles[i] != TokenRole.ImaginedBoard) continue;
                var child = record.Children[imagined / points];
                labels![i] = BoardCodec.PointStateTokenOf(child.TrueBoard![imagined % points]);
                imagined++;
            }
        }
        var groundedTargets = new List<int>(grounded);
        foreach (var child in record.Children)
        {
            if (child.GroundedReplies.Count == 0) continue;
            var start = ChildEstimatesOf(tokens, record.BoardSize, child.Move, writer.Vocabulary);
            foreach (var (reply, value) in child.GroundedReplies.OrderBy(pair => pair.Key))
            {
                labels![start + reply] = writer.Vocabulary.ValueToken(writer.Vocabulary.Bucket(value));
                groundedTargets.Add(start + reply);
            }
        }
        return new StepSample(record.BoardSize, tokens, pointIds, roles, labels, groundedTargets: [.. groundedTargets]);
    }

    /// <summary>
    /// Moves the IMPROVED value of <paramref name="move"/> towards the game's outcome: e' ← (1−λ)·e' + λ·z, where
    /// <paramref name="improvedValue"/> is e' as the search computed it and z the outcome for the side that moved
    /// (1 a win, 0 a loss, ½ a draw). The token written is the bucket of the blend.
    /// </summary>
    public void BlendOutcome(Vocabulary vocabulary, int move, double improvedValue, double outcome, double lambda)
    {
        if ((uint)move >= (uint)MoveCount) throw new ArgumentOutOfRangeException(nameof(move), move, $"a {BoardSize}×{BoardSize} step has moves 0..{MoveCount - 1}");
        var index = ImprovedStart + move;
        if (!vocabulary.IsValue(Tokens[index]))
            throw new InvalidOperationException($"move {move} is illegal in this step's IMPROVED row ({vocabulary.Name(Tokens[index])}): it cannot have been played");
        SetValue(index, vocabulary.ValueToken(vocabulary.Bucket((1 - lambda) * improvedValue + lambda * outcome)));
        PlayedMove = move;
    }

    /// <summary>
    /// The outcome blended into every legal move's IMPROVED value, a value target for the whole position as
    /// AlphaZero's z is: <paramref name="move"/> from its exact value <paramref name="improvedValue"/>, the others
    /// from the centres of their buckets.
    /// </summary>
    public void BlendOutcomeIntoAll(Vocabulary vocabulary, int move, double improvedValue, double outcome, double lambda)
    {
        BlendOutcome(vocabulary, move, improvedValue, outcome, lambda);
        for (var other = 0; other < MoveCount; other++)
        {
            var index = ImprovedStart + other;
            if (other == move || !vocabulary.IsValue(Tokens[index])) continue;
            var value = vocabulary.BucketCenter(vocabulary.BucketOf(Tokens[index]));
            SetValue(index, vocabulary.ValueToken(vocabulary.Bucket((1 - lambda) * value + lambda * outcome)));
        }
    }

    /// <summary>
    /// Labels the EST row of the CHILD block of <paramref name="move"/> (the move played from this step) with
    /// <paramref name="next"/>'s IMPROVED row: the child is the next step's root, and the search there is the best
    /// estimate of its values. Without this, EST rows written after a CHILD's board, at positions the companion's
    /// root never takes, would get no training at all. Returns false when the step has no such row (a rollout step,
    /// or a child whose game was over).
    /// </summary>
    public bool SetPlayedChildTarget(int move, StepSample next, Vocabulary vocabulary, bool unsearchedToo = true)
    {
        var start = ChildEstimatesOf(move, vocabulary);
        if (start < 0) return false;
        if (next.MoveCount != MoveCount) throw new ArgumentException($"the next step is on {next.BoardSize}×{next.BoardSize}, this one on {BoardSize}×{BoardSize}");
        var labels = Labels ?? (int[])Tokens.Clone();
        for (var i = 0; i < MoveCount; i++)
        {
            var target = next.Tokens[next.ImprovedStart + i];
            // Both rows come from the rules engine's legality of one position: they agree on ILLEGAL.
            if ((target == vocabulary.Illegal) != (Tokens[start + i] == vocabulary.Illegal))
                throw new InvalidOperationException($"the child EST row of move {move} and the next step's IMPROVED row disagree on legality at move {i}: is the next step the position after this move?");
            labels[start + i] = target;
        }
        Labels = labels;
        ChildTargetStart = start;
        ChildTargetMoves = Enumerable.Range(0, MoveCount).Select(m => next.IsTarget(m, unsearchedToo)).ToArray();
        return true;
    }

    /// <summary>The index of the first value of the EST row of the CHILD block of <paramref name="move"/>, or −1.</summary>
    private int ChildEstimatesOf(int move, Vocabulary vocabulary) => ChildEstimatesOf(Tokens, BoardSize, move, vocabulary);

    private static int ChildEstimatesOf(int[] tokens, int boardSize, int move, Vocabulary vocabulary)
    {
        var moveToken = BoardCodec.MoveTokenOf(move, boardSize);
        var improved = Array.LastIndexOf(tokens, Vocabulary.Improved);
        for (var i = 0; i + 1 < improved; i++)
        {
            if (tokens[i] != Vocabulary.Child || tokens[i + 1] != moveToken) continue;
            var board = i + 3;                                   // CHILD m TO_MOVE
            if (tokens[board] == vocabulary.Passed) board++;
            var marker = board + boardSize * boardSize;
            return tokens[marker] == Vocabulary.Est ? marker + 1 : -1;
        }
        return -1;
    }

    private void SetValue(int index, int token)
    {
        Tokens[index] = token;
        if (Labels is not null) Labels[index] = token;
    }
}
