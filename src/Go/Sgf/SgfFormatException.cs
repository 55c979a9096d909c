namespace GoSeqZero.Go.Sgf;

/// <summary>
/// SGF text that cannot be read, or a game in it that breaks our rules. The message names the source (when
/// given), the line and column, what was expected and what was found.
/// </summary>
public sealed class SgfFormatException : FormatException
{
    public SgfFormatException(string reason, SgfPosition position, string? sourceName, Exception? inner = null)
        : base(Locate(position, sourceName) + reason, inner)
    {
        Reason = reason;
        Line = position.Line;
        Column = position.Column;
        SourceName = sourceName;
    }

    /// <summary>1-based line of the offending text; 0 when the record was not read from text.</summary>
    public int Line { get; }
    /// <summary>1-based column of the offending text; 0 when the record was not read from text.</summary>
    public int Column { get; }
    public string? SourceName { get; }
    /// <summary>The message without the location.</summary>
    public string Reason { get; }

    private static string Locate(SgfPosition position, string? sourceName)
    {
        var where = position.IsKnown ? position.ToString() : null;
        return (sourceName, where) switch
        {
            (null, null) => "",
            (null, _) => where + ": ",
            (_, null) => sourceName + ": ",
            _ => $"{sourceName}, {where}: ",
        };
    }
}
