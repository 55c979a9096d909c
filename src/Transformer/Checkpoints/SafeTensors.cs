using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Unicode;

namespace GoSeqZero.Transformer.Checkpoints;

/// <summary>One F32 tensor of a SafeTensors file: its shape (row-major) and its elements.</summary>
public sealed record SafeTensor(int[] Shape, float[] Data);

/// <summary>What <see cref="SafeTensorsFile.Read"/> found: the tensors by name, their order in the header, and the metadata.</summary>
public sealed class SafeTensorsContents
{
    internal SafeTensorsContents(IReadOnlyList<string> names, IReadOnlyDictionary<string, SafeTensor> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        Names = names;
        Tensors = tensors;
        Metadata = metadata;
    }

    /// <summary>Tensor names in the order of the file's header.</summary>
    public IReadOnlyList<string> Names { get; }

    public IReadOnlyDictionary<string, SafeTensor> Tensors { get; }

    /// <summary>The header's <c>__metadata__</c> object; empty when the file has none.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }
}

/// <summary>
/// The SafeTensors format (Hugging Face) for F32 tensors: an 8-byte little-endian header length N, N bytes of JSON
/// mapping each tensor name to <c>{"dtype", "shape", "data_offsets": [begin, end]}</c> (plus an optional
/// <c>"__metadata__"</c> of string → string), then the little-endian data, offsets counted from its start.
/// PyTorch reads our files with <c>safetensors.torch.load_file</c>.
/// </summary>
public static class SafeTensorsFile
{
    /// <summary>The reference implementation refuses larger headers too; a bigger one is corruption, not a model.</summary>
    public const long MaxHeaderBytes = 100L << 20;

    private const string MetadataKey = "__metadata__";
    private const int ChunkFloats = 1 << 20;

    /// <summary>
    /// Writes the tensors in the order given (header entries and data alike, so the same input always gives the
    /// same bytes), metadata first in the header, the header padded with spaces to a multiple of 8 bytes so the data
    /// starts aligned. Atomic: a temporary file in the same folder is written, flushed to the disk, and renamed over
    /// <paramref name="path"/>. Throws <see cref="ArgumentException"/> for a duplicate or reserved name, a negative
    /// size, or data whose length is not the shape's size.
    /// </summary>
    public static void Write(string path, IEnumerable<(string Name, int[] Shape, ReadOnlyMemory<float> Data)> tensors,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        RequireLittleEndian();
        var list = tensors.ToList();
        var header = Header(list, metadata);
        DurableFiles.WriteAtomically(path, stream =>
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
            stream.Write(length);
            stream.Write(header);
            foreach (var (_, _, data) in list)
                for (var start = 0; start < data.Length; start += ChunkFloats)
                    stream.Write(MemoryMarshal.AsBytes(data.Span.Slice(start, Math.Min(ChunkFloats, data.Length - start))));
        });
    }

    /// <summary>
    /// Reads and checks a whole file. Every problem — too short, a header length past the end, a header that is not
    /// JSON or not SafeTensors, a dtype other than F32, offsets that do not match the shape, overlap, leave a gap or
    /// point past the end of the data (a truncated file) — is a <see cref="FormatException"/> naming the file and the
    /// tensor. A missing file is the runtime's <see cref="FileNotFoundException"/>.
    /// </summary>
    public static SafeTensorsContents Read(string path)
    {
        RequireLittleEndian();
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        var fileLength = stream.Length;
        if (fileLength < 8)
            throw Error(path, $"{fileLength} bytes is too short for a SafeTensors file, which starts with an 8-byte header length");
        Span<byte> lengthBytes = stackalloc byte[8];
        stream.ReadExactly(lengthBytes);
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > (ulong)(fileLength - 8))
            throw Error(path, $"the header length {headerLength} runs past the end of the file ({fileLength} bytes): the file is truncated or not SafeTensors");
        if (headerLength > MaxHeaderBytes)
            throw Error(path, $"the header length {headerLength} is above the limit of {MaxHeaderBytes} bytes");
        var header = new byte[headerLength];
        stream.ReadExactly(header);
        var dataStart = 8 + (long)headerLength;
        var dataLength = fileLength - dataStart;

        var (entries, metadata) = ParseHeader(path, header);
        CheckLayout(path, entries, dataLength);

        var tensors = new Dictionary<string, SafeTensor>(entries.Count);
        foreach (var entry in entries)
        {
            var data = new float[entry.Elements];
            stream.Position = dataStart + entry.Begin;
            try
            {
                for (var start = 0; start < data.Length; start += ChunkFloats)
                    stream.ReadExactly(MemoryMarshal.AsBytes(data.AsSpan(start, Math.Min(ChunkFloats, data.Length - start))));
            }
            catch (EndOfStreamException error)
            {
                throw new FormatException($"{path}: tensor '{entry.Name}': the data ended early (did the file shrink while it was read?)", error);
            }
            tensors.Add(entry.Name, new SafeTensor(entry.Shape, data));
        }
        return new SafeTensorsContents(entries.Select(e => e.Name).ToList(), tensors, metadata);
    }

    private sealed record Entry(string Name, int[] Shape, long Elements, long Begin, long End);

    private static byte[] Header(List<(string Name, int[] Shape, ReadOnlyMemory<float> Data)> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        var names = new HashSet<string>();
        var json = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                writer.WriteStartObject(MetadataKey);
                foreach (var (key, value) in metadata) writer.WriteString(key, value);
                writer.WriteEndObject();
            }
            long offset = 0;
            foreach (var (name, shape, data) in tensors)
            {
                if (string.IsNullOrEmpty(name)) throw new ArgumentException("a tensor needs a name");
                if (name == MetadataKey) throw new ArgumentException($"'{MetadataKey}' is reserved for the metadata and cannot name a tensor");
                if (!names.Add(name)) throw new ArgumentException($"tensor '{name}' is given twice");
                long elements = 1;
                foreach (var size in shape)
                {
                    if (size < 0) throw new ArgumentException($"tensor '{name}': negative size in shape {ShapeText(shape)}");
                    elements = checked(elements * size);
                }
                if (elements != data.Length)
                    throw new ArgumentException($"tensor '{name}': shape {ShapeText(shape)} has {elements} elements, the data {data.Length}");
                writer.WriteStartObject(name);
                writer.WriteString("dtype", "F32");
                writer.WriteStartArray("shape");
                foreach (var size in shape) writer.WriteNumberValue(size);
                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                writer.WriteNumberValue(offset += elements * sizeof(float));
                writer.WriteEndArray();
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
        }
        var padded = (json.WrittenCount + 7) / 8 * 8;
        var header = new byte[padded];
        json.WrittenSpan.CopyTo(header);
        header.AsSpan(json.WrittenCount).Fill((byte)' ');
        return header;
    }

    private static (List<Entry> Entries, Dictionary<string, string> Metadata) ParseHeader(string path, byte[] header)
    {
        // The JSON reader checks the encoding of a string only when it is decoded, so check all of it first.
        if (!Utf8.IsValid(header)) throw Error(path, "the header is not valid UTF-8 text");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header);
        }
        catch (JsonException error)
        {
            throw new FormatException($"{path}: the header is not valid JSON ({error.Message})", error);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw Error(path, $"the header is a JSON {Kind(root)}, not an object of tensors");
            var entries = new List<Entry>();
            var metadata = new Dictionary<string, string>();
            var seen = new HashSet<string>();
            foreach (var property in root.EnumerateObject())
            {
                if (!seen.Add(property.Name))
                    throw Error(path, $"'{property.Name}' appears twice in the header");
                if (property.Name == MetadataKey) ReadMetadata(path, property.Value, metadata);
                else entries.Add(ReadEntry(path, property.Name, property.Value));
            }
            return (entries, metadata);
        }
    }

    private static void ReadMetadata(string path, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw Error(path, $"{MetadataKey} is a JSON {Kind(value)}, not an object of strings");
        foreach (var item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
                throw Error(path, $"{MetadataKey} entry '{item.Name}' is a JSON {Kind(item.Value)}, not a string");
            if (!metadata.TryAdd(item.Name, item.Value.GetString()!))
                throw Error(path, $"{MetadataKey} entry '{item.Name}' appears twice");
        }
    }

    private static Entry ReadEntry(string path, string name, JsonElement value)
    {
        FormatException Bad(string what) => Error(path, $"tensor '{name}': {what}");
        if (value.ValueKind != JsonValueKind.Object)
            throw Bad($"its header entry is a JSON {Kind(value)}, not an object with dtype, shape and data_offsets");
        string? dtype = null;
        int[]? shape = null;
        long[]? offsets = null;
        foreach (var field in value.EnumerateObject())
        {
            switch (field.Name)
            {
                case "dtype" when dtype is null:
                    dtype = field.Value.ValueKind == JsonValueKind.String ? field.Value.GetString()! : throw Bad($"dtype is a JSON {Kind(field.Value)}, not a string");
                    break;
                case "shape" when shape is null:
                    shape = Integers(field.Value, int.MaxValue, "shape", Bad).Select(size => (int)size).ToArray();
                    break;
                case "data_offsets" when offsets is null:
                    offsets = Integers(field.Value, long.MaxValue, "data_offsets", Bad);
                    if (offsets.Length != 2) throw Bad($"data_offsets has {offsets.Length} numbers, not 2 (begin, end)");
                    break;
                case "dtype" or "shape" or "data_offsets":
                    throw Bad($"{field.Name} appears twice");
                default:
                    throw Bad($"unknown field '{field.Name}' (expected dtype, shape, data_offsets)");
            }
        }
        if (dtype is null) throw Bad("no dtype");
        if (shape is null) throw Bad("no shape");
        if (offsets is null) throw Bad("no data_offsets");
        if (dtype != "F32") throw Bad($"dtype {dtype} is not supported (only F32)");
        long elements = 1;
        foreach (var size in shape)
        {
            elements *= size;
            if (elements > int.MaxValue / sizeof(float))
                throw Bad($"shape {ShapeText(shape)} is too large (more than {int.MaxValue / sizeof(float)} elements)");
        }
        var (begin, end) = (offsets[0], offsets[1]);
        if (end < begin) throw Bad($"data_offsets [{begin}, {end}] end before they begin");
        if (end - begin != elements * sizeof(float))
            throw Bad($"data_offsets [{begin}, {end}] hold {end - begin} bytes, but shape {ShapeText(shape)} of F32 needs {elements * sizeof(float)}");
        return new Entry(name, shape, elements, begin, end);
    }

    /// <summary>The data section must be exactly the tensors, back to back: no overlap, no gap, nothing past the end or after the last.</summary>
    private static void CheckLayout(string path, List<Entry> entries, long dataLength)
    {
        var byOffset = entries.OrderBy(e => e.Begin).ThenBy(e => e.End).ToList();
        foreach (var entry in byOffset)
            if (entry.End > dataLength)
                throw Error(path, $"tensor '{entry.Name}': data_offsets [{entry.Begin}, {entry.End}] point past the end of the data section ({dataLength} bytes): the file is truncated or its header is wrong");
        long covered = 0;
        Entry? previous = null;
        foreach (var entry in byOffset)
        {
            if (entry.Begin < covered)
                throw Error(path, $"tensor '{entry.Name}': data_offsets [{entry.Begin}, {entry.End}] overlap tensor '{previous!.Name}' [{previous.Begin}, {previous.End}]");
            if (entry.Begin > covered)
                throw Error(path, $"bytes [{covered}, {entry.Begin}) of the data section, before tensor '{entry.Name}', belong to no tensor");
            covered = entry.End;
            previous = entry;
        }
        if (covered != dataLength)
            throw Error(path, $"the data section has {dataLength - covered} bytes after the last tensor that belong to no tensor");
    }

    private static long[] Integers(JsonElement value, long max, string field, Func<string, FormatException> bad)
    {
        if (value.ValueKind != JsonValueKind.Array) throw bad($"{field} is a JSON {Kind(value)}, not an array of integers");
        var numbers = new long[value.GetArrayLength()];
        var i = 0;
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out var number) || number < 0 || number > max)
                throw bad($"{field} holds {item.GetRawText()}, not an integer in [0, {max}]");
            numbers[i++] = number;
        }
        return numbers;
    }

    private static string Kind(JsonElement value) => value.ValueKind.ToString().ToLowerInvariant();

    internal static string ShapeText(IEnumerable<int> shape) => $"[{string.Join(", ", shape)}]";

    private static FormatException Error(string path, string message) => new($"{path}: {message}");

    /// <summary>SafeTensors data is little-endian and is copied as raw bytes; every platform .NET ships for is.</summary>
    private static void RequireLittleEndian()
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("SafeTensors files are read and written as raw little-endian bytes; this machine is big-endian");
    }
}
