using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace GoSeqZero.Kernels.Simd;

/// <summary>
/// The vector operations the row-wise kernels use, over one register of float lanes. The kernels are written once,
/// generic over an implementing struct, and the JIT compiles a separate, fully inlined copy for
/// <see cref="Lanes512"/> (AVX-512) and <see cref="Lanes256"/> (AVX2 fallback).
/// </summary>
internal unsafe interface ILanes<TSelf> where TSelf : unmanaged, ILanes<TSelf>
{
    static abstract int Count { get; }
    static abstract TSelf Zero { get; }
    static abstract TSelf Broadcast(float value);
    static abstract TSelf Load(float* source);
    void Store(float* destination);

    static abstract TSelf operator +(TSelf a, TSelf b);
    static abstract TSelf operator -(TSelf a, TSelf b);
    static abstract TSelf operator *(TSelf a, TSelf b);
    static abstract TSelf operator /(TSelf a, TSelf b);

    /// <summary><c>a·b + c</c> with one rounding.</summary>
    static abstract TSelf MultiplyAdd(TSelf a, TSelf b, TSelf c);

    static abstract TSelf Min(TSelf a, TSelf b);
    static abstract TSelf Max(TSelf a, TSelf b);

    /// <summary>Rounds each lane to the nearest integer (ties to even).</summary>
    static abstract TSelf Round(TSelf x);

    /// <summary>2^k for lanes holding integers k in [−126, 127], built from the exponent bits.</summary>
    static abstract TSelf PowerOfTwo(TSelf integers);

    /// <summary>The sum of the lanes.</summary>
    float Sum();
}

internal readonly unsafe struct Lanes512(Vector512<float> value) : ILanes<Lanes512>
{
    private readonly Vector512<float> _value = value;

    public static int Count => Vector512<float>.Count;
    public static Lanes512 Zero => new(Vector512<float>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 Broadcast(float value) => new(Vector512.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 Load(float* source) => new(Vector512.Load(source));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(float* destination) => _value.Store(destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 operator +(Lanes512 a, Lanes512 b) => new(a._value + b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 operator -(Lanes512 a, Lanes512 b) => new(a._value - b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 operator *(Lanes512 a, Lanes512 b) => new(a._value * b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 operator /(Lanes512 a, Lanes512 b) => new(a._value / b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 MultiplyAdd(Lanes512 a, Lanes512 b, Lanes512 c) => new(Vector512.FusedMultiplyAdd(a._value, b._value, c._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 Min(Lanes512 a, Lanes512 b) => new(Vector512.Min(a._value, b._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 Max(Lanes512 a, Lanes512 b) => new(Vector512.Max(a._value, b._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 Round(Lanes512 x) => new(Vector512.Round(x._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 PowerOfTwo(Lanes512 integers) =>
        new(Vector512.ShiftLeft(Vector512.ConvertToInt32(integers._value) + Vector512.Create(127), 23).AsSingle());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Sum() => Vector512.Sum(_value);
}

internal readonly unsafe struct Lanes256(Vector256<float> value) : ILanes<Lanes256>
{
    private readonly Vector256<float> _value = value;

    public static int Count => Vector256<float>.Count;
    public static Lanes256 Zero => new(Vector256<float>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Broadcast(float value) => new(Vector256.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Load(float* source) => new(Vector256.Load(source));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(float* destination) => _value.Store(destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 operator +(Lanes256 a, Lanes256 b) => new(a._value + b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 operator -(Lanes256 a, Lanes256 b) => new(a._value - b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 operator *(Lanes256 a, Lanes256 b) => new(a._value * b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 operator /(Lanes256 a, Lanes256 b) => new(a._value / b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 MultiplyAdd(Lanes256 a, Lanes256 b, Lanes256 c) => new(Vector256.FusedMultiplyAdd(a._value, b._value, c._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Min(Lanes256 a, Lanes256 b) => new(Vector256.Min(a._value, b._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Max(Lanes256 a, Lanes256 b) => new(Vector256.Max(a._value, b._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Round(Lanes256 x) => new(Vector256.Round(x._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 PowerOfTwo(Lanes256 integers) =>
        new(Vector256.ShiftLeft(Vector256.ConvertToInt32(integers._value) + Vector256.Create(127), 23).AsSingle());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Sum() => Vector256.Sum(_value);
}

/// <summary>Functions built from the lane operations, so both vector widths share one implementation.</summary>
internal static class LanesMath
{
    // ln 2 split in two (Cody–Waite): k·Ln2High is exact for the |k| ≤ 127 used here, so r = x − k·ln 2 keeps its bits.
    private const float Log2E = 1.44269504f, Ln2High = 0.693359375f, Ln2Low = -2.12194440e-4f;

    /// <summary>
    /// e^x to about 2 ulp for x in [−87, 88]; arguments outside are clamped there (results stay finite and normal,
    /// between 1.6e-38 and 1.7e38). Written here because Vector512.Exp of .NET 10 ran at half the speed of
    /// Vector256.Exp per element on the AVX-512 development machine, slower than memory for GELU.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TLanes Exp<TLanes>(TLanes x) where TLanes : unmanaged, ILanes<TLanes>
    {
        x = TLanes.Max(TLanes.Min(x, TLanes.Broadcast(88f)), TLanes.Broadcast(-87f));
        // x = k·ln 2 + r with |r| ≤ ln 2 / 2, so e^x = 2^k · e^r.
        var k = TLanes.Round(x * TLanes.Broadcast(Log2E));
        var r = TLanes.MultiplyAdd(k, TLanes.Broadcast(-Ln2High), x);
        r = TLanes.MultiplyAdd(k, TLanes.Broadcast(-Ln2Low), r);
        // e^r by its Taylor series to r⁷/7!: the first term left out is below 6e-9 relative for |r| ≤ 0.35.
        var series = TLanes.Broadcast(1f / 5040);
        series = TLanes.MultiplyAdd(series, r, TLanes.Broadcast(1f / 720));
        series = TLanes.MultiplyAdd(series, r, TLanes.Broadcast(1f / 120));
        series = TLanes.MultiplyAdd(series, r, TLanes.Broadcast(1f / 24));
        series = TLanes.MultiplyAdd(series, r, TLanes.Broadcast(1f / 6));
        series = TLanes.MultiplyAdd(series, r, TLanes.Broadcast(0.5f));
        series = TLanes.MultiplyAdd(series, r, TLanes.Broadcast(1f));
        series = TLanes.MultiplyAdd(series, r, TLanes.Broadcast(1f));
        return series * TLanes.PowerOfTwo(k);
    }
}
