namespace GoSeqZero.Trainer.Sequences;

/// <summary>
/// A token sequence that breaks the grammar of docs/sequence-format.md: where (the token index, counted from 0 at BOS),
/// what the grammar expected there, and what was found (null when the sequence ended too early).
/// </summary>
internal sealed class SequenceFormatException : FormatException
{
    public SequenceFormatException(int tokenIndex, string expected, string? found)
        : base(found is null
            ? $"the sequence ends at token {tokenIndex}: expected {expected}"
            : $"token {tokenIndex}: expected {expected}, found {found}")
    {
        TokenIndex = tokenIndex;
        Found = found;
    }

    /// <summary>Index of the offending token; the sequence's length when it ended too early.</summary>
    public int TokenIndex { get; }

    /// <summary>The offending token's name (with any detail); null when the sequence ended too early.</summary>
    public string? Found { get; }
}
