using System.Runtime.CompilerServices;

namespace GoSeqZero.Kernels.Simd;

/// <summary>
/// The small products inside an attention tile, all of one form: C (+)= A·B with B's rows contiguous, so the
/// inner loop broadcasts one element of A and multiplies it into whole vectors of a B row (no horizontal sums).
/// A is read through a row and a column stride, which lets the backward use Pᵀ and dSᵀ without transposing them.
/// The attention kernels' hot methods are marked AggressiveOptimization: under tiered compilation the first calls (a
/// whole short-sequence step) ran unoptimised code, several times slower.
/// </summary>
internal static unsafe class AttentionTiles
{
    /// <summary>
    /// <c>c[m·ldc + n] (+)= Σ_k a[m·aRowStride + k·aColumnStride] · b[k·ldb + n]</c> for m &lt; rows (a multiple of 4)
    /// and n &lt; columns (a multiple of the vector width). With <paramref name="accumulate"/> false C is written, not read.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply<TVector, TOps>(float* a, int aRowStride, int aColumnStride, float* b, int ldb,
        float* c, int ldc, int rows, int columns, int depth, bool accumulate)
        where TVector : struct
        where TOps : struct, IAttentionVector<TVector>
    {
        var width = TOps.Count;
        for (var m = 0; m < rows; m += 4)
        {
            float* a0 = a + m * aRowStride, a1 = a0 + aRowStride, a2 = a1 + aRowStride, a3 = a2 + aRowStride;
            float* c0 = c + m * ldc, c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
            var n = 0;
            // AVX-512 has 32 registers: four rows by four vectors halves the broadcasts per multiply-add.
            if (width == 16)
                for (; n + 4 * width <= columns; n += 4 * width)
                    FourByFour<TVector, TOps>(a0, a1, a2, a3, aColumnStride, b + n, ldb, c0 + n, c1 + n, c2 + n, c3 + n, depth, accumulate);
            // Four rows by two vectors: eight accumulators, few enough for the 16 registers of AVX2.
            for (; n + 2 * width <= columns; n += 2 * width)
            {
                TVector c00 = TOps.Zero, c01 = TOps.Zero, c10 = TOps.Zero, c11 = TOps.Zero;
                TVector c20 = TOps.Zero, c21 = TOps.Zero, c30 = TOps.Zero, c31 = TOps.Zero;
                if (accumulate)
                {
                    (c00, c01) = (TOps.Load(c0 + n), TOps.Load(c0 + n + width));
                    (c10, c11) = (TOps.Load(c1 + n), TOps.Load(c1 + n + width));
                    (c20, c21) = (TOps.Load(c2 + n), TOps.Load(c2 + n + width));
                    (c30, c31) = (TOps.Load(c3 + n), TOps.Load(c3 + n + width));
                }
                var bRow = b + n;
                var offset = 0;
                for (var k = 0; k < depth; k++, bRow += ldb, offset += aColumnStride)
                {
                    var b0 = TOps.Load(bRow);
                    var b1 = TOps.Load(bRow + width);
                    var x = TOps.Broadcast(a0[offset]);
                    c00 = TOps.MultiplyAdd(x, b0, c00);
                    c01 = TOps.MultiplyAdd(x, b1, c01);
                    x = TOps.Broadcast(a1[offset]);
                    c10 = TOps.MultiplyAdd(x, b0, c10);
                    c11 = TOps.MultiplyAdd(x, b1, c11);
                    x = TOps.Broadcast(a2[offset]);
                    c20 = TOps.MultiplyAdd(x, b0, c20);
                    c21 = TOps.MultiplyAdd(x, b1, c21);
                    x = TOps.Broadcast(a3[offset]);
                    c30 = TOps.MultiplyAdd(x, b0, c30);
                    c31 = TOps.MultiplyAdd(x, b1, c31);
                }
                TOps.Store(c0 + n, c00);
                TOps.Store(c0 + n + width, c01);
                TOps.Store(c1 + n, c10);
                TOps.Store(c1 + n + width, c11);
                TOps.Store(c2 + n, c20);
                TOps.Store(c2 + n + width, c21);
                TOps.Store(c3 + n, c30);
                TOps.Store(c3 + n + width, c31);
            }
            if (n < columns)
            {
                TVector c00 = TOps.Zero, c10 = TOps.Zero, c20 = TOps.Zero, c30 = TOps.Zero;
                if (accumulate) (c00, c10, c20, c30) = (TOps.Load(c0 + n), TOps.Load(c1 + n), TOps.Load(c2 + n), TOps.Load(c3 + n));
                var bRow = b + n;
                var offset = 0;
                for (var k = 0; k < depth; k++, bRow += ldb, offset += aColumnStride)
                {
                    var b0 = TOps.Load(bRow);
                    c00 = TOps.MultiplyAdd(TOps.Broadcast(a0[offset]), b0, c00);
                    c10 = TOps.MultiplyAdd(TOps.Broadcast(a1[offset]), b0, c10);
                    c20 = TOps.MultiplyAdd(TOps.Broadcast(a2[offset]), b0, c20);
                    c30 = TOps.MultiplyAdd(TOps.Broadcast(a3[offset]), b0, c30);
                }
                TOps.Store(c0 + n, c00);
                TOps.Store(c1 + n, c10);
                TOps.Store(c2 + n, c20);
                TOps.Store(c3 + n, c30);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FourByFour<TVector, TOps>(float* a0, float* a1, float* a2, float* a3, int aColumnStride, float* b, int ldb,
        float* c0, float* c1, float* c2, float* c3, int depth, bool accumulate)
        where TVector : struct
        where TOps : struct, IAttentionVector<TVector>
    {
        var width = TOps.Count;
        TVector c00 = TOps.Zero, c01 = TOps.Zero, c02 = TOps.Zero, c03 = TOps.Zero, c10 = TOps.Zero, c11 = TOps.Zero, c12 = TOps.Zero, c13 = TOps.Zero;
        TVector c20 = TOps.Zero, c21 = TOps.Zero, c22 = TOps.Zero, c23 = TOps.Zero, c30 = TOps.Zero, c31 = TOps.Zero, c32 = TOps.Zero, c33 = TOps.Zero;
        if (accumulate)
        {
            (c00, c01, c02, c03) = (TOps.Load(c0), TOps.Load(c0 + width), TOps.Load(c0 + 2 * width), TOps.Load(c0 + 3 * width));
            (c10, c11, c12, c13) = (TOps.Load(c1), TOps.Load(c1 + width), TOps.Load(c1 + 2 * width), TOps.Load(c1 + 3 * width));
            (c20, c21, c22, c23) = (TOps.Load(c2), TOps.Load(c2 + width), TOps.Load(c2 + 2 * width), TOps.Load(c2 + 3 * width));
            (c30, c31, c32, c33) = (TOps.Load(c3), TOps.Load(c3 + width), TOps.Load(c3 + 2 * width), TOps.Load(c3 + 3 * width));
        }
        var offset = 0;
        for (var k = 0; k < depth; k++, b += ldb, offset += aColumnStride)
        {
            TVector b0 = TOps.Load(b), b1 = TOps.Load(b + width), b2 = TOps.Load(b + 2 * width), b3 = TOps.Load(b + 3 * width);
            var x = TOps.Broadcast(a0[offset]);
            (c00, c01, c02, c03) = (TOps.MultiplyAdd(x, b0, c00), TOps.MultiplyAdd(x, b1, c01), TOps.MultiplyAdd(x, b2, c02), TOps.MultiplyAdd(x, b3, c03));
            x = TOps.Broadcast(a1[offset]);
            (c10, c11, c12, c13) = (TOps.MultiplyAdd(x, b0, c10), TOps.MultiplyAdd(x, b1, c11), TOps.MultiplyAdd(x, b2, c12), TOps.MultiplyAdd(x, b3, c13));
            x = TOps.Broadcast(a2[offset]);
            (c20, c21, c22, c23) = (TOps.MultiplyAdd(x, b0, c20), TOps.MultiplyAdd(x, b1, c21), TOps.MultiplyAdd(x, b2, c22), TOps.MultiplyAdd(x, b3, c23));
            x = TOps.Broadcast(a3[offset]);
            (c30, c31, c32, c33) = (TOps.MultiplyAdd(x, b0, c30), TOps.MultiplyAdd(x, b1, c31), TOps.MultiplyAdd(x, b2, c32), TOps.MultiplyAdd(x, b3, c33));
        }
        TOps.Store(c0, c00); TOps.Store(c0 + width, c01); TOps.Store(c0 + 2 * width, c02); TOps.Store(c0 + 3 * width, c03);
        TOps.Store(c1, c10); TOps.Store(c1 + width, c11); TOps.Store(c1 + 2 * width, c12); TOps.Store(c1 + 3 * width, c13);
        TOps.Store(c2, c20); TOps.Store(c2 + width, c21); TOps.Store(c2 + 2 * width, c22); TOps.Store(c2 + 3 * width, c23);
        TOps.Store(c3, c30); TOps.Store(c3 + width, c31); TOps.Store(c3 + 2 * width, c32); TOps.Store(c3 + 3 * width, c33);
    }

    /// <summary>
    /// Copies <paramref name="count"/> rows of <paramref name="headSize"/> floats (source rows <paramref name="sourceStride"/>
    /// apart) into rows of <paramref name="ld"/> floats times <paramref name="scale"/>, zero-filling the padding columns and
    /// the rows from <paramref name="count"/> to <paramref name="paddedRows"/>, so padded lanes stay finite and contribute 0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void LoadRows<TVector, TOps>(float* source, long sourceStride, int count, int headSize, float scale, float* destination, int ld, int paddedRows)
        where TVector : struct
        where TOps : struct, IAttentionVector<TVector>
    {
        var width = TOps.Count;
        var factor = TOps.Broadcast(scale);
        for (var row = 0; row < paddedRows; row++)
        {
            var target = destination + row * ld;
            if (row < count)
            {
                var from = source + row * sourceStride;
                var d = 0;
                for (; d + width <= headSize; d += width) TOps.Store(target + d, TOps.Multiply(TOps.Load(from + d), factor));
                for (; d < headSize; d++) target[d] = scale * from[d];
                new Span<float>(target + headSize, ld - headSize).Clear();
            }
            else new Span<float>(target, ld).Clear();
        }
    }

    /// <summary>
    /// Writes rows of <paramref name="headSize"/> floats transposed and times <paramref name="scale"/>:
    /// <c>destination[d·ld + j] = scale·source[j·sourceStride + d]</c> for j &lt; <paramref name="count"/>, and 0 for j up to
    /// <paramref name="paddedColumns"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void LoadTransposed(float* source, long sourceStride, int count, int headSize, float scale, float* destination, int ld, int paddedColumns)
    {
        for (var j = 0; j < count; j++)
        {
            var from = source + j * sourceStride;
            for (var d = 0; d < headSize; d++) destination[d * ld + j] = scale * from[d];
        }
        if (count < paddedColumns)
            for (var d = 0; d < headSize; d++) new Span<float>(destination + d * ld + count, paddedColumns - count).Clear();
    }

    /// <summary><c>destination[row·destinationStride + d] += source[row·ld + d]</c> for d &lt; headSize.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddRows(float* source, int ld, int count, int headSize, float* destination, long destinationStride)
    {
        for (var row = 0; row < count; row++)
        {
            float* from = source + row * ld, to = destination + row * destinationStride;
            for (var d = 0; d < headSize; d++) to[d] += from[d];
        }
    }

    public static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;
}

/// <summary>
/// One thread's tile buffers, kept per thread ([ThreadStatic]) so no call allocates once they have grown to the largest
/// tile seen. Pinned, so the kernels hold raw pointers into them.
/// </summary>
internal sealed unsafe class AttentionScratch
{
    [ThreadStatic] private static AttentionScratch? _current;

    private float[] _buffer = [];

    /// <summary>This thread's scratch, with at least <paramref name="floats"/> floats.</summary>
    public static float* ForThisThread(int floats)
    {
        var scratch = _current ??= new AttentionScratch();
        if (scratch._buffer.Length < floats) scratch._buffer = GC.AllocateUninitializedArray<float>(floats, pinned: true);
        return (float*)Unsafe.AsPointer(ref scratch._buffer[0]);
    }
}
