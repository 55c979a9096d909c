using System.Buffers;

namespace GoSeqZero.Kernels.Simd;

internal sealed unsafe partial class SimdOps
{
    /// <summary>Elements a task sums at least: below this a task costs more than the reads it saves.</summary>
    private const long ColumnSumElementsPerTask = 1L << 16;

    public void BiasBackward(Tensor<float> biasGradient, Tensor<float> outputGradient, int rows, int columns)
    {
        if (rows < 0 || columns < 0 || biasGradient.Length < columns || outputGradient.Length < (long)rows * columns)
            throw new ArgumentException($"bias backward of {rows}×{columns}: bias gradient has {biasGradient.Length} values, output gradient {outputGradient.Length}");
        AddColumnSums(biasGradient.Pointer, outputGradient.Pointer, rows, columns, Options.UsesVector512);
    }

    /// <summary>
    /// <c>sums[j] += Σ_rows matrix[row, j]</c> over a dense rows×columns matrix. The matrix is read in storage order: each
    /// task adds a band of rows, four at a time, into its own row of partial sums (which stays in L1), and the bands'
    /// partials are then added in band order, so the result does not depend on scheduling. <paramref name="useVector512"/>
    /// picks the AVX-512 or the Vector256 code, so tests reach both.
    /// </summary>
    internal static void AddColumnSums(float* sums, float* matrix, int rows, int columns, bool useVector512)
    {
        if (rows == 0 || columns == 0) return;
        // A few bands per core, so a core that is held up elsewhere leaves its share to the others.
        var bands = (int)Math.Clamp((long)rows * columns / ColumnSumElementsPerTask, 1, Math.Min(4 * Environment.ProcessorCount, rows));
        var partials = ArrayPool<float>.Shared.Rent(bands * columns);
        try
        {
            fixed (float* partialsPointer = partials)
            {
                if (bands == 1) SumBand(partialsPointer, matrix, 0, rows, columns, useVector512);
                else
                {
                    nint partialsAddress = (nint)partialsPointer, matrixAddress = (nint)matrix;
                    Parallel.For(0, bands, band => SumBand((float*)partialsAddress + (long)band * columns, (float*)matrixAddress,
                        (int)((long)rows * band / bands), (int)((long)rows * (band + 1) / bands), columns, useVector512));
                }
                for (var band = 0; band < bands; band++)
                    if (useVector512) AddRows<Lanes512>(sums, partialsPointer + (long)band * columns, 1, columns, columns);
                    else AddRows<Lanes256>(sums, partialsPointer + (long)band * columns, 1, columns, columns);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(partials);
        }
    }

    private static void SumBand(float* partial, float* matrix, int start, int end, int columns, bool useVector512)
    {
        new Span<float>(partial, columns).Clear();
        for (var row = start; row < end; row += 4)
        {
            var count = Math.Min(4, end - row);
            if (useVector512) AddRows<Lanes512>(partial, matrix + (long)row * columns, count, columns, columns);
            else AddRows<Lanes256>(partial, matrix + (long)row * columns, count, columns, columns);
        }
    }

    /// <summary><c>target[j] += Σ_{r &lt; count} source[r·stride + j]</c> for 1 ≤ count ≤ 4 rows: one pass over the target for four rows.</summary>
    private static void AddRows<TLanes>(float* target, float* source, int count, long stride, int columns) where TLanes : unmanaged, ILanes<TLanes>
    {
        float* row1 = source + (count > 1 ? stride : 0), row2 = source + (count > 2 ? 2 * stride : 0), row3 = source + (count > 3 ? 3 * stride : 0);
        var j = 0;
        if (count == 4)
            for (; j + TLanes.Count <= columns; j += TLanes.Count)
                (TLanes.Load(target + j) + ((TLanes.Load(source + j) + TLanes.Load(row1 + j)) + (TLanes.Load(row2 + j) + TLanes.Load(row3 + j)))).Store(target + j);
        else
            for (; j + TLanes.Count <= columns; j += TLanes.Count)
            {
                var sum = TLanes.Load(source + j);
                if (count > 1) sum += TLanes.Load(row1 + j);
                if (count > 2) sum += TLanes.Load(row2 + j);
                (TLanes.Load(target + j) + sum).Store(target + j);
            }
        AddRowsScalar(target, source, count, stride, j, columns);
    }

    private static void AddRowsScalar(float* target, float* source, int count, long stride, int start, int columns)
    {
        for (var j = start; j < columns; j++)
        {
            var sum = source[j];
            for (var r = 1; r < count; r++) sum += source[r * stride + j];
            target[j] += sum;
        }
    }
}
