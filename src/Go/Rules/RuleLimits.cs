namespace GoSeqZero.Go;

/// <summary>The board sizes and komi the engine plays; every way in (GTP, SGF, a match) checks against these.</summary>
public static class RuleLimits
{
    public const int MinSize = 2;
    public const int MaxSize = Vertex.MaxSize;
    /// <summary>The largest komi either way; beyond it a komi is a typing mistake, not a handicap.</summary>
    public const double MaxKomi = 1000;

    /// <summary>Whether <paramref name="komi"/> is finite and at most <see cref="MaxKomi"/> either way.</summary>
    public static bool IsAcceptableKomi(double komi) => double.IsFinite(komi) && Math.Abs(komi) <= MaxKomi;
}
