using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace GoSeqZero.Kernels.Simd;

/// <summary>
/// Copies blocks of A and B into the micro-panel layouts the micro-kernels read: A as panels of
/// <c>panelRows</c> rows (for each k, the panel's rows side by side), B as panels of <c>panelColumns</c> columns (for
/// each k, the panel's columns side by side). Rows and columns past the edge of the matrix are zero.
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>
    /// Packs rows <paramref name="row0"/>..+<paramref name="rows"/> and k <paramref name="k0"/>..+<paramref name="depth"/>
    /// of op(A) into <c>ceil(rows / panelRows)</c> consecutive panels of <c>panelRows·depth</c> floats.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackA(in GemmOperand a, int row0, int rows, int k0, int depth, int panelRows, float* packed)
    {
        if (a.Transposed)
        {
            PackRuns(a.Data + (long)k0 * a.Leading + row0, a.Leading, depth, rows, panelRows, packed);
            return;
        }
        for (var panelStart = 0; panelStart < rows; panelStart += panelRows, packed += (long)panelRows * depth)
            PackTransposing(a.Data + (long)(row0 + panelStart) * a.Leading + k0, a.Leading, depth, Math.Min(panelRows, rows - panelStart), panelRows, packed);
    }

    /// <summary>
    /// Packs columns <paramref name="column0"/>..+<paramref name="columns"/> and k <paramref name="k0"/>..+<paramref name="depth"/>
    /// of op(B) into <c>ceil(columns / panelColumns)</c> consecutive panels of <c>panelColumns·depth</c> floats.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackB(in GemmOperand b, int column0, int columns, int k0, int depth, int panelColumns, float* packed)
    {
        if (!b.Transposed)
        {
            PackRuns(b.Data + (long)k0 * b.Leading + column0, b.Leading, depth, columns, panelColumns, packed);
            return;
        }
        for (var panelStart = 0; panelStart < columns; panelStart += panelColumns, packed += (long)panelColumns * depth)
            PackTransposing(b.Data + (long)(column0 + panelStart) * b.Leading + k0, b.Leading, depth, Math.Min(panelColumns, columns - panelStart), panelColumns, packed);
    }

    /// <summary>
    /// The source holds each k's run of <paramref name="width"/> values contiguously (k-th run at k·leading). Goes
    /// along k and hands each run out to all the panels, so the source is read in order, as the prefetcher likes it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackRuns(float* source, long leading, int depth, int width, int panelWidth, float* packed)
    {
        var fullPanels = width / panelWidth;
        var rest = width - fullPanels * panelWidth;
        var panelFloats = (long)panelWidth * depth;
        for (var k = 0; k < depth; k++, source += leading, packed += panelWidth)
        {
            var target = packed;
            for (var panel = 0; panel < fullPanels; panel++, target += panelFloats) Copy(source + panel * panelWidth, target, panelWidth);
            if (rest == 0) continue;
            Copy(source + fullPanels * panelWidth, target, rest);
            new Span<float>(target + rest, panelWidth - rest).Clear();
        }
    }

    /// <summary>A short run: inlined, with the micro-panel widths (32, 16, 12, 6) as straight-line vector moves.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Copy(float* source, float* target, int count)
    {
        if (count == 12)
        {
            Vector256.Load(source).Store(target);
            Vector128.Load(source + 8).Store(target + 8);
            return;
        }
        if (count == 6)
        {
            Vector128.Load(source).Store(target);
            *(long*)(target + 4) = *(long*)(source + 4);
            return;
        }
        var i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i + 16 <= count; i += 16) Vector512.Load(source + i).Store(target + i);
        for (; i + 8 <= count; i += 8) Vector256.Load(source + i).Store(target + i);
        for (; i + 4 <= count; i += 4) Vector128.Load(source + i).Store(target + i);
        for (; i < count; i++) target[i] = source[i];
    }

    /// <summary>
    /// The source holds each of the <paramref name="width"/> lines contiguously along k (line i at i·leading): the panel
    /// is its transpose. Takes four lines at a time, in 4×4 blocks transposed in registers where SSE is there.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackTransposing(float* source, long leading, int depth, int width, int panelWidth, float* packed)
    {
        var line = 0;
        for (; line + 4 <= width; line += 4)
        {
            float* s0 = source + line * leading, s1 = s0 + leading, s2 = s1 + leading, s3 = s2 + leading;
            var target = packed + line;
            var k = 0;
            if (Sse.IsSupported)
            {
                for (; k + 4 <= depth; k += 4, target += 4 * panelWidth)
                {
                    // Rows r0..r3 of a 4×4 block become its columns: pair up, then take the low and high halves.
                    Vector128<float> r0 = Vector128.Load(s0 + k), r1 = Vector128.Load(s1 + k), r2 = Vector128.Load(s2 + k), r3 = Vector128.Load(s3 + k);
                    Vector128<float> low01 = Sse.UnpackLow(r0, r1), high01 = Sse.UnpackHigh(r0, r1);
                    Vector128<float> low23 = Sse.UnpackLow(r2, r3), high23 = Sse.UnpackHigh(r2, r3);
                    Sse.MoveLowToHigh(low01, low23).Store(target);
                    Sse.MoveHighToLow(low23, low01).Store(target + panelWidth);
                    Sse.MoveLowToHigh(high01, high23).Store(target + 2 * panelWidth);
                    Sse.MoveHighToLow(high23, high01).Store(target + 3 * panelWidth);
                }
            }
            for (; k < depth; k++, target += panelWidth)
            {
                target[0] = s0[k];
                target[1] = s1[k];
                target[2] = s2[k];
                target[3] = s3[k];
            }
        }
        for (; line < width; line++)
        {
            var s = source + line * leading;
            var target = packed + line;
            for (var k = 0; k < depth; k++, target += panelWidth) *target = s[k];
        }
        if (width == panelWidth) return;
        var pad = packed + width;
        for (var k = 0; k < depth; k++, pad += panelWidth) new Span<float>(pad, panelWidth - width).Clear();
    }
}

/// <summary>One GEMM input as stored: row-major with row length <see cref="Leading"/>, or its transpose.</summary>
internal readonly unsafe struct GemmOperand(float* data, long leading, bool transposed)
{
    public readonly float* Data = data;
    public readonly long Leading = leading;
    public readonly bool Transposed = transposed;
}
