using System.Text;
using GoSeqZero.Go;
using GoSeqZero.Trainer.Sequences;

namespace GoSeqZero.Trainer.Training;

/// <summary>
/// The self-play half of a checkpoint, <c>selfplay.bin</c> beside the weights: the replay buffer exactly as it is
/// (slots and next slot) and the games in progress with their pending search steps, so that a resumed run continues
/// where it stopped. Little-endian binary: a magic, a version, then counts and arrays; tokens and point ids as
/// 16-bit numbers. Written atomically; a damaged file is refused with what was wrong and where.
/// </summary>
internal static class SelfPlayStateFile
{
    public const string FileName = "selfplay.bin";
    private static readonly byte[] Magic = "GSZSELF\0"u8.ToArray();
    /// <summary>Version 3 added each step's grounded targets; version 2 files (none) are still read.</summary>
    private const int Version = 3, OldestVersion = 2;
    private const uint EndMarker = 0x454E4421; // "!DNE": the last four bytes of a complete file

    public static void Write(string path, ReplayBuffer replay, IReadOnlyList<SelfPlayGame> games)
    {
        using var memory = new MemoryStream();
        using (var writer = new BinaryWriter(memory, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(Version);
            writer.Write(replay.Capacity);
            writer.Write(replay.Next);
            writer.Write(replay.Count);
            foreach (var sample in replay.Stored) WriteSample(writer, sample);
            writer.Write(games.Count);
            foreach (var game in games)
            {
                writer.Write(game.Size);
                writer.Write(game.Game.Komi);
                writer.Write(game.Number);
                writer.Write(game.Moves.Count);
                foreach (var move in game.Moves) writer.Write(move);
                foreach (var step in game.Steps)
                {
                    WriteSample(writer, step.Sample);
                    writer.Write(step.ImprovedValue);
                }
            }
            writer.Write(EndMarker);
        }
        AtomicBinaryFile.Write(path, memory.GetBuffer().AsSpan(0, (int)memory.Length));
    }

    public static (ReplayBuffer Replay, List<SelfPlayGame> Games) Read(string path)
    {
        using var reader = new BinaryReader(File.OpenRead(path));
        try
        {
            if (!reader.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic)) throw new InvalidDataException("not a self-play state file (wrong magic)");
            var version = reader.ReadInt32();
            if (version is < OldestVersion or > Version) throw new InvalidDataException($"version {version}; this program reads versions {OldestVersion} to {Version}");
            var capacity = reader.ReadInt32();
            var next = reader.ReadInt32();
            var count = reader.ReadInt32();
            if (capacity < 1 || count < 0 || count > capacity) throw new InvalidDataException($"a replay buffer of {count} steps in {capacity} slots");
            var stored = new List<StepSample>(count);
            for (var i = 0; i < count; i++) stored.Add(ReadSample(reader, version, $"replayed step {i}"));
            var replay = ReplayBuffer.Restore(capacity, next, stored);

            var gameCount = reader.ReadInt32();
            if (gameCount < 0) throw new InvalidDataException($"{gameCount} games");
            var games = new List<SelfPlayGame>(gameCount);
            for (var g = 0; g < gameCount; g++)
            {
                var size = reader.ReadInt32();
                var komi = reader.ReadDouble();
                var number = reader.ReadInt64();
                var moveCount = reader.ReadInt32();
                if (moveCount < 0) throw new InvalidDataException($"game {number}: {moveCount} moves");
                var moves = new int[moveCount];
                for (var i = 0; i < moveCount; i++) moves[i] = reader.ReadInt32();
                var steps = new List<PendingStep>(moveCount);
                for (var i = 0; i < moveCount; i++)
                {
                    var sample = ReadSample(reader, version, $"game {number}, step {i + 1}");
                    var value = reader.ReadDouble();
                    steps.Add(new PendingStep(sample, moves[i], value, i % 2 == 0 ? Color.Black : Color.White));
                }
                games.Add(SelfPlayGame.Restore(size, komi, number, moves, steps));
            }
            if (reader.ReadUInt32() != EndMarker) throw new InvalidDataException("no end marker after the last game");
            if (reader.BaseStream.Position != reader.BaseStream.Length) throw new InvalidDataException("bytes after the end marker");
            return (replay, games);
        }
        catch (Exception error) when (error is EndOfStreamException or InvalidDataException or ArgumentException)
        {
            throw new InvalidDataException($"{path}: at byte {reader.BaseStream.Position}: {error.Message}", error);
        }
    }

    private static void WriteSample(BinaryWriter writer, StepSample sample)
    {
        writer.Write(sample.BoardSize);
        writer.Write(sample.Length);
        foreach (var token in sample.Tokens) writer.Write(checked((ushort)token));
        foreach (var pointId in sample.PointIds) writer.Write(checked((ushort)pointId));
        foreach (var role in sample.Roles) writer.Write((byte)role);
        writer.Write(sample.Labels is not null);
        if (sample.Labels is not null)
            foreach (var label in sample.Labels) writer.Write(checked((ushort)label));
        writer.Write(sample.ChildTargetStart);
        writer.Write(sample.PlayedMove);
        if (sample.ChildTargetMoves is { } moves)
            foreach (var learnt in moves) writer.Write(learnt);
        writer.Write(sample.GroundedTargets.Length);
        foreach (var index in sample.GroundedTargets) writer.Write(index);
    }

    private static StepSample ReadSample(BinaryReader reader, int version, string what)
    {
        var size = reader.ReadInt32();
        var length = reader.ReadInt32();
        if (length < 1 || length > 1 << 20) throw new InvalidDataException($"{what}: {length} tokens");
        int[] ReadNumbers()
        {
            var numbers = new int[length];
            for (var i = 0; i < length; i++) numbers[i] = reader.ReadUInt16();
            return numbers;
        }
        var tokens = ReadNumbers();
        var pointIds = ReadNumbers();
        var roles = new TokenRole[length];
        for (var i = 0; i < length; i++)
        {
            var role = reader.ReadByte();
            if (!Enum.IsDefined((TokenRole)role)) throw new InvalidDataException($"{what}: token {i} has role {role}, which is none");
            roles[i] = (TokenRole)role;
        }
        var labels = reader.ReadBoolean() ? ReadNumbers() : null;
        var childTargetStart = reader.ReadInt32();
        var playedMove = reader.ReadInt32();
        bool[]? childTargetMoves = null;
        if (childTargetStart >= 0)
        {
            childTargetMoves = new bool[size * size + 1];
            for (var i = 0; i < childTargetMoves.Length; i++) childTargetMoves[i] = reader.ReadBoolean();
        }
        int[]? grounded = null;
        if (version >= 3)
        {
            var groundedCount = reader.ReadInt32();
            if (groundedCount < 0 || groundedCount > length) throw new InvalidDataException($"{what}: {groundedCount} grounded targets in {length} tokens");
            grounded = new int[groundedCount];
            for (var i = 0; i < groundedCount; i++) grounded[i] = reader.ReadInt32();
        }
        try
        {
            return new StepSample(size, tokens, pointIds, roles, labels, childTargetStart, playedMove, childTargetMoves, grounded);
        }
        catch (ArgumentException error)
        {
            throw new InvalidDataException($"{what}: {error.Message}", error);
        }
    }
}

/// <summary>Binary files that a reader, or a crash, never finds half written (as <see cref="AtomicFile"/> does for text).</summary>
internal static class AtomicBinaryFile
{
    /// <summary>Writes to a unique hidden temporary sibling, flushes it to the disk, and renames it over <paramref name="path"/>.</summary>
    public static void Write(string path, ReadOnlySpan<byte> bytes)
    {
        var fullPath = Path.GetFullPath(path);
        var temporary = Path.Combine(Path.GetDirectoryName(fullPath)!, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
            {
                stream.Write(bytes);
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
