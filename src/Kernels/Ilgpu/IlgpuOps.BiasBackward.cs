using System.Numerics;
using ILGPU;
using ILGPU.Runtime;

namespace GoSeqZero.Kernels.Ilgpu;

internal sealed partial class IlgpuOps
{
    /// <summary>Columns per group: eight floats are one 32-byte memory sector, so a warp reads whole sectors of several rows.</summary>
    private const int BiasBackwardStrip = 8;

    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, int, int>? _biasBackward;

    public void BiasBackward(Tensor<float> biasGradient, Tensor<float> outputGradient, int rows, int columns)
    {
        if (rows < 0 || columns < 0 || biasGradient.Length < columns || outputGradient.Length < (long)rows * columns)
            throw new ArgumentException($"bias backward of {rows}×{columns}: bias gradient has {biasGradient.Length} values, output gradient {outputGradient.Length}");
        if (rows == 0 || columns == 0) return;
        _biasBackward ??= Accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, int, int>(BiasBackwardKernel);
        var strip = Math.Min(BiasBackwardStrip, Accelerator.MaxNumThreadsPerGroup);
        // Row lanes: a power of two (for the tree reduction), up to a group of 1024 threads, no more than the rows need.
        var lanes = Math.Min((int)BitOperations.RoundUpToPowerOf2((uint)rows), 1 << BitOperations.Log2((uint)(Math.Min(Accelerator.MaxNumThreadsPerGroup, 1024) / strip)));
        var groups = (columns + strip - 1) / strip;
        var config = new KernelConfig(new Index2D(groups, 1), new Index2D(strip, lanes), SharedMemoryConfig.RequestDynamic<float>(strip * lanes));
        _biasBackward(config, biasGradient.View.BaseView, outputGradient.View.BaseView, rows, columns);
    }

    /// <summary>
    /// Group g sums the columns of strip g: lane y adds rows y, y + lanes, ... of its column (four rows in flight at a time),
    /// then the lanes' partial sums are added pairwise in shared memory and lane 0 adds the total into the gradient.
    /// One group per column, so no atomics, and the result does not depend on timing.
    /// </summary>
    private static void BiasBackwardKernel(ArrayView<float> biasGradient, ArrayView<float> outputGradient, int rows, int columns)
    {
        var column = Grid.IdxX * Group.DimX + Group.IdxX;
        var lanes = Group.DimY;
        float sum0 = 0, sum1 = 0, sum2 = 0, sum3 = 0;
        if (column < columns)
        {
            var row = Group.IdxY;
            for (; row + 3 * lanes < rows; row += 4 * lanes)
            {
                sum0 += outputGradient[(long)row * columns + column];
                sum1 += outputGradient[(long)(row + lanes) * columns + column];
                sum2 += outputGradient[(long)(row + 2 * lanes) * columns + column];
                sum3 += outputGradient[(long)(row + 3 * lanes) * columns + column];
            }
            for (; row < rows; row += lanes) sum0 += outputGradient[(long)row * columns + column];
        }
        var partials = SharedMemory.GetDynamic<float>();
        var slot = Group.IdxY * Group.DimX + Group.IdxX;
        partials[slot] = sum0 + sum1 + (sum2 + sum3);
        Group.Barrier();
        for (var half = lanes / 2; half > 0; half /= 2)
        {
            if (Group.IdxY < half) partials[slot] += partials[slot + half * Group.DimX];
            Group.Barrier();
        }
        if (Group.IdxY == 0 && column < columns) biasGradient[column] += partials[slot];
    }
}
