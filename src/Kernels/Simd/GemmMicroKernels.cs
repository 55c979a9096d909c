using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace GoSeqZero.Kernels.Simd;

/// <summary>
/// How a micro-kernel writes its tile: <c>C = Alpha·acc + Beta·C + Bias</c>. Beta = 0 never reads C (so NaN there is
/// overwritten); <see cref="Bias"/> is null or points at the tile's first column.
/// </summary>
internal readonly unsafe struct GemmStore(float alpha, float beta, float* bias)
{
    public readonly float Alpha = alpha;
    public readonly float Beta = beta;
    public readonly float* Bias = bias;

    public GemmStore WithBiasAt(int column) => new(Alpha, Beta, Bias == null ? null : Bias + column);

    /// <summary>Writes the first <paramref name="rows"/>×<paramref name="columns"/> of a tile kept in <paramref name="tile"/> (row length <paramref name="tileStride"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void StoreEdge(float* tile, int tileStride, float* c, long ldc, int rows, int columns)
    {
        for (var row = 0; row < rows; row++, c += ldc, tile += tileStride)
        for (var column = 0; column < columns; column++)
        {
            var value = Alpha * tile[column];
            if (Beta != 0) value += Beta * c[column];
            if (Bias != null) value += Bias[column];
            c[column] = value;
        }
    }
}

/// <summary>
/// A register-blocked GEMM micro-kernel: a <see cref="Rows"/>×<see cref="Columns"/> tile of C from an A micro-panel
/// (for each k, <see cref="Rows"/> consecutive values) and a B micro-panel (for each k, <see cref="Columns"/> consecutive
/// values). Implemented by structs so the generic driver is compiled once per kernel with its sizes as constants.
/// </summary>
internal unsafe interface IGemmMicroKernel
{
    static abstract int Rows { get; }

    static abstract int Columns { get; }

    /// <summary>
    /// The tile over <paramref name="depth"/> steps of k, stored into C through <paramref name="store"/>; when the tile is
    /// cut by the edge of C (<paramref name="rows"/> or <paramref name="columns"/> short) it goes through
    /// <paramref name="edgeTile"/> (Rows×Columns floats of scratch).
    /// </summary>
    static abstract void Run(int depth, float* packedA, float* packedB, float* c, long ldc, GemmStore store, int rows, int columns, float* edgeTile);
}

/// <summary>
/// 12 rows × 32 columns in 24 zmm accumulators; each k step loads two vectors of B, broadcasts 12 values of A and
/// issues 24 FMAs. 24 accumulators cover the FMA latency several times over and leave registers for the B vectors and
/// the broadcast out of the 32 that AVX-512 has (8×48, 6×64, 14×32 and 4×96 measured no better on Zen 4). Nothing in
/// the method may call out (not even a static field's first touch): the calling convention saves no vector register,
/// so a call would spill every accumulator on every step.
/// </summary>
internal readonly unsafe struct GemmKernel512 : IGemmMicroKernel
{
    public static int Rows => 12;

    public static int Columns => 32;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int depth, float* packedA, float* packedB, float* c, long ldc, GemmStore store, int rows, int columns, float* edgeTile)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector512<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default, c70 = default, c71 = default, c80 = default, c81 = default;
        Vector512<float> c90 = default, c91 = default, cA0 = default, cA1 = default, cB0 = default, cB1 = default;
        // C is touched only after the loop: start its lines on their way now.
        for (var row = 0; row < rows; row++)
        {
            Sse.Prefetch0(c + row * ldc);
            Sse.Prefetch0(c + row * ldc + 16);
        }
        var a = packedA;
        var b = packedB;
        for (var k = 0; k < depth; k++, a += 12, b += 32)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            var x = Vector512.Create(a[0]); c00 = Avx512F.FusedMultiplyAdd(x, b0, c00); c01 = Avx512F.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a[1]); c10 = Avx512F.FusedMultiplyAdd(x, b0, c10); c11 = Avx512F.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a[2]); c20 = Avx512F.FusedMultiplyAdd(x, b0, c20); c21 = Avx512F.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a[3]); c30 = Avx512F.FusedMultiplyAdd(x, b0, c30); c31 = Avx512F.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(a[4]); c40 = Avx512F.FusedMultiplyAdd(x, b0, c40); c41 = Avx512F.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(a[5]); c50 = Avx512F.FusedMultiplyAdd(x, b0, c50); c51 = Avx512F.FusedMultiplyAdd(x, b1, c51);
            x = Vector512.Create(a[6]); c60 = Avx512F.FusedMultiplyAdd(x, b0, c60); c61 = Avx512F.FusedMultiplyAdd(x, b1, c61);
            x = Vector512.Create(a[7]); c70 = Avx512F.FusedMultiplyAdd(x, b0, c70); c71 = Avx512F.FusedMultiplyAdd(x, b1, c71);
            x = Vector512.Create(a[8]); c80 = Avx512F.FusedMultiplyAdd(x, b0, c80); c81 = Avx512F.FusedMultiplyAdd(x, b1, c81);
            x = Vector512.Create(a[9]); c90 = Avx512F.FusedMultiplyAdd(x, b0, c90); c91 = Avx512F.FusedMultiplyAdd(x, b1, c91);
            x = Vector512.Create(a[10]); cA0 = Avx512F.FusedMultiplyAdd(x, b0, cA0); cA1 = Avx512F.FusedMultiplyAdd(x, b1, cA1);
            x = Vector512.Create(a[11]); cB0 = Avx512F.FusedMultiplyAdd(x, b0, cB0); cB1 = Avx512F.FusedMultiplyAdd(x, b1, cB1);
        }

        var full = rows == 12 && columns == 32;
        var target = full ? c : edgeTile;
        var stride = full ? ldc : 32;
        var tileStore = full ? store : new GemmStore(1, 0, null);
        Vector512<float> bias0 = default, bias1 = default;
        if (tileStore.Bias != null)
        {
            bias0 = Vector512.Load(tileStore.Bias);
            bias1 = Vector512.Load(tileStore.Bias + 16);
        }
        StoreRow(target, c00, c01, tileStore, bias0, bias1); target += stride;
        StoreRow(target, c10, c11, tileStore, bias0, bias1); target += stride;
        StoreRow(target, c20, c21, tileStore, bias0, bias1); target += stride;
        StoreRow(target, c30, c31, tileStore, bias0, bias1); target += stride;
        StoreRow(target, c40, c41, tileStore, bias0, bias1); target += stride;
        StoreRow(target, c50, c51, tileStore, bias0, bias1); target += stride;
        StoreRow(target, c60, c61, tileStore, bias0, bias1); target += stride;
        StoreRow(target, c70, c71, tileStore, bias0, bias1); target += stride;
        StoreRow(target, c80, c81, tileStore, bias0, bias1); target += stride;
        StoreRow(target, c90, c91, tileStore, bias0, bias1); target += stride;
        StoreRow(target, cA0, cA1, tileStore, bias0, bias1); target += stride;
        StoreRow(target, cB0, cB1, tileStore, bias0, bias1);
        if (!full) store.StoreEdge(edgeTile, 32, c, ldc, rows, columns);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(float* c, Vector512<float> sum0, Vector512<float> sum1, GemmStore store, Vector512<float> bias0, Vector512<float> bias1)
    {
        var alpha = Vector512.Create(store.Alpha);
        var value0 = alpha * sum0 + bias0;
        var value1 = alpha * sum1 + bias1;
        if (store.Beta != 0)
        {
            var beta = Vector512.Create(store.Beta);
            value0 = Avx512F.FusedMultiplyAdd(beta, Vector512.Load(c), value0);
            value1 = Avx512F.FusedMultiplyAdd(beta, Vector512.Load(c + 16), value1);
        }
        value0.Store(c);
        value1.Store(c + 16);
    }
}

/// <summary>
/// The Vector256 fallback: 6 rows × 16 columns in 12 ymm accumulators, which with two B vectors and a broadcast fits
/// the 16 registers of AVX2. Uses FMA where the CPU has it and a multiply and an add otherwise. Kept apart from
/// <see cref="GemmKernel512"/> on purpose: the tile shape follows each instruction set's register file, and named,
/// unrolled accumulators are what keeps them in registers.
/// </summary>
internal readonly unsafe struct GemmKernel256 : IGemmMicroKernel
{
    public static int Rows => 6;

    public static int Columns => 16;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int depth, float* packedA, float* packedB, float* c, long ldc, GemmStore store, int rows, int columns, float* edgeTile)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        var a = packedA;
        var b = packedB;
        for (var k = 0; k < depth; k++, a += 6, b += 16)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 8);
            var x = Vector256.Create(a[0]); c00 = MultiplyAdd(x, b0, c00); c01 = MultiplyAdd(x, b1, c01);
            x = Vector256.Create(a[1]); c10 = MultiplyAdd(x, b0, c10); c11 = MultiplyAdd(x, b1, c11);
            x = Vector256.Create(a[2]); c20 = MultiplyAdd(x, b0, c20); c21 = MultiplyAdd(x, b1, c21);
            x = Vector256.Create(a[3]); c30 = MultiplyAdd(x, b0, c30); c31 = MultiplyAdd(x, b1, c31);
            x = Vector256.Create(a[4]); c40 = MultiplyAdd(x, b0, c40); c41 = MultiplyAdd(x, b1, c41);
            x = Vector256.Create(a[5]); c50 = MultiplyAdd(x, b0, c50); c51 = MultiplyAdd(x, b1, c51);
        }

        var full = rows == 6 && columns == 16;
        var target = full ? c : edgeTile;
        var stride = full ? ldc : 16;
        var tileStore = full ? store : new GemmStore(1, 0, null);
        Vector256<float> bias0 = default, bias1 = default;
        if (tileStore.Bias != null)
        {
            bias0 = Vector256.Load(tileStore.Bias);
            bias1 = Vector256.Load(tileStore.Bias + 8);
        }
        StoreRow(target, c00, c01, tileStore, bias0, bias1); target += stride;
        StoreRow(target, c10, c11, tileStore, bias0, bias1); target += stride;
        StoreRow(target, c20, c21, tileStore, bias0, bias1); target += stride;
        StoreRow(target, c30, c31, tileStore, bias0, bias1); target += stride;
        StoreRow(target, c40, c41, tileStore, bias0, bias1); target += stride;
        StoreRow(target, c50, c51, tileStore, bias0, bias1);
        if (!full) store.StoreEdge(edgeTile, 16, c, ldc, rows, columns);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> MultiplyAdd(Vector256<float> x, Vector256<float> y, Vector256<float> sum) =>
        Fma.IsSupported ? Fma.MultiplyAdd(x, y, sum) : x * y + sum;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(float* c, Vector256<float> sum0, Vector256<float> sum1, GemmStore store, Vector256<float> bias0, Vector256<float> bias1)
    {
        var alpha = Vector256.Create(store.Alpha);
        var value0 = alpha * sum0 + bias0;
        var value1 = alpha * sum1 + bias1;
        if (store.Beta != 0)
        {
            var beta = Vector256.Create(store.Beta);
            value0 = MultiplyAdd(beta, Vector256.Load(c), value0);
            value1 = MultiplyAdd(beta, Vector256.Load(c + 8), value1);
        }
        value0.Store(c);
        value1.Store(c + 8);
    }
}
