namespace GoSeqZero.Go.Gtp;

/// <summary>
/// The time system a controller announced with GTP time_settings: absolute main time, then Canadian
/// byo-yomi of <see cref="ByoYomiStones"/> stones in <see cref="ByoYomiSeconds"/> seconds.
/// </summary>
internal sealed record TimeControl(int MainTimeSeconds, int ByoYomiSeconds, int ByoYomiStones)
{
    /// <summary>GTP's convention for "no time limit": byo-yomi time with zero stones.</summary>
    public bool IsUnlimited => ByoYomiSeconds > 0 && ByoYomiStones == 0;
}

/// <summary>
/// What GTP time_left reported for one colour: seconds left in the current period, and stones left to play
/// in it (0 while still in main time).
/// </summary>
internal sealed record TimeLeft(int Seconds, int Stones);
