using System.Buffers.Binary;
using System.Text;
using GoSeqZero.Transformer.Checkpoints;

namespace GoSeqZero.Tests.Transformer;

public sealed class SafeTensorsTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"goseqzero-safetensors-{Guid.NewGuid():N}");
    private readonly int _seed = Random.Shared.Next();

    public SafeTensorsTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string PathOf(string name) => Path.Combine(_folder, name);

    private static float[] RandomFloats(Random random, int count) =>
        Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1) * 1e3f).ToArray();

    /// <summary>A file of several shapes, a 0-length tensor and a scalar, with the special values that must survive bit for bit.</summary>
    private List<(string Name, int[] Shape, ReadOnlyMemory<float> Data)> SampleTensors()
    {
        var random = new Random(_seed);
        var matrix = RandomFloats(random, 12);
        matrix[0] = float.NaN;
        matrix[1] = -0f;
        matrix[2] = float.PositiveInfinity;
        matrix[3] = float.Epsilon;
        return
        [
            ("blocks.0.attn.qkv.weight", [3, 4], matrix),
            ("empty", [0], Array.Empty<float>()),
            ("empty.rows", [3, 0], Array.Empty<float>()),
            ("scalar", [], RandomFloats(random, 1)),
            ("ln_f.bias", [5], RandomFloats(random, 5)),
        ];
    }

    /// <summary>The bytes of a file of <see cref="SampleTensors"/> with a little metadata.</summary>
    private byte[] SampleFileBytes()
    {
        var path = PathOf("sample.safetensors");
        SafeTensorsFile.Write(path, SampleTensors(), new Dictionary<string, string> { ["format"] = "pt" });
        return File.ReadAllBytes(path);
    }

    private static void AssertSameTensors(List<(string Name, int[] Shape, ReadOnlyMemory<float> Data)> expected, SafeTensorsContents actual, string because)
    {
        Assert.Equal(expected.Select(t => t.Name), actual.Names);
        Assert.Equal(expected.Count, actual.Tensors.Count);
        foreach (var (name, shape, data) in expected)
        {
            var tensor = actual.Tensors[name];
            Assert.Equal(shape, tensor.Shape);
            Assert.True(data.ToArray().Select(BitConverter.SingleToInt32Bits).SequenceEqual(tensor.Data.Select(BitConverter.SingleToInt32Bits)),
                $"{name}: the values differ bit for bit ({because})");
        }
    }

    [Fact]
    public void TensorsAndMetadataRoundTripBitForBitInTheirOrder()
    {
        var path = PathOf("model.safetensors");
        var tensors = SampleTensors();
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["step"] = "12", ["note"] = "ko ½ \"quoted\"" };

        SafeTensorsFile.Write(path, tensors, metadata);
        var read = SafeTensorsFile.Read(path);

        AssertSameTensors(tensors, read, $"seed {_seed}");
        Assert.Equal(metadata, read.Metadata);
    }

    [Fact]
    public void EmptyOrMissingMetadataReadsAsEmptyAndAFileMayHoldNoTensors()
    {
        var withEmpty = PathOf("a.safetensors");
        var withNull = PathOf("b.safetensors");
        SafeTensorsFile.Write(withEmpty, SampleTensors(), new Dictionary<string, string>());
        SafeTensorsFile.Write(withNull, SampleTensors(), null);
        var none = PathOf("none.safetensors");
        SafeTensorsFile.Write(none, [], null);

        Assert.Empty(SafeTensorsFile.Read(withEmpty).Metadata);
        Assert.Empty(SafeTensorsFile.Read(withNull).Metadata);
        AssertSameTensors(SampleTensors(), SafeTensorsFile.Read(withNull), $"seed {_seed}");
        Assert.Empty(SafeTensorsFile.Read(none).Names);
    }

    [Fact]
    public void TheLayoutIsTheFormatsAHeaderPaddedWithSpacesToEightBytesThenTheDataBackToBackInTheOrderGiven()
    {
        var path = PathOf("layout.safetensors");
        SafeTensorsFile.Write(path, [("b", [2], new float[] { 1.5f, -2 }), ("a", [1], new float[] { 3 })], new Dictionary<string, string> { ["k"] = "v" });

        var bytes = File.ReadAllBytes(path);
        var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, headerLength % 8);
        var header = Encoding.UTF8.GetString(bytes, 8, headerLength);
        Assert.Equal(
            """{"__metadata__":{"k":"v"},"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}""",
            header.TrimEnd(' '));
        Assert.Equal(8 + headerLength + 12, bytes.Length);
        Assert.Equal(new[] { 1.5f, -2f, 3f }, Enumerable.Range(0, 3).Select(i => BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(8 + headerLength + 4 * i))));
    }

    [Fact]
    public void TheSameTensorsAlwaysGiveTheSameBytesAndAWriteReplacesTheOldFileLeavingNothingElse()
    {
        var path = PathOf("x.safetensors");
        SafeTensorsFile.Write(path, [("old", [1], new float[] { 1 })], null);
        SafeTensorsFile.Write(path, SampleTensors(), new Dictionary<string, string> { ["a"] = "b" });
        var first = File.ReadAllBytes(path);
        SafeTensorsFile.Write(path, SampleTensors(), new Dictionary<string, string> { ["a"] = "b" });

        Assert.Equal(first, File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFileSystemEntries(_folder));
    }

    [Fact]
    public void WritingRefusesBadTensorsAndLeavesTheOldFileAndNoTemporaryFile()
    {
        var path = PathOf("x.safetensors");
        SafeTensorsFile.Write(path, [("kept", [1], new float[] { 7 })], null);

        Assert.Contains("'w' is given twice", Assert.Throws<ArgumentException>(() =>
            SafeTensorsFile.Write(path, [("w", [1], new float[1]), ("w", [1], new float[1])], null)).Message);
        Assert.Contains("shape [2, 3] has 6 elements, the data 5", Assert.Throws<ArgumentException>(() =>
            SafeTensorsFile.Write(path, [("w", [2, 3], new float[5])], null)).Message);
        Assert.Contains("reserved", Assert.Throws<ArgumentException>(() =>
            SafeTensorsFile.Write(path, [("__metadata__", [1], new float[1])], null)).Message);
        Assert.Contains("negative size in shape [-1]", Assert.Throws<ArgumentException>(() =>
            SafeTensorsFile.Write(path, [("w", [-1], new float[1])], null)).Message);

        Assert.Equal([path], Directory.GetFileSystemEntries(_folder));
        Assert.Equal(new[] { 7f }, SafeTensorsFile.Read(path).Tensors["kept"].Data);
    }

    /// <summary>A file with this header (padded to 8 bytes as we write it) followed by <paramref name="dataBytes"/> bytes of data.</summary>
    private string Handmade(string header, int dataBytes)
    {
        var json = Encoding.UTF8.GetBytes(header);
        var padded = (json.Length + 7) / 8 * 8;
        var bytes = new byte[8 + padded + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)padded);
        bytes.AsSpan(8, padded).Fill((byte)' ');
        json.CopyTo(bytes, 8);
        var path = PathOf("handmade.safetensors");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static void AssertRefused(string path, params string[] expected)
    {
        var error = Assert.Throws<FormatException>(() => SafeTensorsFile.Read(path));
        Assert.StartsWith(path + ": ", error.Message);
        foreach (var part in expected) Assert.Contains(part, error.Message);
    }

    [Fact]
    public void AFileShorterThanTheHeaderLengthIsRefused()
    {
        var path = PathOf("short.safetensors");
        File.WriteAllBytes(path, [1, 2, 3, 4, 5]);
        AssertRefused(path, "5 bytes is too short for a SafeTensors file");
    }

    [Fact]
    public void AHeaderLengthBeyondTheFileIsRefused()
    {
        var path = PathOf("long.safetensors");
        var bytes = new byte[8 + 16];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 17);
        File.WriteAllBytes(path, bytes);
        AssertRefused(path, "header length 17 runs past the end of the file (24 bytes)");

        BinaryPrimitives.WriteUInt64LittleEndian(bytes, ulong.MaxValue);
        File.WriteAllBytes(path, bytes);
        AssertRefused(path, $"header length {ulong.MaxValue} runs past the end");
    }

    [Fact]
    public void AHeaderThatIsNotUtf8IsRefused()
    {
        var invalidUtf8 = PathOf("utf8.safetensors");
        File.WriteAllBytes(invalidUtf8, [8, 0, 0, 0, 0, 0, 0, 0, (byte)'{', (byte)'"', 0xff, (byte)'"', (byte)':', 1, (byte)'}', (byte)' ']);
        AssertRefused(invalidUtf8, "the header is not valid UTF-8 text");
    }

    [Fact]
    public void ATruncatedDataSectionIsRefusedNamingTheLastTensor()
    {
        var path = PathOf("cut.safetensors");
        File.WriteAllBytes(path, SampleFileBytes()[..^3]);
        AssertRefused(path, "tensor 'ln_f.bias'", "point past the end of the data section", "truncated");
    }

    /// <summary>Headers that break the format, each with the length of the data section after it and what the error must say.</summary>
    public static TheoryData<string, int, string> RefusedHeaders => new()
    {
        { """{"w": {"dtype": "F32", """, 0, "the header is not valid JSON" },
        { "[1, 2]", 0, "the header is a JSON array, not an object of tensors" },
        { """{"half": {"dtype": "F16", "shape": [2], "data_offsets": [0, 4]}}""", 4, "tensor 'half': dtype F16 is not supported (only F32)" },
        // Offsets that do not match the shape, overlap, run past the data, or leave bytes to no tensor.
        { """{"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}""", 8, "tensor 'w': data_offsets [0, 8] hold 8 bytes, but shape [3] of F32 needs 12" },
        { """{"w": {"dtype": "F32", "shape": [1], "data_offsets": [8, 4]}}""", 8, "tensor 'w': data_offsets [8, 4] end before they begin" },
        { """{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4, 8]}}""", 8, "tensor 'w': data_offsets has 3 numbers, not 2" },
        {
            """{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}""", 12,
            "tensor 'b': data_offsets [4, 12] overlap tensor 'a' [0, 8]"
        },
        {
            """{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}}""", 12,
            "tensor 'b': data_offsets [8, 16] point past the end of the data section (12 bytes)"
        },
        { """{"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}""", 8, "bytes [0, 4) of the data section, before tensor 'a', belong to no tensor" },
        { """{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}""", 8, "4 bytes after the last tensor" },
        // Malformed entries and metadata.
        { """{"w": {"dtype": "F32", "shape": [1]}}""", 4, "tensor 'w': no data_offsets" },
        { """{"w": {"shape": [1], "data_offsets": [0, 4]}}""", 4, "tensor 'w': no dtype" },
        { """{"w": {"dtype": "F32", "data_offsets": [0, 4]}}""", 4, "tensor 'w': no shape" },
        { """{"w": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}""", 4, "tensor 'w': shape holds -1" },
        { """{"w": {"dtype": "F32", "shape": [1.5], "data_offsets": [0, 4]}}""", 4, "tensor 'w': shape holds 1.5" },
        { """{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4], "extra": 1}}""", 4, "tensor 'w': unknown field 'extra'" },
        { """{"w": [1]}""", 4, "tensor 'w': its header entry is a JSON array" },
        { """{"w": {"dtype": "F32", "shape": [65536, 65536], "data_offsets": [0, 4]}}""", 4, "tensor 'w': shape [65536, 65536] is too large" },
        {
            """{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "w": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}""", 8,
            "'w' appears twice in the header"
        },
        { """{"__metadata__": {"step": 3}}""", 0, "__metadata__ entry 'step' is a JSON number, not a string" },
        { """{"__metadata__": "x"}""", 0, "__metadata__ is a JSON string, not an object" },
    };

    [Theory]
    [MemberData(nameof(RefusedHeaders))]
    public void AHeaderThatBreaksTheFormatIsRefusedNamingWhatIsWrong(string header, int dataBytes, string message) =>
        AssertRefused(Handmade(header, dataBytes), message);

    [Fact]
    public void AFileCutAtAnyLengthIsACleanFormatException()
    {
        var bytes = SampleFileBytes();
        var cut = PathOf("cut.safetensors");

        for (var length = 0; length < bytes.Length; length++)
        {
            File.WriteAllBytes(cut, bytes[..length]);
            var error = Record.Exception(() => SafeTensorsFile.Read(cut));
            Assert.True(error is FormatException, $"cut at {length} of {bytes.Length} bytes: {error?.GetType().Name ?? "no exception"} {error?.Message}");
        }
    }

    [Fact]
    public void AnyByteOfTheHeaderChangedEitherReadsOrIsACleanFormatException()
    {
        var bytes = SampleFileBytes();
        var headerEnd = 8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        var random = new Random(_seed);
        var changed = PathOf("changed.safetensors");

        for (var position = 0; position < headerEnd; position++)
        {
            for (var attempt = 0; attempt < 4; attempt++)
            {
                var copy = (byte[])bytes.Clone();
                var value = (byte)random.Next(256);
                copy[position] = value;
                File.WriteAllBytes(changed, copy);
                var error = Record.Exception(() => SafeTensorsFile.Read(changed));
                Assert.True(error is null or FormatException,
                    $"byte {position} set to {value} (seed {_seed}): {error?.GetType().Name} {error?.Message}");
            }
        }
    }
}
