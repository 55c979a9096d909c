using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace GoSeqZero.Kernels.Simd;

/// <summary>
/// The vector operations of the output and optimizer kernels (masked softmax, cross-entropy, sum of squares, AdamW),
/// over one register of float lanes. Written once, generic over an implementing struct; the JIT compiles a separate,
/// inlined copy for <see cref="OutputLanes512"/> (AVX-512) and <see cref="OutputLanes256"/> (the AVX2 fallback).
/// Beyond <see cref="ILanes{TSelf}"/> it needs a maximum, a square root and lanes selected by a token mask.
/// </summary>
internal unsafe interface IOutputLanes<TSelf> where TSelf : unmanaged, IOutputLanes<TSelf>
{
    /// <summary>Lanes per register: 16 or 8, so a register never straddles a 32-bit mask word.</summary>
    static abstract int Count { get; }

    static abstract TSelf Broadcast(float value);
    static abstract TSelf Load(float* source);
    void Store(float* destination);

    static abstract TSelf operator +(TSelf a, TSelf b);
    static abstract TSelf operator -(TSelf a, TSelf b);
    static abstract TSelf operator *(TSelf a, TSelf b);
    static abstract TSelf operator /(TSelf a, TSelf b);

    /// <summary><c>a·b + c</c> with one rounding.</summary>
    static abstract TSelf MultiplyAdd(TSelf a, TSelf b, TSelf c);

    static abstract TSelf Max(TSelf a, TSelf b);
    static abstract TSelf Exp(TSelf x);
    static abstract TSelf Sqrt(TSelf x);

    /// <summary>Lane i takes <paramref name="whenSet"/> when bit i of <paramref name="bits"/> is set, else <paramref name="otherwise"/>.</summary>
    static abstract TSelf SelectByBits(uint bits, TSelf whenSet, TSelf otherwise);

    float Sum();
    float Maximum();
}

internal readonly unsafe struct OutputLanes512(Vector512<float> value) : IOutputLanes<OutputLanes512>
{
    private readonly Vector512<float> _value = value;

    public static int Count => Vector512<float>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static OutputLanes512 Broadcast(float value) => new(Vector512.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static OutputLanes512 Load(float* source) => new(Vector512.Load(source));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(float* destination) => _value.Store(destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static OutputLanes512 operator +(OutputLanes512 a, OutputLanes512 b) => new(a._value + b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static OutputLanes512 operator -(OutputLanes512 a, OutputLanes512 b) => new(a._value - b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static OutputLanes512 operator *(OutputLanes512 a, OutputLanes512 b) => new(a._value * b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static OutputLanes512 operator /(OutputLanes512 a, OutputLanes512 b) => new(a._value / b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static OutputLanes512 MultiplyAdd(OutputLanes512 a, OutputLanes512 b, OutputLanes512 c) => new(Vector512.FusedMultiplyAdd(a._value, b._value, c._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static OutputLanes512 Max(OutputLanes512 a, OutputLanes512 b) => new(Vector512.Max(a._value, b._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static OutputLanes512 Exp(OutputLanes512 x) => new(Vector512.Exp(x._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static OutputLanes512 Sqrt(OutputLanes512 x) => new(Vector512.Sqrt(x._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static OutputLanes512 SelectByBits(uint bits, OutputLanes512 whenSet, OutputLanes512 otherwise)
    {
        var laneBits = Vector512.Create(1u, 1u << 1, 1u << 2, 1u << 3, 1u << 4, 1u << 5, 1u << 6, 1u << 7,
            1u << 8, 1u << 9, 1u << 10, 1u << 11, 1u << 12, 1u << 13, 1u << 14, 1u << 15);
        var set = Vector512.GreaterThan(Vector512.Create(bits) & laneBits, Vector512<uint>.Zero).AsSingle();
        return new(Vector512.ConditionalSelect(set, whenSet._value, otherwise._value));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Sum() => Vector512.Sum(_value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Maximum()
    {
        var half = Vector256.Max(_value.GetLower(), _value.GetUpper());
        var quarter = Vector128.Max(half.GetLower(), half.GetUpper());
        return MathF.Max(MathF.Max(quarter[0], quarter[1]), MathF.Max(quarter[2], quarter[3]));
    }
}

internal readonly unsafe struct OutputLanes256(Vector256<float> value) : IOutputLanes<OutputLanes256>
{
    private readonly Vector256<float> _value = value;

    public static int Count => Vector256<float>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static OutputLanes256 Broadcast(float value) => new(Vector256.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static OutputLanes256 Load(float* source) => new(Vector256.Load(source));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(float* destination) => _value.Store(destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static OutputLanes256 operator +(OutputLanes256 a, OutputLanes256 b) => new(a._value + b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static OutputLanes256 operator -(OutputLanes256 a, OutputLanes256 b) => new(a._value - b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static OutputLanes256 operator *(OutputLanes256 a, OutputLanes256 b) => new(a._value * b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static OutputLanes256 operator /(OutputLanes256 a, OutputLanes256 b) => new(a._value / b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static OutputLanes256 MultiplyAdd(OutputLanes256 a, OutputLanes256 b, OutputLanes256 c) => new(Vector256.FusedMultiplyAdd(a._value, b._value, c._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static OutputLanes256 Max(OutputLanes256 a, OutputLanes256 b) => new(Vector256.Max(a._value, b._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static OutputLanes256 Exp(OutputLanes256 x) => new(Vector256.Exp(x._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static OutputLanes256 Sqrt(OutputLanes256 x) => new(Vector256.Sqrt(x._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static OutputLanes256 SelectByBits(uint bits, OutputLanes256 whenSet, OutputLanes256 otherwise)
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
}
