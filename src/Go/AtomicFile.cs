using System.Text;

namespace GoSeqZero.Go;

/// <summary>Writes files that a reader, or a crash, never finds half written.</summary>
internal static class AtomicFile
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>
    /// Writes <paramref name="text"/> as UTF-8 to a temporary file of a unique name in the same folder, so that two
    /// writers never share one, flushes it to the disk, and renames it over <paramref name="path"/>. The temporary
    /// file is removed when any step fails.
    /// </summary>
    public static void WriteAllText(string path, string text)
    {
        var fullPath = Path.GetFullPath(path);
        var temporary = Path.Combine(Path.GetDirectoryName(fullPath)!, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write);
        try
        {
            using (stream)
            {
                stream.Write(Utf8.GetBytes(text));
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, fullPath, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }
}
