namespace GoSeqZero.Tests;

/// <summary>A fresh path under the temporary folder, for one test: deleted with all it holds when disposed.</summary>
public sealed class TemporaryFolder : IDisposable
{
    /// <param name="prefix">The start of the folder's name, saying which tests left it should one outlive its test.</param>
    /// <param name="create">Whether to create the folder; without, the code under test creates it.</param>
    public TemporaryFolder(string prefix, bool create = false)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), prefix + Guid.NewGuid().ToString("N"));
        if (create) Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public void Dispose()
    {
        if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
    }
}
