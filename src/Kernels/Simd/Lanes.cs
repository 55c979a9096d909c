using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace GoSeqZero.Kernels.Simd;

/// <summary>
/// The vector operations of the SIMD kernels (rows, output, attention, decode), over one register of float lanes.
/// Each kernel is written once, generic over an implementing struct, and the JIT compiles a separate, fully inlined
/// copy for <see cref="Lanes512"/> (AVX-512) and <see cref="Lanes256"/> (the AVX2 fallback).
/// </summary>
internal unsafe interface ILanes<TSelf> where TSelf : unmanaged, ILanes<TSelf>
{
    /// <summary>Lanes per register: 16 or 8, so a register never straddles a 32-bit mask word.</summary>
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
    static abstract TSelf Sqrt(TSelf x);

    /// <summary>
    /// <paramref name="x"/> limited to [<paramref name="low"/>, <paramref name="high"/>] by the plain min and max
    /// instructions (Min and Max follow IEEE 754 for NaN and −0, which costs several instructions each); NaN stays NaN.
    /// </summary>
    static abstract TSelf Clamp(TSelf x, TSelf low, TSelf high);

    /// <summary>Rounds each lane to the nearest integer (ties to even).</summary>
    static abstract TSelf Round(TSelf x);

    /// <summary>2^k for lanes holding integers k in [−126, 127], built from the exponent bits.</summary>
    static abstract TSelf PowerOfTwo(TSelf integers);

    /// <summary>Lane i takes <paramref name="whenLess"/> where <c>a &lt; b</c>, else <paramref name="otherwise"/>.</summary>
    static abstract TSelf SelectWhereLess(TSelf a, TSelf b, TSelf whenLess, TSelf otherwise);

    /// <summary>Lane i takes <paramref name="whenSet"/> when bit i of <paramref name="bits"/> is set, else <paramref name="otherwise"/>.</summary>
    static abstract TSelf SelectByBits(uint bits, TSelf whenSet, TSelf otherwise);

    /// <summary>The sum of the lanes.</summary>
    float Sum();

    /// <summary>The largest lane.</summary>
    float Maximum();

    /// <summary>The register folded to eight lanes by adding its halves (itself at 256 bits).</summary>
    Vector256<float> FoldTo256();
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
    public static Lanes512 Sqrt(Lanes512 x) => new(Vector512.Sqrt(x._value));

    // x is the second operand of each: where an operand is NaN, vminps and vmaxps return their second.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 Clamp(Lanes512 x, Lanes512 low, Lanes512 high) =>
        new(Vector512.MaxNative(low._value, Vector512.MinNative(high._value, x._value)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 Round(Lanes512 x) => new(Vector512.Round(x._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 PowerOfTwo(Lanes512 integers) =>
        new(Vector512.ShiftLeft(Vector512.ConvertToInt32Native(integers._value) + Vector512.Create(127), 23).AsSingle());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 SelectWhereLess(Lanes512 a, Lanes512 b, Lanes512 whenLess, Lanes512 otherwise) =>
        new(Vector512.ConditionalSelect(Vector512.LessThan(a._value, b._value), whenLess._value, otherwise._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 SelectByBits(uint bits, Lanes512 whenSet, Lanes512 otherwise)
    {
        var laneBits = Vector512.Create(1u, 1u << 1, 1u << 2, 1u << 3, 1u << 4, 1u << 5, 1u << 6, 1u << 7,
            1u << 8, 1u << 9, 1u << 10, 1u << 11, 1u << 12, 1u << 13, 1u << 14, 1u << 15);
        var set = Vector512.GreaterThan(Vector512.Create(bits) & laneBits, Vector512<uint>.Zero).AsSingle();
        return new(Vector512.ConditionalSelect(set, whenSet._value, otherwise._value));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Sum() => Vector512.Sum(_value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Maximum() => new Lanes256(Vector256.Max(_value.GetLower(), _value.GetUpper())).Maximum();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> FoldTo256() => _value.GetLower() + _value.GetUpper();
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
    public static Lanes256 Sqrt(Lanes256 x) => new(Vector256.Sqrt(x._value));

    // x is the second operand of each: where an operand is NaN, vminps and vmaxps return their second.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Clamp(Lanes256 x, Lanes256 low, Lanes256 high) =>
        new(Vector256.MaxNative(low._value, Vector256.MinNative(high._value, x._value)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Round(Lanes256 x) => new(Vector256.Round(x._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 PowerOfTwo(Lanes256 integers) =>
        new(Vector256.ShiftLeft(Vector256.ConvertToInt32Native(integers._value) + Vector256.Create(127), 23).AsSingle());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 SelectWhereLess(Lanes256 a, Lanes256 b, Lanes256 whenLess, Lanes256 otherwise) =>
        new(Vector256.ConditionalSelect(Vector256.LessThan(a._value, b._value), whenLess._value, otherwise._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 SelectByBits(uint bits, Lanes256 whenSet, Lanes256 otherwise)
    {
        var laneBits = Vector256.Create(1u, 1u << 1, 1u << 2, 1u << 3, 1u << 4, 1u << 5, 1u << 6, 1u << 7);
        var set = Vector256.GreaterThan(Vector256.Create(bits) & laneBits, Vector256<uint>.Zero).AsSingle();
        return new(Vector256.ConditionalSelect(set, whenSet._value, otherwise._value));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Sum() => Vector256.Sum(_value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Maximum()
    {
        var half = Vector128.Max(_value.GetLower(), _value.GetUpper());
        return MathF.Max(MathF.Max(half[0], half[1]), MathF.Max(half[2], half[3]));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> FoldTo256() => _value;
}

/// <summary>Functions built from the lane operations, so both vector widths share one implementation.</summary>
internal static class LanesMath
{
    // ln 2 split in two (Cody–Waite): k·Ln2High is exact for the |k| ≤ 127 used here, so r = x − k·ln 2 keeps its bits.
    private const float Log2E = 1.44269504f, Ln2High = 0.693359375f, Ln2Low = -2.12194440e-4f;

    /// <summary>Below this e^x is under float's smallest normal (1.18e-38); <see cref="Exp{TLanes}"/> gives 0 there.</summary>
    private const float Underflow = -87.3f;

    /// <summary>Above this e^x overflows float; <see cref="Exp{TLanes}"/> clamps there (1.65e38).</summary>
    private const float Overflow = 88f;

    /// <summary>
    /// e^x within 0.93 ulp of the float-rounded exact value for x in [−87.3, 88] (scratch check over 4M points against
    /// Math.Exp); exactly 0 below −87.3, so −∞ (a masked score) gives 0; clamped to e^88 = 1.65e38 above, so the
    /// result stays finite; NaN stays NaN. Written here because the runtime's Vector512.Exp measured 3–4× slower per
    /// element on the AVX-512 development machine (slower than memory for GELU) and 1.8 ulp.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TLanes Exp<TLanes>(TLanes x) where TLanes : unmanaged, ILanes<TLanes>
    {
        var underflow = TLanes.Broadcast(Underflow);
        var clamped = TLanes.Clamp(x, underflow, TLanes.Broadcast(Overflow));
        // x = k·ln 2 + r with |r| ≤ ln 2 / 2, so e^x = 2^k · e^r.
        var k = TLanes.Round(clamped * TLanes.Broadcast(Log2E));
        var r = TLanes.MultiplyAdd(k, TLanes.Broadcast(-Ln2High), clamped);
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
        return TLanes.SelectWhereLess(x, underflow, TLanes.Zero, series * TLanes.PowerOfTwo(k));
    }
}
