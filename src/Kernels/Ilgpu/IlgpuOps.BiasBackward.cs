using ILGPU;
using ILGPU.Runtime;

namespace GoSeqZero.Kernels.Ilgpu;

internal sealed partial class IlgpuOps
{
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, int, int>? _biasBackward;

    public void BiasBackward(Tensor<float> biasGradient, Tensor<float> outputGradient, int rows, int columns)
    {
        if (rows < 0 || columns < 0 || biasGradient.Length < columns || outputGradient.Length < (long)rows * columns)
            throw new ArgumentException($"bias backward of {rows}×{columns}: bias gradient has {biasGradient.Length} values, output gradient {outputGradient.Length}");
        if (rows == 0 || columns == 0) return;
        _biasBackward ??= Accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, int, int>(BiasBackwardKernel);
        // A warp spans a strip of adjacent columns (coalesced row reads); the group's other warps take every few rows of it.
        var strip = Accelerator.WarpSize;
        var rowLanes = Math.Max(1, Math.Min(Accelerator.MaxNumThreadsPerGroup, 512) / strip);
        var groups = (columns + strip - 1) / strip;
        var config = new KernelConfig(new Index2D(groups, 1), new Index2D(strip, rowLanes), SharedMemoryConfig.RequestDynamic<float>(strip * rowLanes));
        _biasBackward(config, biasGradient.View.BaseView, outputGradient.View.BaseView, rows, columns);
    }

    /// <summary>
    /// Group (strip × lanes) sums the columns of one strip: lane y adds rows y, y + lanes, ... of its column, then lane 0
    /// adds the lanes' partial sums (kept in shared memory) into the gradient. One group per column, so no atomics.
    /// </summary>
    private static void BiasBackwardKernel(ArrayView<float> biasGradient, ArrayView<float> outputGradient, int rows, int columns)
    {
        var column = Grid.IdxX * Group.DimX + Group.IdxX;
        var sum = 0f;
        if (column < columns)
            for (var row = Group.IdxY; row < rows; row += Group.DimY)
                sum += outputGradient[(long)row * columns + column];
        var partials = SharedMemory.GetDynamic<float>();
        partials[Group.IdxY * Group.DimX + Group.IdxX] = sum;
        Group.Barrier();
        if (Group.IdxY != 0 || column >= columns) return;
        var total = 0f;
        for (var lane = 0; lane < Group.DimY; lane++) total += partials[lane * Group.DimX + Group.IdxX];
        biasGradient[column] += total;
    }
}
