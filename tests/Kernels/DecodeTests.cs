using GoSeqZero.Kernels;
using GoSeqZero.Kernels.Ilgpu;
using GoSeqZero.Tests.Kernels.Checks;
using GoSeqZero.Tests.Kernels.Reference;

namespace GoSeqZero.Tests.Kernels;

[Collection("Kernels")]
public class DecodeTests
{
    [Fact]
    public void StartsAndCountsThatDoNotFitAreRefusedOnTheSimdPathNamingTheSequence()
    {
        var device = KernelDevices.Get("cpu");
        var shape = new DecodeShape(Batch: 2, Queries: 3, Channels: 8, Heads: 2, Capacity: 10);
        using var tensors = new DecodeTensors(device, shape);

        var pastTheEnd = Assert.Throws<ArgumentException>(() => tensors.Append([0, 8], [1, 3]));
        Assert.Contains("sequence 1: start position 8 + count 3 = 11 exceeds the cache capacity 10", pastTheEnd.Message);
        Assert.Contains("sequence 1: start position 8 + count 3", Assert.Throws<ArgumentException>(() => tensors.Decode([0, 8], [1, 3])).Message);
        Assert.Contains("sequence 0: start position -1 is negative", Assert.Throws<ArgumentException>(() => tensors.Decode([-1, 0], [1, 1])).Message);
        Assert.Contains("sequence 0: query count 4 is outside 0..3", Assert.Throws<ArgumentException>(() => tensors.Append([0, 0], [4, 1])).Message);
        Assert.Contains("sequence 1: query count -1 is outside 0..3", Assert.Throws<ArgumentException>(() => tensors.Decode([0, 0], [1, -1])).Message);
        Assert.All(tensors.KeyCache.ToArray(), value => Assert.True(float.IsNaN(value), "a refused append wrote into the cache"));
    }

    [Theory]
    [MemberData(nameof(KernelDevices.Both), MemberType = typeof(KernelDevices))]
    public void TensorsTooSmallForTheShapeAreRefusedWithTheSizes(string deviceName)
    {
        var device = KernelDevices.Get(deviceName);
        var shape = new DecodeShape(Batch: 2, Queries: 3, Channels: 8, Heads: 2, Capacity: 10);
        using var tensors = new DecodeTensors(device, shape);
        using var shortCache = device.Allocate<float>(2, 2, 9, 4);
        using var shortOutput = device.Allocate<float>(2, 3, 7);
        using var oneStart = device.Allocate<int>(1);

        Assert.Contains("keyCache has 144 elements", Assert.Throws<ArgumentException>(() =>
            device.Ops.KvCacheAppend(shortCache, tensors.ValueCache, tensors.Qkv, tensors.Starts, tensors.Counts, shape)).Message);
        Assert.Contains("output has 42 elements", Assert.Throws<ArgumentException>(() =>
            device.Ops.AttentionDecode(shortOutput, tensors.Qkv, tensors.KeyCache, tensors.ValueCache, tensors.Starts, tensors.Counts, shape)).Message);
        Assert.Contains("startPositions has 1 elements", Assert.Throws<ArgumentException>(() =>
            device.Ops.AttentionDecode(tensors.Output, tensors.Qkv, tensors.KeyCache, tensors.ValueCache, oneStart, tensors.Counts, shape)).Message);
        Assert.Contains("head size 160 is above", Assert.Throws<ArgumentException>(() =>
            device.Ops.AttentionDecode(tensors.Output, tensors.Qkv, tensors.KeyCache, tensors.ValueCache, tensors.Starts, tensors.Counts,
                shape with { Channels = 160, Heads = 1 })).Message);
    }

    [Fact]
    public void OnTheGpuPathASequenceOutsideTheCacheGetsNaNRowsAndNoWritesWhileTheOthersDecode()
    {
        var device = KernelDevices.Get("ilgpu-cpu");
        var seed = KernelCheck.NewSeed();
        var random = new Random(seed);
        var shape = new DecodeShape(Batch: 3, Queries: 2, Channels: 8, Heads: 2, Capacity: 6);
        using var tensors = new DecodeTensors(device, shape);
        var chunk = KernelCheck.Uniform(random, tensors.Qkv.Length);
        tensors.Qkv.CopyFrom(chunk);
        int[] starts = [0, 5, 0], counts = [2, 2, 1]; // sequence 1 would write row 6 of 6
        tensors.Append(starts, counts);
        tensors.Decode(starts, counts);

        var nan = Enumerable.Repeat(float.NaN, (int)tensors.KeyCache.Length).ToArray();
        var (keys, _) = DecodeReference.Append(nan, nan, chunk, [0, 0, 0], [2, 0, 1], shape);
        Assert.Equal(keys, tensors.KeyCache.ToArray());
        var output = tensors.Output.ToArray();
        var rowLength = shape.Queries * shape.Channels;
        Assert.All(output[rowLength..(2 * rowLength)], value => Assert.True(float.IsNaN(value), $"seed {seed}: sequence 1 should be NaN"));
        Assert.All(output[..rowLength].Concat(output[(2 * rowLength)..(2 * rowLength + shape.Channels)]),
            value => Assert.True(float.IsFinite(value), $"seed {seed}: sequences 0 and 2 should decode"));
        Assert.All(output[(2 * rowLength + shape.Channels)..], value => Assert.Equal(0f, value));
    }

    [Theory]
    [InlineData(32, 1024, 128, 4096, 32, 4, 512)]
    [InlineData(32, 1024, 32, 1024, 8, 4, 512)]
    [InlineData(32, 1024, 64, 24, 16, 4, 96)]
    [InlineData(4, 32, 8, 24, 2, 4, 12)]
    [InlineData(4, 32, 128, 16, 4, 32, 16)]
    public void DecodeGroupsKeepFourDimensionsPerLaneOnWarpsOf32AndGrowWithTheCache(
        int warpSize, int maxGroup, int headSize, int capacity, int teamSize, int dimensionsPerLane, int groupSize)
    {
        var launch = DecodeLaunch.For(new DecodeShape(1, 1, headSize, 1, capacity), warpSize, maxGroup);
        Assert.Equal(new DecodeLaunch(teamSize, dimensionsPerLane, groupSize), launch);
    }

    /// <summary>Decode tensors with NaN-poisoned caches and output, for the argument tests.</summary>
    private sealed class DecodeTensors : IDisposable
    {
        private readonly Device _device;
        private readonly DecodeShape _shape;

        public DecodeTensors(Device device, DecodeShape shape)
        {
            _device = device;
            _shape = shape;
            KeyCache = KernelCheck.Poisoned(device, shape.Batch, shape.Heads, shape.Capacity, shape.HeadSize);
            ValueCache = KernelCheck.Poisoned(device, shape.Batch, shape.Heads, shape.Capacity, shape.HeadSize);
            Qkv = KernelCheck.Poisoned(device, shape.Batch, shape.Queries, 3 * shape.Channels);
            Output = KernelCheck.Poisoned(device, shape.Batch, shape.Queries, shape.Channels);
            Starts = device.Allocate<int>(shape.Batch);
            Counts = device.Allocate<int>(shape.Batch);
        }

        public Tensor<float> KeyCache { get; }
        public Tensor<float> ValueCache { get; }
        public Tensor<float> Qkv { get; }
        public Tensor<float> Output { get; }
        public Tensor<int> Starts { get; }
        public Tensor<int> Counts { get; }

        public void Append(int[] starts, int[] counts)
        {
            Starts.CopyFrom(starts);
            Counts.CopyFrom(counts);
            _device.Ops.KvCacheAppend(KeyCache, ValueCache, Qkv, Starts, Counts, _shape);
            _device.Synchronize();
        }

        public void Decode(int[] starts, int[] counts)
        {
            Starts.CopyFrom(starts);
            Counts.CopyFrom(counts);
            _device.Ops.AttentionDecode(Output, Qkv, KeyCache, ValueCache, Starts, Counts, _shape);
            _device.Synchronize();
        }

        public void Dispose()
        {
            KeyCache.Dispose();
            ValueCache.Dispose();
            Qkv.Dispose();
            Output.Dispose();
            Starts.Dispose();
            Counts.Dispose();
        }
    }
}
