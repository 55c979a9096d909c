namespace GoSeqZero.Tests.Kernels;

[Collection("Kernels")]
public class RowsTests
{
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
}
