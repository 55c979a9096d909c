using System.Runtime.Intrinsics;

namespace GoSeqZero.Kernels.Simd;

internal sealed unsafe partial class SimdOps
{
    /// <summary>Columns one task sums: four vectors wide, so each row read is a whole cache line or two.</summary>
    private const int ColumnSumBlock512 = 4 * 16, ColumnSumBlock256 = 4 * 8;

    /// <summary>Below this many elements the sums run on the calling thread (a task costs more than the reads).</summary>
    private const long ColumnSumParallelThreshold = 1L << 15;

    public void BiasBackward(Tensor<float> biasGradient, Tensor<float> outputGradient, int rows, int columns)
    {
        if (rows < 0 || columns < 0 || biasGradient.Length < columns || outputGradient.Length < (long)rows * columns)
            throw new ArgumentException($"bias backward of {rows}×{columns}: bias gradient has {biasGradient.Length} values, output gradient {outputGradient.Length}");
        AddColumnSums(biasGradient.Pointer, outputGradient.Pointer, rows, columns, SimdCapabilities.HasVector512);
    }

    /// <summary>
    /// <c>sums[j] += Σ_rows matrix[row, j]</c> over a dense rows×columns matrix, in blocks of columns (one task each when
    /// the matrix is big). <paramref name="useVector512"/> picks the AVX-512 or the Vector256 code, so tests reach both.
    /// </summary>
    internal static void AddColumnSums(float* sums, float* matrix, int rows, int columns, bool useVector512)
    {
        if (rows == 0 || columns == 0) return;
        var block = useVector512 ? ColumnSumBlock512 : ColumnSumBlock256;
        var blocks = (columns + block - 1) / block;
        if (blocks == 1 || (long)rows * columns < ColumnSumParallelThreshold)
        {
            AddColumnSumsOfBlocks(sums, matrix, rows, columns, 0, columns, useVector512);
            return;
        }
        nint sumsAddress = (nint)sums, matrixAddress = (nint)matrix;
        Parallel.For(0, blocks, index =>
        {
            var start = index * block;
            AddColumnSumsOfBlocks((float*)sumsAddress, (float*)matrixAddress, rows, columns, start, Math.Min(columns, start + block), useVector512);
        });
    }

    private static void AddColumnSumsOfBlocks(float* sums, float* matrix, int rows, int columns, int start, int end, bool useVector512)
    {
        var column = start;
        if (useVector512)
        {
            for (; column + ColumnSumBlock512 <= end; column += ColumnSumBlock512) AddColumnSums512x4(sums, matrix, rows, columns, column);
            for (; column + 16 <= end; column += 16)
            {
                var sum = Vector512<float>.Zero;
                for (var row = 0; row < rows; row++) sum += Vector512.Load(matrix + (long)row * columns + column);
                (Vector512.Load(sums + column) + sum).Store(sums + column);
            }
        }
        else
        {
            for (; column + ColumnSumBlock256 <= end; column += ColumnSumBlock256) AddColumnSums256x4(sums, matrix, rows, columns, column);
            for (; column + 8 <= end; column += 8)
            {
                var sum = Vector256<float>.Zero;
                for (var row = 0; row < rows; row++) sum += Vector256.Load(matrix + (long)row * columns + column);
                (Vector256.Load(sums + column) + sum).Store(sums + column);
            }
        }
        for (; column < end; column++)
        {
            var sum = 0f;
            for (var row = 0; row < rows; row++) sum += matrix[(long)row * columns + column];
            sums[column] += sum;
        }
    }

    private static void AddColumnSums512x4(float* sums, float* matrix, int rows, int columns, int column)
    {
        Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
        var source = matrix + column;
        for (var row = 0; row < rows; row++, source += columns)
        {
            s0 += Vector512.Load(source);
            s1 += Vector512.Load(source + 16);
            s2 += Vector512.Load(source + 32);
            s3 += Vector512.Load(source + 48);
        }
        var target = sums + column;
        (Vector512.Load(target) + s0).Store(target);
        (Vector512.Load(target + 16) + s1).Store(target + 16);
        (Vector512.Load(target + 32) + s2).Store(target + 32);
        (Vector512.Load(target + 48) + s3).Store(target + 48);
    }

    private static void AddColumnSums256x4(float* sums, float* matrix, int rows, int columns, int column)
    {
        Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
        var source = matrix + column;
        for (var row = 0; row < rows; row++, source += columns)
        {
            s0 += Vector256.Load(source);
            s1 += Vector256.Load(source + 8);
            s2 += Vector256.Load(source + 16);
            s3 += Vector256.Load(source + 24);
        }
        var target = sums + column;
        (Vector256.Load(target) + s0).Store(target);
        (Vector256.Load(target + 8) + s1).Store(target + 8);
        (Vector256.Load(target + 16) + s2).Store(target + 16);
        (Vector256.Load(target + 24) + s3).Store(target + 24);
    }
}
