using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace GoSeqZero.Kernels.Simd;

/// <summary>
/// GEMMs of a few rows with B stored transposed (decoding: a handful of activations times weights stored [out×in]).
/// Packing B would copy every weight once to use it for only M rows, so instead each output is a dot product of
/// a row of A and a row of Bᵀ, both contiguous along k: blocks of 4 rows × 4 columns keep 16 vector sums, reduced
/// across lanes once at the end. Each weight is read once from memory, which is what bounds this shape.
/// </summary>
internal static unsafe class GemmRowDot
{
    /// <summary>Up to this many rows the dot products beat packing B (measured on the model's decode shapes: 3–4× at 8 rows, level at 32).</summary>
    public const int MaxRows = 24;

    private const int ColumnsPerBlock = 4;

    public static bool Applies(in GemmProblem problem) => problem.B.Transposed && problem.M <= MaxRows;

    public static void Run(in GemmProblem problem, int threads, GemmBufferPool pool, bool useVector512)
    {
        GemmBuffer? rowsCopy = null;
        try
        {
            var a = problem.A.Data;
            var lda = problem.A.Leading;
            if (problem.A.Transposed)
            {
                // A stored K×M: copy its few rows out so each is contiguous along k.
                rowsCopy = pool.Rent();
                a = rowsCopy.Get((long)problem.M * problem.K);
                for (var k = 0; k < problem.K; k++)
                {
                    var source = problem.A.Data + k * problem.A.Leading;
                    for (var row = 0; row < problem.M; row++) a[(long)row * problem.K + k] = source[row];
                }
                lda = problem.K;
            }
            var work = new Work(problem, a, lda, useVector512);
            var blocks = (problem.N + ColumnsPerBlock - 1) / ColumnsPerBlock;
            if (threads > 1 && blocks > 1 && 2.0 * problem.M * problem.N * problem.K >= SimdOps.GemmParallelFlopThreshold)
            {
                var chunks = Math.Min(blocks, 4 * threads);
                Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = threads },
                    chunk => work.RunColumnBlocks(chunk * blocks / chunks, (chunk + 1) * blocks / chunks));
            }
            else work.RunColumnBlocks(0, blocks);
        }
        finally
        {
            if (rowsCopy is not null) pool.Return(rowsCopy);
        }
    }

    private sealed class Work(GemmProblem problem, float* a, long lda, bool useVector512)
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void RunColumnBlocks(int blockStart, int blockEnd)
        {
            var store = new GemmStore(problem.Alpha, problem.Beta, problem.Bias);
            var rowsPerBlock = useVector512 ? 4 : 2;
            for (var block = blockStart; block < blockEnd; block++)
            {
                var column = block * ColumnsPerBlock;
                var columns = Math.Min(ColumnsPerBlock, problem.N - column);
                var bt = problem.B.Data + column * problem.B.Leading;
                for (var row = 0; row < problem.M; row += rowsPerBlock)
                {
                    var rows = Math.Min(rowsPerBlock, problem.M - row);
                    var c = problem.C + row * problem.Ldc + column;
                    if (useVector512 && rows == 1) Row512(a + row * lda, bt, problem.B.Leading, columns, problem.K, c, store.WithBiasAt(column));
                    else if (useVector512) Block512(a + row * lda, lda, rows, bt, problem.B.Leading, columns, problem.K, c, problem.Ldc, store.WithBiasAt(column));
                    else Block256(a + row * lda, lda, rows, bt, problem.B.Leading, columns, problem.K, c, problem.Ldc, store.WithBiasAt(column));
                }
            }
        }
    }

    /// <summary>Up to 4 rows × 4 columns; missing rows and columns re-read the first one and are not stored.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block512(float* a, long lda, int rows, float* bt, long ldb, int columns, int depth, float* c, long ldc, GemmStore store)
    {
        float* a0 = a, a1 = rows > 1 ? a + lda : a, a2 = rows > 2 ? a + 2 * lda : a, a3 = rows > 3 ? a + 3 * lda : a;
        float* b0 = bt, b1 = columns > 1 ? bt + ldb : bt, b2 = columns > 2 ? bt + 2 * ldb : bt, b3 = columns > 3 ? bt + 3 * ldb : bt;
        Vector512<float> s00 = default, s01 = default, s02 = default, s03 = default, s10 = default, s11 = default, s12 = default, s13 = default;
        Vector512<float> s20 = default, s21 = default, s22 = default, s23 = default, s30 = default, s31 = default, s32 = default, s33 = default;
        var k = 0;
        for (; k + 16 <= depth; k += 16)
        {
            Vector512<float> y0 = Vector512.Load(b0 + k), y1 = Vector512.Load(b1 + k), y2 = Vector512.Load(b2 + k), y3 = Vector512.Load(b3 + k);
            var x = Vector512.Load(a0 + k);
            s00 = Avx512F.FusedMultiplyAdd(x, y0, s00); s01 = Avx512F.FusedMultiplyAdd(x, y1, s01); s02 = Avx512F.FusedMultiplyAdd(x, y2, s02); s03 = Avx512F.FusedMultiplyAdd(x, y3, s03);
            x = Vector512.Load(a1 + k);
            s10 = Avx512F.FusedMultiplyAdd(x, y0, s10); s11 = Avx512F.FusedMultiplyAdd(x, y1, s11); s12 = Avx512F.FusedMultiplyAdd(x, y2, s12); s13 = Avx512F.FusedMultiplyAdd(x, y3, s13);
            x = Vector512.Load(a2 + k);
            s20 = Avx512F.FusedMultiplyAdd(x, y0, s20); s21 = Avx512F.FusedMultiplyAdd(x, y1, s21); s22 = Avx512F.FusedMultiplyAdd(x, y2, s22); s23 = Avx512F.FusedMultiplyAdd(x, y3, s23);
            x = Vector512.Load(a3 + k);
            s30 = Avx512F.FusedMultiplyAdd(x, y0, s30); s31 = Avx512F.FusedMultiplyAdd(x, y1, s31); s32 = Avx512F.FusedMultiplyAdd(x, y2, s32); s33 = Avx512F.FusedMultiplyAdd(x, y3, s33);
        }
        if (k < depth)
        {
            // The last partial run of k: masked loads read zeros past the end (and never fault there).
            var mask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(depth - k)).AsSingle();
            var zero = Vector512<float>.Zero;
            Vector512<float> y0 = Avx512F.MaskLoad(b0 + k, mask, zero), y1 = Avx512F.MaskLoad(b1 + k, mask, zero);
            Vector512<float> y2 = Avx512F.MaskLoad(b2 + k, mask, zero), y3 = Avx512F.MaskLoad(b3 + k, mask, zero);
            var x = Avx512F.MaskLoad(a0 + k, mask, zero);
            s00 = Avx512F.FusedMultiplyAdd(x, y0, s00); s01 = Avx512F.FusedMultiplyAdd(x, y1, s01); s02 = Avx512F.FusedMultiplyAdd(x, y2, s02); s03 = Avx512F.FusedMultiplyAdd(x, y3, s03);
            x = Avx512F.MaskLoad(a1 + k, mask, zero);
            s10 = Avx512F.FusedMultiplyAdd(x, y0, s10); s11 = Avx512F.FusedMultiplyAdd(x, y1, s11); s12 = Avx512F.FusedMultiplyAdd(x, y2, s12); s13 = Avx512F.FusedMultiplyAdd(x, y3, s13);
            x = Avx512F.MaskLoad(a2 + k, mask, zero);
            s20 = Avx512F.FusedMultiplyAdd(x, y0, s20); s21 = Avx512F.FusedMultiplyAdd(x, y1, s21); s22 = Avx512F.FusedMultiplyAdd(x, y2, s22); s23 = Avx512F.FusedMultiplyAdd(x, y3, s23);
            x = Avx512F.MaskLoad(a3 + k, mask, zero);
            s30 = Avx512F.FusedMultiplyAdd(x, y0, s30); s31 = Avx512F.FusedMultiplyAdd(x, y1, s31); s32 = Avx512F.FusedMultiplyAdd(x, y2, s32); s33 = Avx512F.FusedMultiplyAdd(x, y3, s33);
        }
        StoreRow(c, Sum4(s00, s01, s02, s03), columns, store);
        if (rows > 1) StoreRow(c + ldc, Sum4(s10, s11, s12, s13), columns, store);
        if (rows > 2) StoreRow(c + 2 * ldc, Sum4(s20, s21, s22, s23), columns, store);
        if (rows > 3) StoreRow(c + 3 * ldc, Sum4(s30, s31, s32, s33), columns, store);
    }

    /// <summary>One row × 4 columns: a lone row (decoding one sequence) would waste three quarters of a 4-row block's FMAs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Row512(float* a, float* bt, long ldb, int columns, int depth, float* c, GemmStore store)
    {
        float* b0 = bt, b1 = columns > 1 ? bt + ldb : bt, b2 = columns > 2 ? bt + 2 * ldb : bt, b3 = columns > 3 ? bt + 3 * ldb : bt;
        Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
        var k = 0;
        for (; k + 16 <= depth; k += 16)
        {
            var x = Vector512.Load(a + k);
            s0 = Avx512F.FusedMultiplyAdd(x, Vector512.Load(b0 + k), s0);
            s1 = Avx512F.FusedMultiplyAdd(x, Vector512.Load(b1 + k), s1);
            s2 = Avx512F.FusedMultiplyAdd(x, Vector512.Load(b2 + k), s2);
            s3 = Avx512F.FusedMultiplyAdd(x, Vector512.Load(b3 + k), s3);
        }
        if (k < depth)
        {
            var mask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(depth - k)).AsSingle();
            var zero = Vector512<float>.Zero;
            var x = Avx512F.MaskLoad(a + k, mask, zero);
            s0 = Avx512F.FusedMultiplyAdd(x, Avx512F.MaskLoad(b0 + k, mask, zero), s0);
            s1 = Avx512F.FusedMultiplyAdd(x, Avx512F.MaskLoad(b1 + k, mask, zero), s1);
            s2 = Avx512F.FusedMultiplyAdd(x, Avx512F.MaskLoad(b2 + k, mask, zero), s2);
            s3 = Avx512F.FusedMultiplyAdd(x, Avx512F.MaskLoad(b3 + k, mask, zero), s3);
        }
        StoreRow(c, Sum4(s0, s1, s2, s3), columns, store);
    }

    /// <summary>The Vector256 version: 2 rows × 4 columns, so 8 sums and the operands fit AVX2's 16 registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block256(float* a, long lda, int rows, float* bt, long ldb, int columns, int depth, float* c, long ldc, GemmStore store)
    {
        float* a0 = a, a1 = rows > 1 ? a + lda : a;
        float* b0 = bt, b1 = columns > 1 ? bt + ldb : bt, b2 = columns > 2 ? bt + 2 * ldb : bt, b3 = columns > 3 ? bt + 3 * ldb : bt;
        Vector256<float> s00 = default, s01 = default, s02 = default, s03 = default, s10 = default, s11 = default, s12 = default, s13 = default;
        var k = 0;
        for (; k + 8 <= depth; k += 8)
        {
            Vector256<float> x0 = Vector256.Load(a0 + k), x1 = Vector256.Load(a1 + k);
            var y = Vector256.Load(b0 + k); s00 = MultiplyAdd(x0, y, s00); s10 = MultiplyAdd(x1, y, s10);
            y = Vector256.Load(b1 + k); s01 = MultiplyAdd(x0, y, s01); s11 = MultiplyAdd(x1, y, s11);
            y = Vector256.Load(b2 + k); s02 = MultiplyAdd(x0, y, s02); s12 = MultiplyAdd(x1, y, s12);
            y = Vector256.Load(b3 + k); s03 = MultiplyAdd(x0, y, s03); s13 = MultiplyAdd(x1, y, s13);
        }
        var row0 = Sum4(s00, s01, s02, s03);
        var row1 = Sum4(s10, s11, s12, s13);
        if (k < depth)
        {
            // A scalar tail keeps this path free of AVX-only masked loads.
            Span<float> tail = stackalloc float[8];
            tail.Clear();
            for (; k < depth; k++)
            {
                float y0 = b0[k], y1 = b1[k], y2 = b2[k], y3 = b3[k];
                tail[0] += a0[k] * y0; tail[1] += a0[k] * y1; tail[2] += a0[k] * y2; tail[3] += a0[k] * y3;
                tail[4] += a1[k] * y0; tail[5] += a1[k] * y1; tail[6] += a1[k] * y2; tail[7] += a1[k] * y3;
            }
            row0 += Vector128.Create(tail[0], tail[1], tail[2], tail[3]);
            row1 += Vector128.Create(tail[4], tail[5], tail[6], tail[7]);
        }
        StoreRow(c, row0, columns, store);
        if (rows > 1) StoreRow(c + ldc, row1, columns, store);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> MultiplyAdd(Vector256<float> x, Vector256<float> y, Vector256<float> sum) =>
        Fma.IsSupported ? Fma.MultiplyAdd(x, y, sum) : x * y + sum;

    /// <summary>The four lane sums (Σ v0, Σ v1, Σ v2, Σ v3): interleave and add pairwise, then fold the 128-bit lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Sum4(Vector512<float> v0, Vector512<float> v1, Vector512<float> v2, Vector512<float> v3)
    {
        var pair01 = Avx512F.UnpackLow(v0, v1) + Avx512F.UnpackHigh(v0, v1);
        var pair23 = Avx512F.UnpackLow(v2, v3) + Avx512F.UnpackHigh(v2, v3);
        var quad = Avx512F.UnpackLow(pair01.AsDouble(), pair23.AsDouble()).AsSingle() + Avx512F.UnpackHigh(pair01.AsDouble(), pair23.AsDouble()).AsSingle();
        var half = quad.GetLower() + quad.GetUpper();
        return half.GetLower() + half.GetUpper();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Sum4(Vector256<float> v0, Vector256<float> v1, Vector256<float> v2, Vector256<float> v3)
    {
        Vector128<float> x0 = v0.GetLower() + v0.GetUpper(), x1 = v1.GetLower() + v1.GetUpper();
        Vector128<float> x2 = v2.GetLower() + v2.GetUpper(), x3 = v3.GetLower() + v3.GetUpper();
        if (Sse3.IsSupported) return Sse3.HorizontalAdd(Sse3.HorizontalAdd(x0, x1), Sse3.HorizontalAdd(x2, x3));
        return Vector128.Create(Vector128.Sum(x0), Vector128.Sum(x1), Vector128.Sum(x2), Vector128.Sum(x3));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(float* c, Vector128<float> sums, int columns, GemmStore store)
    {
        for (var column = 0; column < columns; column++)
        {
            var value = store.Alpha * sums.GetElement(column);
            if (store.Beta != 0) value += store.Beta * c[column];
            if (store.Bias != null) value += store.Bias[column];
            c[column] = value;
        }
    }
}
