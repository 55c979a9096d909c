using GoSeqZero.Trainer.Sequences;
using GoSeqZero.Transformer;

namespace GoSeqZero.Trainer.Training;

/// <summary>Which loss a target token belongs to (docs/design.md, "The expert-iteration loop": targets); None is not learnt.</summary>
internal enum LossKind : byte
{
    None,
    /// <summary>(a) The IMPROVED row of a search step, given the search.</summary>
    Improved,
    /// <summary>(b) The EST row of a companion sequence, which holds the improved values: the prior learns the search result.</summary>
    Prior,
    /// <summary>(c) A point of a board the model imagined, labelled with the rules engine's state.</summary>
    Imagined,
    /// <summary>(d) A RESULT outcome token.</summary>
    Result,
    /// <summary>(e) The EST row of the child that was played, labelled with the next step's IMPROVED row.</summary>
    Child,
}

/// <summary>The weight of each loss (the --w-* flags).</summary>
internal readonly record struct LossWeights(float Improved, float Prior, float Imagined, float Result, float Child = 0)
{
    public float Of(LossKind kind) => kind switch
    {
        LossKind.Improved => Improved,
        LossKind.Prior => Prior,
        LossKind.Imagined => Imagined,
        LossKind.Result => Result,
        LossKind.Child => Child,
        _ => 0,
    };
}

/// <summary>A sequence to learn from: its tokens and point ids as the model reads them, and for each token its label and loss.</summary>
internal sealed record LearningSequence(int[] Tokens, int[] PointIds, int[] Labels, LossKind[] Kinds)
{
    public int Length => Tokens.Length;

    /// <summary>
    /// The search step itself: its IMPROVED values, imagined board points and RESULT tokens are targets, and the EST
    /// row of the child played once it has the next step's IMPROVED row as labels; the model's other estimates are not.
    /// </summary>
    public static LearningSequence Search(StepSample sample, bool unsearchedToo = true)
    {
        var kinds = new LossKind[sample.Length];
        for (var i = 0; i < kinds.Length; i++)
            kinds[i] = sample.Roles[i] switch
            {
                TokenRole.Improved => sample.IsTarget(i - sample.ImprovedStart, unsearchedToo) ? LossKind.Improved : LossKind.None,
                TokenRole.ImaginedBoard => LossKind.Imagined,
                TokenRole.Result => LossKind.Result,
                _ => LossKind.None,
            };
        if (sample.ChildTargetStart >= 0)
            for (var i = sample.ChildTargetStart; i < sample.ChildTargetStart + sample.MoveCount; i++)
                if (sample.Roles[i] == TokenRole.ChildEstimate && sample.ChildTargetMoves![i - sample.ChildTargetStart]) kinds[i] = LossKind.Child;     // ILLEGAL entries are forced
        foreach (var index in sample.GroundedTargets) kinds[index] = LossKind.Child;
        return new LearningSequence(sample.Tokens, sample.PointIds, sample.Labels ?? sample.Tokens, kinds);
    }

    /// <summary>
    /// The companion of a search step (loss (b); docs/sequence-format.md, the companion sequence): BOS SIZE MODE_TREE ROOT TO_MOVE [PASSED] board, then EST with
    /// the improved values (ILLEGAL where illegal), then EOS. Its value tokens are the prior's targets. The mode is
    /// MODE_TREE whatever the step's: the prior that tree steps and the prior player read learns from rollout steps too.
    /// </summary>
    public static LearningSequence Companion(StepSample sample, Vocabulary vocabulary, bool unsearchedToo = true)
    {
        var root = sample.RootLength;
        var moves = sample.MoveCount;
        var length = root + 1 + moves + 1;
        var tokens = new int[length];
        var pointIds = new int[length];
        var kinds = new LossKind[length];
        Array.Copy(sample.Tokens, tokens, root);
        Array.Copy(sample.PointIds, pointIds, root);
        tokens[2] = Vocabulary.ModeTree;
        tokens[root] = Vocabulary.Est;
        Array.Copy(sample.Tokens, sample.ImprovedStart, tokens, root + 1, moves);
        Array.Copy(sample.PointIds, sample.ImprovedStart, pointIds, root + 1, moves);
        for (var i = root + 1; i <= root + moves; i++)
            if (vocabulary.IsValue(tokens[i]) && sample.IsTarget(i - root - 1, unsearchedToo)) kinds[i] = LossKind.Prior;
        tokens[^1] = Vocabulary.Eos;
        return new LearningSequence(tokens, pointIds, tokens, kinds);
    }
}

/// <summary>
/// Turns learning sequences into one <see cref="TrainingBatch"/> (padded with PAD to the longest, positions 0..T−1):
/// row t of a sequence predicts its label at t+1, weighted by that token's loss, and its softmax is restricted to
/// the tokens that loss can answer with (value buckets, point states or outcomes). Keeps each row's loss kind so
/// the per-row losses of the forward pass can be reported per loss.
/// </summary>
internal sealed class LearningBatch
{
    private LearningBatch(TrainingBatch batch, LossKind[] rowKinds, long tokens)
    {
        Batch = batch;
        RowKinds = rowKinds;
        Tokens = tokens;
        foreach (var weight in batch.Weights) WeightSum += weight;
    }

    /// <summary>The sum of the rows' loss weights: the divisor of the weighted mean loss.</summary>
    public double WeightSum { get; }

    public TrainingBatch Batch { get; }

    /// <summary>The loss kind of each row's target, row-major [Sequences, Tokens].</summary>
    public LossKind[] RowKinds { get; }

    /// <summary>Tokens of the sequences, padding excluded.</summary>
    public long Tokens { get; }

    public static LearningBatch Build(IReadOnlyList<LearningSequence> sequences, Vocabulary vocabulary, LossWeights weights)
    {
        if (sequences.Count == 0) throw new ArgumentException("a batch needs at least one sequence");
        var length = sequences.Max(s => s.Length);
        var batch = new TrainingBatch(sequences.Count, length, vocabulary.Count, withMasks: true);
        var rowKinds = new LossKind[batch.Rows];
        var masks = AllowedTokens(vocabulary, batch.MaskWords);
        long tokens = 0;
        for (var s = 0; s < sequences.Count; s++)
        {
            var sequence = sequences[s];
            tokens += sequence.Length;
            for (var t = 0; t < length; t++)
            {
                var row = s * length + t;
                if (t >= sequence.Length)
                {
                    batch.TokenIds[row] = Vocabulary.Pad;
                    batch.Targets[row] = Vocabulary.Pad;
                    continue;
                }
                batch.TokenIds[row] = sequence.Tokens[t];
                batch.PointIds[row] = sequence.PointIds[t];
                if (t + 1 >= sequence.Length)
                {
                    batch.Targets[row] = Vocabulary.Pad;
                    continue;
                }
                var kind = sequence.Kinds[t + 1];
                var label = sequence.Labels[t + 1];
                batch.Targets[row] = label;
                var weight = weights.Of(kind);
                if (weight == 0) continue;
                var allowed = masks[(int)kind];
                if ((allowed[label / 32] & (1u << (label % 32))) == 0)
                    throw new InvalidOperationException($"sequence {s}, token {t + 1}: the {kind} target {vocabulary.Name(label)} is not one of the tokens its loss allows");
                batch.Weights[row] = weight;
                rowKinds[row] = kind;
                allowed.CopyTo(batch.AllowedTokens.AsSpan(row * batch.MaskWords, batch.MaskWords));
            }
        }
        return new LearningBatch(batch, rowKinds, tokens);
    }

    /// <summary>The mask words each loss kind allows, indexed by kind.</summary>
    private static uint[][] AllowedTokens(Vocabulary vocabulary, int words)
    {
        uint[] Mask(IEnumerable<int> tokens)
        {
            var mask = new uint[words];
            foreach (var token in tokens) mask[token / 32] |= 1u << (token % 32);
            return mask;
        }
        var values = Enumerable.Range(0, vocabulary.ValueBuckets).Select(vocabulary.ValueToken).ToArray();
        var masks = new uint[Enum.GetValues<LossKind>().Length][];
        masks[(int)LossKind.None] = new uint[words];
        masks[(int)LossKind.Improved] = Mask(values);
        masks[(int)LossKind.Prior] = Mask(values);
        masks[(int)LossKind.Imagined] = Mask([Vocabulary.Empty, Vocabulary.Black, Vocabulary.White]);
        masks[(int)LossKind.Result] = Mask([vocabulary.BlackWins, vocabulary.WhiteWins, vocabulary.Draw]);
        masks[(int)LossKind.Child] = Mask(values);
        return masks;
    }

    /// <summary>The mean loss per target token of each kind from the forward pass's per-row weighted losses (NaN for a kind with no weighted token).</summary>
    public LossBreakdown Losses(float[] rowLosses)
    {
        if (rowLosses.Length != RowKinds.Length) throw new ArgumentException($"{rowLosses.Length} row losses for a batch of {RowKinds.Length} rows");
        var sums = new double[Enum.GetValues<LossKind>().Length];
        var weightSums = new double[sums.Length];
        for (var row = 0; row < rowLosses.Length; row++)
        {
            var kind = (int)RowKinds[row];
            sums[kind] += rowLosses[row];
            weightSums[kind] += Batch.Weights[row];
        }
        double Mean(LossKind kind) => weightSums[(int)kind] > 0 ? sums[(int)kind] / weightSums[(int)kind] : double.NaN;
        return new LossBreakdown(Mean(LossKind.Improved), Mean(LossKind.Prior), Mean(LossKind.Imagined), Mean(LossKind.Result), Mean(LossKind.Child));
    }
}

/// <summary>Mean cross-entropy (nats per target token) of each loss in one batch; NaN where the batch had none.</summary>
internal readonly record struct LossBreakdown(double Improved, double Prior, double Imagined, double Result, double Child = double.NaN)
{
    /// <summary>These losses, each NaN one taken from <paramref name="other"/>: the breakdown of batches whose losses do not overlap.</summary>
    public LossBreakdown With(LossBreakdown other) => new(
        double.IsNaN(Improved) ? other.Improved : Improved, double.IsNaN(Prior) ? other.Prior : Prior,
        double.IsNaN(Imagined) ? other.Imagined : Imagined, double.IsNaN(Result) ? other.Result : Result,
        double.IsNaN(Child) ? other.Child : Child);
}
