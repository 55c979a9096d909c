using GoSeqZero.Trainer.Search;
using GoSeqZero.Trainer.Sequences;

namespace GoSeqZero.Trainer.Training;

/// <summary>
/// One search step as the learner keeps it (DESIGN.md §4): the sequence the search wrote, each token's role, and
/// the label each token should have been: the token itself, except at imagined board points, where it is the rules
/// engine's state of the point. The IMPROVED row starts at <see cref="ImprovedStart"/>; when the game ends, the
/// value of the move played there is blended with the outcome (<see cref="BlendOutcome"/>).
/// </summary>
internal sealed class StepSample
{
    public StepSample(int boardSize, int[] tokens, int[] pointIds, TokenRole[] roles, int[]? labels)
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
    }

    public int BoardSize { get; }
    public int[] Tokens { get; }
    public int[] PointIds { get; }
    public TokenRole[] Roles { get; }

    /// <summary>What each token should be; null when every token is its own label (no imagined boards).</summary>
    public int[]? Labels { get; }

    public int ImprovedStart { get; }

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
        if (Array.IndexOf(roles, TokenRole.ImaginedBoard) >= 0)
        {
            // Imagined points come child by child, n² each, in the order of the record's children.
            labels = (int[])tokens.Clone();
            var points = record.BoardSize * record.BoardSize;
            var imagined = 0;
            for (var i = 0; i < count; i++)
            {
                if (roles[i] != TokenRole.ImaginedBoard) continue;
                var child = record.Children[imagined / points];
                labels[i] = SearchWriter.StateToken(child.TrueBoard![imagined % points]);
                imagined++;
            }
        }
        return new StepSample(record.BoardSize, tokens, pointIds, roles, labels);
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

    private void SetValue(int index, int token)
    {
        Tokens[index] = token;
        if (Labels is not null) Labels[index] = token;
    }
}
