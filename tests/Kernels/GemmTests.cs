using GoSeqZero.Kernels;
using GoSeqZero.Kernels.Ilgpu;
using GoSeqZero.Kernels.Simd;
using GoSeqZero.Tests.Kernels.Checks;

namespace GoSeqZero.Tests.Kernels;

/// <summary>
/// Beside <see cref="GemmChecks"/>' cases (in <see cref="KernelCaseTests"/>): every ILGPU tiling the emulator can run, the tilings meant for GPUs checked
/// for what a GPU requires, and the SIMD bias backward on both vector widths.
/// </summary>
[Collection("Kernels")]
public class GemmTests
{
    /// <summary>The choice of tiling depends on the size, so each one the emulator fits is run on a ragged, batched, transposed product.</summary>
    [Fact]
    public void EveryTilingTheEmulatorRunsMatchesTheReference()
    {
        var device = KernelDevices.Get("ilgpu-cpu");
        var ops = (IlgpuOps)device.Ops;
        Assert.Equal(2, ops.GemmTilings.Count);
        foreach (var tiling in ops.GemmTilings)
        {
            var spec = new GemmSpec(true, false, 37, 35, 9) { BatchCount = 2, StrideA = 9 * 37 + 3, StrideB = 9 * 35, StrideC = 37 * 35 + 1, Alpha = 1.25f, Beta = 0.5f };
            GemmChecks.Check(device, KernelCheck.NewSeed(), spec, withBias: true, (s, a, b, c, bias) => ops.Gemm(tiling, s, a, b, c, bias));
        }
    }

    /// <summary>The emulator cannot run the GPU tilings, so what a GPU needs of them is checked here: sizes that split evenly, 256 threads, under 48 KB of shared memory.</summary>
    [Fact]
    public void TheGpuTilingsFitAGpuGroup()
    {
        foreach (var tiling in GemmTiling.ForGpus)
        {
            Assert.Equal(256, tiling.Threads);
            Assert.True(tiling.SharedMemoryBytes <= 48 * 1024, $"{tiling} needs {tiling.SharedMemoryBytes} bytes of shared memory");
        }
        Assert.Equal(1, GemmTiling.ForGpus[0].Groups(GemmSpec.NN(128, 128, 5)));
        Assert.Equal(6 * 2 * 3, GemmTiling.ForGpus[0].Groups(GemmSpec.NN(129 + 128 * 4, 200, 5) with { BatchCount = 3 }));
    }

    /// <summary>
    /// The emulator runs kernels as .NET code, so this compiles the GPU tilings to PTX as a CUDA run would. No local memory
    /// means the accumulators, fragments and prefetched tiles all stay in registers (ILGPU keeps a per-thread array out of
    /// local memory only when every index is a constant); one shared-memory load per row and column of the register block
    /// at each depth, and two barriers per step along K.
    /// </summary>
    [Fact]
    public void TheGpuTilingsCompileToPtxWithTheirRegisterBlocksInRegisters()
    {
        foreach (var tiling in GemmTiling.ForGpus)
        {
            var ptx = Ptx.Compile(tiling.Kernel);
            Assert.DoesNotContain(".local", ptx);
            Assert.Equal(tiling.ThreadM + tiling.ThreadN, Count(ptx, "ld.shared.f32"));
            Assert.Equal(2, Count(ptx, "bar.sync"));
        }
    }

    private static int Count(string text, string word) => text.Split(word).Length - 1;

    [Theory]
    [MemberData(nameof(KernelDevices.Both), MemberType = typeof(KernelDevices))]
    public void TensorsTooShortForTheSpecAreRefused(string deviceName)
    {
        var device = KernelDevices.Get(deviceName);
        using var a = device.Allocate<float>(6, 4);
        using var b = device.Allocate<float>(4, 5);
        using var c = device.Allocate<float>(6, 5);
        var error = Assert.Throws<ArgumentException>(() => device.Ops.Gemm(GemmSpec.NN(6, 5, 4) with { BatchCount = 2, StrideC = 30 }, a, b, c));
        Assert.Contains("C has 30 elements", error.Message);
        error = Assert.Throws<ArgumentException>(() => device.Ops.Gemm(GemmSpec.NN(6, 5, 4), a, b, c, bias: a.Slice(0, 3)));
        Assert.Contains("bias has 3 values, GEMM needs N = 5", error.Message);
    }

    [Theory]
    [MemberData(nameof(KernelDevices.Both), MemberType = typeof(KernelDevices))]
    public void BiasBackwardRefusesTensorsShorterThanItsShape(string deviceName)
    {
        var device = KernelDevices.Get(deviceName);
        using var gradient = device.Allocate<float>(4);
        using var outputGradient = device.Allocate<float>(3, 5);
        var error = Assert.Throws<ArgumentException>(() => device.Ops.BiasBackward(gradient, outputGradient, 3, 5));
        Assert.Contains("bias gradient has 4 values", error.Message);
    }

    /// <summary>
    /// Both vector widths, with row counts that leave 1 to 3 rows after the groups of four, columns that end in a scalar
    /// tail, and 1100 rows that split into unequal bands summed in parallel.
    /// </summary>
    [Theory]
    [InlineData(true, 3, 1)]
    [InlineData(true, 9, 5 * 16 + 7)]
    [InlineData(true, 1100, 12 * 16 + 5)]
    [InlineData(false, 3, 1)]
    [InlineData(false, 9, 5 * 8 + 7)]
    [InlineData(false, 1100, 28 * 8 + 3)]
    public unsafe void SimdColumnSumsAddOnBothVectorWidths(bool useVector512, int rows, int columns)
    {
        var seed = KernelCheck.NewSeed();
        var random = new Random(seed);
        var matrix = KernelCheck.Uniform(random, (long)rows * columns);
        var sums = KernelCheck.Uniform(random, columns);
        var expected = GemmChecks.ColumnSums(KernelCheck.ToDouble(matrix), rows, columns);
        for (var j = 0; j < columns; j++) expected[j] += sums[j];
        fixed (float* sumsPointer = sums, matrixPointer = matrix)
            SimdOps.AddColumnSums(sumsPointer, matrixPointer, rows, columns, useVector512);
        KernelCheck.AssertClose(expected, sums, KernelCheck.Rtol, KernelCheck.AtolForSum(rows), $"column sums {rows}x{columns}, Vector512 {useVector512} (seed {seed})");
    }
}
