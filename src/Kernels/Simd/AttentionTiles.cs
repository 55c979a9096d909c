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
    public static void Multiply<TLanes>(float* a, int aRowStride, int aColumnStride, float* b, int ldb,
        float* c, int ldc, int rows, int columns, int depth, bool accumulate)
        where TLanes : unmanaged, ILanes<TLanes>
    {
        var width = TLanes.Count;
        for (var m = 0; m < rows; m += 4)
        {
            float* a0 = a + m * aRowStride, a1 = a0 + aRowStride, a2 = a1 + aRowStride, a3 = a2 + aRowStride;
            float* c0 = c + m * ldc, c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
            var n = 0;
            // AVX-512 has 32 registers: four rows by four vectors halves the broadcasts per multiply-add.
            if (width == 16)
                for (; n + 4 * width <= columns; n += 4 * width)
                    FourByFour<TLanes>(a0, a1, a2, a3, aColumnStride, b + n, ldb, c0 + n, c1 + n, c2 + n, c3 + n, depth, accumulate);
            // Four rows by two vectors: eight accumulators, few enough for the 16 registers of AVX2.
            for (; n + 2 * width <= columns; n += 2 * width)
            {
                TLanes c00 = TLanes.Zero, c01 = TLanes.Zero, c10 = TLanes.Zero, c11 = TLanes.Zero;
                TLanes c20 = TLanes.Zero, c21 = TLanes.Zero, c30 = TLanes.Zero, c31 = TLanes.Zero;
                if (accumulate)
                {
                    (c00, c01) = (TLanes.Load(c0 + n), TLanes.Load(c0 + n + width));
                    (c10, c11) = (TLanes.Load(c1 + n), TLanes.Load(c1 + n + width));
                    (c20, c21) = (TLanes.Load(c2 + n), TLanes.Load(c2 + n + width));
                    (c30, c31) = (TLanes.Load(c3 + n), TLanes.Load(c3 + n + width));
                }
                var bRow = b + n;
                var offset = 0;
                for (var k = 0; k < depth; k++, bRow += ldb, offset += aColumnStride)
                {
                    var b0 = TLanes.Load(bRow);
                    var b1 = TLanes.Load(bRow + width);
                    var x = TLanes.Broadcast(a0[offset]);
                    c00 = TLanes.MultiplyAdd(x, b0, c00);
                    c01 = TLanes.MultiplyAdd(x, b1, c01);
                    x = TLanes.Broadcast(a1[offset]);
                    c10 = TLanes.MultiplyAdd(x, b0, c10);
                    c11 = TLanes.MultiplyAdd(x, b1, c11);
                    x = TLanes.Broadcast(a2[offset]);
                    c20 = TLanes.MultiplyAdd(x, b0, c20);
                    c21 = TLanes.MultiplyAdd(x, b1, c21);
                    x = TLanes.Broadcast(a3[offset]);
                    c30 = TLanes.MultiplyAdd(x, b0, c30);
                    c31 = TLanes.MultiplyAdd(x, b1, c31);
                }
                c00.Store(c0 + n);
                c01.Store(c0 + n + width);
                c10.Store(c1 + n);
                c11.Store(c1 + n + width);
                c20.Store(c2 + n);
                c21.Store(c2 + n + width);
                c30.Store(c3 + n);
                c31.Store(c3 + n + width);
            }
            if (n < columns)
            {
                TLanes c00 = TLanes.Zero, c10 = TLanes.Zero, c20 = TLanes.Zero, c30 = TLanes.Zero;
                if (accumulate) (c00, c10, c20, c30) = (TLanes.Load(c0 + n), TLanes.Load(c1 + n), TLanes.Load(c2 + n), TLanes.Load(c3 + n));
                var bRow = b + n;
                var offset = 0;
                for (var k = 0; k < depth; k++, bRow += ldb, offset += aColumnStride)
                {
                    var b0 = TLanes.Load(bRow);
                    c00 = TLanes.MultiplyAdd(TLanes.Broadcast(a0[offset]), b0, c00);
                    c10 = TLanes.MultiplyAdd(TLanes.Broadcast(a1[offset]), b0, c10);
                    c20 = TLanes.MultiplyAdd(TLanes.Broadcast(a2[offset]), b0, c20);
                    c30 = TLanes.MultiplyAdd(TLanes.Broadcast(a3[offset]), b0, c30);
                }
                c00.Store(c0 + n);
                c10.Store(c1 + n);
                c20.Store(c2 + n);
                c30.Store(c3 + n);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FourByFour<TLanes>(float* a0, float* a1, float* a2, float* a3, int aColumnStride, float* b, int ldb,
        float* c0, float* c1, float* c2, float* c3, int depth, bool accumulate)
        where TLanes : unmanaged, ILanes<TLanes>
    {
        var width = TLanes.Count;
        TLanes c00 = TLanes.Zero, c01 = TLanes.Zero, c02 = TLanes.Zero, c03 = TLanes.Zero, c10 = TLanes.Zero, c11 = TLanes.Zero, c12 = TLanes.Zero, c13 = TLanes.Zero;
        TLanes c20 = TLanes.Zero, c21 = TLanes.Zero, c22 = TLanes.Zero, c23 = TLanes.Zero, c30 = TLanes.Zero, c31 = TLanes.Zero, c32 = TLanes.Zero, c33 = TLanes.Zero;
        if (accumulate)
        {
            (c00, c01, c02, c03) = (TLanes.Load(c0), TLanes.Load(c0 + width), TLanes.Load(c0 + 2 * width), TLanes.Load(c0 + 3 * width));
            (c10, c11, c12, c13) = (TLanes.Load(c1), TLanes.Load(c1 + width), TLanes.Load(c1 + 2 * width), TLanes.Load(c1 + 3 * width));
            (c20, c21, c22, c23) = (TLanes.Load(c2), TLanes.Load(c2 + width), TLanes.Load(c2 + 2 * width), TLanes.Load(c2 + 3 * width));
            (c30, c31, c32, c33) = (TLanes.Load(c3), TLanes.Load(c3 + width), TLanes.Load(c3 + 2 * width), TLanes.Load(c3 + 3 * width));
        }
        var offset = 0;
        for (var k = 0; k < depth; k++, b += ldb, offset += aColumnStride)
        {
            TLanes b0 = TLanes.Load(b), b1 = TLanes.Load(b + width), b2 = TLanes.Load(b + 2 * width), b3 = TLanes.Load(b + 3 * width);
            var x = TLanes.Broadcast(a0[offset]);
            (c00, c01, c02, c03) = (TLanes.MultiplyAdd(x, b0, c00), TLanes.MultiplyAdd(x, b1, c01), TLanes.MultiplyAdd(x, b2, c02), TLanes.MultiplyAdd(x, b3, c03));
            x = TLanes.Broadcast(a1[offset]);
            (c10, c11, c12, c13) = (TLanes.MultiplyAdd(x, b0, c10), TLanes.MultiplyAdd(x, b1, c11), TLanes.MultiplyAdd(x, b2, c12), TLanes.MultiplyAdd(x, b3, c13));
            x = TLanes.Broadcast(a2[offset]);
            (c20, c21, c22, c23) = (TLanes.MultiplyAdd(x, b0, c20), TLanes.MultiplyAdd(x, b1, c21), TLanes.MultiplyAdd(x, b2, c22), TLanes.MultiplyAdd(x, b3, c23));
            x = TLanes.Broadcast(a3[offset]);
            (c30, c31, c32, c33) = (TLanes.MultiplyAdd(x, b0, c30), TLanes.MultiplyAdd(x, b1, c31), TLanes.MultiplyAdd(x, b2, c32), TLanes.MultiplyAdd(x, b3, c33));
        }
        c00.Store(c0); c01.Store(c0 + width); c02.Store(c0 + 2 * width); c03.Store(c0 + 3 * width);
        c10.Store(c1); c11.Store(c1 + width); c12.Store(c1 + 2 * width); c13.Store(c1 + 3 * width);
        c20.Store(c2); c21.Store(c2 + width); c22.Store(c2 + 2 * width); c23.Store(c2 + 3 * width);
        c30.Store(c3); c31.Store(c3 + width); c32.Store(c3 + 2 * width); c33.Store(c3 + 3 * width);
    }

    /// <summary>
    /// Copies <paramref name="count"/> rows of <paramref name="headSize"/> floats (source rows <paramref name="sourceStride"/>
    /// apart) into rows of <paramref name="ld"/> floats times <paramref name="scale"/>, zero-filling the padding columns and
    /// the rows from <paramref name="count"/> to <paramref name="paddedRows"/>, so padded lanes stay finite and contribute 0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void LoadRows<TLanes>(float* source, long sourceStride, int count, int headSize, float scale, float* destination, int ld, int paddedRows)
        where TLanes : unmanaged, ILanes<TLanes>
    {
        var width = TLanes.Count;
        var factor = TLanes.Broadcast(scale);
        for (var row = 0; row < paddedRows; row++)
        {
            var target = destination + row * ld;
            if (row < count)
            {
                var from = source + row * sourceStride;
                var d = 0;
                for (; d + width <= headSize; d += width) (TLanes.Load(from + d) * factor).Store(target + d);
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
