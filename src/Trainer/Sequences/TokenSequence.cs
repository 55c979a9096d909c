namespace GoSeqZero.Trainer.Sequences;

/// <summary>What a token is for the learner: who wrote it, so each loss can weight its own tokens (docs/sequence-format.md, who writes each token).</summary>
public enum TokenRole : byte
{
    /// <summary>Written by the rules engine or the search itself (markers, boards, ILLEGAL, chosen moves, rollouts).</summary>
    Forced,
    /// <summary>An estimate of the root EST row.</summary>
    RootEstimate,
    /// <summary>An estimate of a child's EST row.</summary>
    ChildEstimate,
    /// <summary>A value of the IMPROVED row.</summary>
    Improved,
    /// <summary>A point of a board the model imagined.</summary>
    ImaginedBoard,
    /// <summary>A RESULT outcome token.</summary>
    Result,
}

/// <summary>A token sequence with each token's point id (0 for none) and role, built left to right.</summary>
public sealed class TokenSequence
{
    private readonly List<int> _tokens = [];
    private readonly List<int> _pointIds = [];
    private readonly List<TokenRole> _roles = [];

    public int Count => _tokens.Count;
    public IReadOnlyList<int> Tokens => _tokens;
    public IReadOnlyList<int> PointIds => _pointIds;
    public IReadOnlyList<TokenRole> Roles => _roles;

    public void Add(int token, int pointId = Vocabulary.NoPoint, TokenRole role = TokenRole.Forced)
    {
        _tokens.Add(token);
        _pointIds.Add(pointId);
        _roles.Add(role);
    }

    public void Clear()
    {
        _tokens.Clear();
        _pointIds.Clear();
        _roles.Clear();
    }
}
