using GoSeqZero.Kernels;
using GoSeqZero.Kernels.Simd;
using GoSeqZero.Tests.Kernels.Checks;

namespace GoSeqZero.Tests.Kernels;

[Collection("Kernels")]
public class RowsTests
{
    /// <summary>A SIMD device of its own, switched to the 256-bit code, so an AVX-512 machine also tests the fallback.</summary>
    private static readonly Lazy<Device> Vector256Device = new(() =>
    {
        var device = Device.Create(DeviceKind.Cpu);
        ((SimdOps)device.Ops).Options = new() { Vector256Only = true };
        return device;
    });

    public static TheoryData<string, string> SmallCasesOnBothDevices()
    {
        var data = new TheoryData<string, string>();
        foreach (var device in new[] { "cpu", "ilgpu-cpu" })
        foreach (var kernelCase in RowsChecks.Cases(large: false))
            data.Add(device, kernelCase.Name);
        return data;
    }

    public static TheoryData<string> LargeCases() => [.. RowsChecks.Cases(large: true).Select(c => c.Name)];

    public static TheoryData<string> AllCases() => [.. RowsChecks.Cases(large: false).Concat(RowsChecks.Cases(large: true)).Select(c => c.Name).Distinct()];

    [Theory]
    [MemberData(nameof(SmallCasesOnBothDevices))]
    public void TinyShapesMatchTheFloat64References(string deviceName, string caseName) =>
        Find(caseName).Run(KernelDevices.Get(deviceName), KernelCheck.NewSeed());

    /// <summary>Model-sized shapes on the SIMD path: the parallel paths and the per-task LayerNorm partial sums run.</summary>
    [Theory]
    [MemberData(nameof(LargeCases))]
    public void ModelShapesMatchTheFloat64ReferencesOnTheSimdPath(string caseName) =>
        Find(caseName).Run(KernelDevices.Get("cpu"), KernelCheck.NewSeed());

    [Theory]
    [MemberData(nameof(AllCases))]
    public void TheVector256FallbackMatchesTheFloat64References(string caseName) =>
        Find(caseName).Run(Vector256Device.Value, KernelCheck.NewSeed());

    [Fact]
    public void TheSimdPathRefusesAnEmbeddingIndexOutsideItsTable()
    {
        var device = KernelDevices.Get("cpu");
        using var output = device.Allocate<float>(2, 3);
        using var tokens = device.Upload<int>([1, 4], 2);
        using var positions = device.Upload<int>([0, 1], 2);
        using var pointIds = device.Upload<int>([0, 0], 2);
        using var tokenTable = device.Allocate<float>(4, 3);
        using var positionTable = device.Allocate<float>(2, 3);
        using var pointTable = device.Allocate<float>(1, 3);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            device.Ops.EmbeddingForward(output, tokens, positions, pointIds, tokenTable, positionTable, pointTable, 2, 3));
        Assert.Contains("tokens[1] = 4 is outside its table of 4 rows", error.Message);
    }

    /// <summary>A kernel cannot throw, so a row with an index outside its table comes out NaN instead of reading past the table.</summary>
    [Fact]
    public void TheIlgpuPathWritesNaNForARowWithAnIndexOutsideItsTable()
    {
        var device = KernelDevices.Get("ilgpu-cpu");
        using var output = device.Allocate<float>(2, 3);
        using var tokens = device.Upload<int>([1, 0], 2);
        using var positions = device.Upload<int>([0, -1], 2);
        using var pointIds = device.Upload<int>([0, 0], 2);
        using var tokenTable = device.Upload<float>(new float[12], 4, 3);
        using var positionTable = device.Upload<float>(new float[6], 2, 3);
        using var pointTable = device.Upload<float>(new float[3], 1, 3);
        device.Ops.EmbeddingForward(output, tokens, positions, pointIds, tokenTable, positionTable, pointTable, 2, 3);
        Assert.Equal([0f, 0f, 0f, float.NaN, float.NaN, float.NaN], output.ToArray());
    }

    [Theory]
    [MemberData(nameof(KernelDevices.Both), MemberType = typeof(KernelDevices))]
    public void TensorsShorterThanTheShapeAreRefusedWithTheirSizes(string deviceName)
    {
        var device = KernelDevices.Get(deviceName);
        using var output = device.Allocate<float>(4, 3);
        using var input = device.Allocate<float>(10);
        using var perRow = device.Allocate<float>(4);
        using var perChannel = device.Allocate<float>(3);
        var error = Assert.Throws<ArgumentException>(() =>
            device.Ops.LayerNormForward(output, perRow, perRow, input, perChannel, perChannel, 4, 3));
        Assert.Contains("LayerNormForward: input has 10 elements, 12 needed for 4×3 rows×channels", error.Message);
        error = Assert.Throws<ArgumentException>(() => device.Ops.GeluForward(output, input, 12));
        Assert.Contains("GeluForward: input has 10 elements, 12 needed for count 12", error.Message);
    }

    private static KernelCase Find(string name) =>
        RowsChecks.Cases(large: false).Concat(RowsChecks.Cases(large: true)).First(c => c.Name == name);
}
