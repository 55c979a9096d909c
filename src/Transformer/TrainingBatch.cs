namespace GoSeqZero.Transformer;

/// <summary>
/// A batch of <see cref="Sequences"/> token sequences of <see cref="Tokens"/> each (shorter ones padded, with weight 0),
/// on the host, row-major [Sequences, Tokens]. Row r predicts <c>Targets[r]</c> with loss weight <c>Weights[r]</c>;
/// <see cref="AllowedTokens"/>, when set, restricts each row's softmax to a bit set of ceil(V/32) words per row.
/// </summary>
public sealed class TrainingBatch
{
    public TrainingBatch(int sequences, int tokens, int vocabularySize, bool withMasks)
    {
        if (sequences < 1 || tokens < 1) throw new ArgumentException($"a batch needs at least one sequence of one token, not {sequences}×{tokens}");
        Sequences = sequences;
        Tokens = tokens;
        var rows = sequences * tokens;
        TokenIds = new int[rows];
        Positions = new int[rows];
        PointIds = new int[rows];
        Targets = new int[rows];
        Weights = new float[rows];
        MaskWords = (vocabularySize + 31) / 32;
        AllowedTokens = withMasks ? new uint[rows * MaskWords] : null;
        for (var r = 0; r < rows; r++) Positions[r] = r % tokens;
    }

    public int Sequences { get; }
    public int Tokens { get; }
    public int Rows => Sequences * Tokens;
    public int MaskWords { get; }

    public int[] TokenIds { get; }

    /// <summary>Position of each row in its sequence; 0..Tokens−1 unless the caller packs differently.</summary>
    public int[] Positions { get; }

    /// <summary>Board point of each row's token, 0 for none (docs/sequence-format.md, 1. Vocabulary, point ids).</summary>
    public int[] PointIds { get; }

    public int[] Targets { get; }
    public float[] Weights { get; }
    public uint[]? AllowedTokens { get; }

    /// <summary>Random tokens and point ids, each row predicting the next row's token, every row weighted 1: for benchmarks and profiles.</summary>
    public static TrainingBatch Random(ModelConfig config, int sequences, int tokens, Random random)
    {
        var batch = new TrainingBatch(sequences, tokens, config.VocabularySize, withMasks: false);
        for (var r = 0; r < batch.Rows; r++)
        {
            batch.TokenIds[r] = random.Next(config.VocabularySize);
            batch.PointIds[r] = random.Next(config.PointCount);
        }
        for (var r = 0; r < batch.Rows; r++)
        {
            batch.Targets[r] = batch.TokenIds[(r + 1) % batch.Rows];
            batch.Weights[r] = 1;
        }
        return batch;
    }

    /// <summary>Allows token <paramref name="token"/> at row <paramref name="row"/> (only with masks).</summary>
    public void Allow(int row, int token) =>
        (AllowedTokens ?? throw new InvalidOperationException("this batch has no masks"))[row * MaskWords + token / 32] |= 1u << (token % 32);
}
