using System.Runtime.Intrinsics;

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

    private static void Copy(float* source, float* target, int count)
    {
        var i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i + 16 <= count; i += 16) Vector512.Load(source + i).Store(target + i);
        for (; i + 8 <= count; i += 8) Vector256.Load(source + i).Store(target + i);
        for (; i + 4 <= count; i += 4) Vector128.Load(source + i).Store(target + i);
        for (; i < count; i++) target[i] = source[i];
    }

    /// <summary>
    /// The source holds each of the <paramref name="width"/> lines contiguously along k (line i at i·leading): the panel
    /// is its transpose. Reads four lines at a time so each written group of floats is filled from cache-resident lines.
    /// </summary>
    private static void PackTransposing(float* source, long leading, int depth, int width, int panelWidth, float* packed)
    {
        var line = 0;
        for (; line + 4 <= width; line += 4)
        {
            float* s0 = source + line * leading, s1 = s0 + leading, s2 = s1 + leading, s3 = s2 + leading;
            var target = packed + line;
            for (var k = 0; k < depth; k++, target += panelWidth)
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
