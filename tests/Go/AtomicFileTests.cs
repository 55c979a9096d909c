using GoSeqZero.Go;

namespace GoSeqZero.Tests.Go;

public sealed class AtomicFileTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"goseqzero-atomic-{Guid.NewGuid():N}");

    public AtomicFileTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void AWriteReplacesTheFileWithUtf8WithoutAByteOrderMarkAndLeavesNoTemporaryFile()
    {
        var path = Path.Combine(_folder, "results.json");
        AtomicFile.WriteAllText(path, "old");

        AtomicFile.WriteAllText(path, "komi ½");

        Assert.Equal("komi ½"u8.ToArray(), File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFileSystemEntries(_folder));
    }

    [Fact]
    public void AFailedRenameRemovesTheTemporaryFileAndKeepsWhatWasThere()
    {
        // A folder where the file should go: the text is written, but the rename over it fails.
        var path = Path.Combine(_folder, "game-0001.sgf");
        Directory.CreateDirectory(path);

        Assert.ThrowsAny<IOException>(() => AtomicFile.WriteAllText(path, "(;GM[1])"));

        Assert.Equal([path], Directory.GetFileSystemEntries(_folder));
        Assert.True(Directory.Exists(path));
    }
}
