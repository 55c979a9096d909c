namespace GoSeqZero.Transformer.Checkpoints;

/// <summary>
/// Writes that a reader, or a crash, never finds half done (src/Go has the same rule for SGF and results files;
/// the Transformer cannot reference it). Temporary names are unique and start with a dot, so two writers never
/// share one and a listing of checkpoints can skip them.
/// </summary>
internal static class DurableFiles
{
    /// <summary>A unique hidden sibling of <paramref name="fullPath"/>: <c>.name.guid.suffix</c>.</summary>
    public static string TemporarySibling(string fullPath, string suffix) =>
        Path.Combine(Path.GetDirectoryName(fullPath)!, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.{suffix}");

    /// <summary>Creates <paramref name="path"/> (it must not exist), lets <paramref name="write"/> fill it, and flushes it to the disk.</summary>
    public static void WriteNew(string path, Action<Stream> write)
    {
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16);
        write(stream);
        stream.Flush(flushToDisk: true);
    }

    /// <summary>
    /// Writes a temporary sibling of <paramref name="path"/>, flushes it, and renames it over <paramref name="path"/>;
    /// the temporary file is removed when any step fails.
    /// </summary>
    public static void WriteAtomically(string path, Action<Stream> write)
    {
        var fullPath = Path.GetFullPath(path);
        var temporary = TemporarySibling(fullPath, "tmp");
        try
        {
            WriteNew(temporary, write);
            File.Move(temporary, fullPath, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }
}
