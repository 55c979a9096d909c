using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace GoSeqZero.Kernels.Simd;

/// <summary>
/// The vector operations the attention kernels are written against, so one generic source compiles to a Vector512 and
/// a Vector256 kernel (the JIT specialises generic methods over struct type arguments, so the calls inline).
/// </summary>
internal unsafe interface IAttentionVector<TVector> where TVector : struct
{
    /// <summary>Floats per vector.</summary>
    static abstract int Count { get; }

    static abstract TVector Zero { get; }

    static abstract TVector Load(float* source);

    static abstract void Store(float* destination, TVector value);

    static abstract TVector Broadcast(float value);

    /// <summary><c>left·right + addend</c> in one rounding.</summary>
    static abstract TVector MultiplyAdd(TVector left, TVector right, TVector addend);

    static abstract TVector Add(TVector left, TVector right);

    static abstract TVector Multiply(TVector left, TVector right);

    static abstract TVector Subtract(TVector left, TVector right);

    static abstract TVector Max(TVector left, TVector right);

    static abstract float MaxAcross(TVector value);

    static abstract float SumAcross(TVector value);

    /// <summary>
    /// e^x to about 2 ulp for x ≤ 0 (softmax arguments), and exactly 0 below −87 (so −∞, a masked score, gives 0).
    /// Hand-written because the runtime's vector Exp measured about 4× slower here.
    /// </summary>
    static abstract TVector Exp(TVector x);
}

/// <summary>Constants of the vector e^x: 2^n·e^r with n = round(x·log₂e) and r = x − n·ln 2 split in two parts for precision.</summary>
internal static class AttentionExpConstants
{
    public const float Log2E = 1.44269504f;
    public const float Ln2High = 0.693145751953125f;
    public const float Ln2Low = 1.428606765330187e-6f;

    /// <summary>Below this e^x is under float's smallest normal; the kernels treat it as 0.</summary>
    public const float Underflow = -87.3f;

    // Taylor coefficients of e^r on |r| ≤ ln2/2: the r⁷ term left out is below 1.3e-7 relative.
    public const float C2 = 1f / 2, C3 = 1f / 6, C4 = 1f / 24, C5 = 1f / 120, C6 = 1f / 720;
}

internal readonly unsafe struct AttentionVector512 : IAttentionVector<Vector512<float>>
{
    public static int Count => Vector512<float>.Count;

    public static Vector512<float> Zero => Vector512<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load(float* source) => Vector512.Load(source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(float* destination, Vector512<float> value) => value.Store(destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Broadcast(float value) => Vector512.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MultiplyAdd(Vector512<float> left, Vector512<float> right, Vector512<float> addend) =>
        Vector512.FusedMultiplyAdd(left, right, addend);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Add(Vector512<float> left, Vector512<float> right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Multiply(Vector512<float> left, Vector512<float> right) => left * right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Subtract(Vector512<float> left, Vector512<float> right) => left - right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Max(Vector512<float> left, Vector512<float> right) => Vector512.Max(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaxAcross(Vector512<float> value) =>
        AttentionVector256.MaxAcross(Vector256.Max(value.GetLower(), value.GetUpper()));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float SumAcross(Vector512<float> value) => Vector512.Sum(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp(Vector512<float> x)
    {
        var clamped = Vector512.Max(x, Vector512.Create(AttentionExpConstants.Underflow));
        var n = Vector512.Round(clamped * Vector512.Create(AttentionExpConstants.Log2E));
        var r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-AttentionExpConstants.Ln2High), clamped);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-AttentionExpConstants.Ln2Low), r);
        var p = Vector512.FusedMultiplyAdd(Vector512.Create(AttentionExpConstants.C6), r, Vector512.Create(AttentionExpConstants.C5));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(AttentionExpConstants.C4));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(AttentionExpConstants.C3));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(AttentionExpConstants.C2));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512<float>.One);
        p = Vector512.FusedMultiplyAdd(p, r, Vector512<float>.One);
        var twoToN = ((Vector512.ConvertToInt32(n) + Vector512.Create(127)) << 23).AsSingle();
        return Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512.Create(AttentionExpConstants.Underflow)), Vector512<float>.Zero, p * twoToN);
    }
}

internal readonly unsafe struct AttentionVector256 : IAttentionVector<Vector256<float>>
{
    public static int Count => Vector256<float>.Count;

    public static Vector256<float> Zero => Vector256<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load(float* source) => Vector256.Load(source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(float* destination, Vector256<float> value) => value.Store(destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Broadcast(float value) => Vector256.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MultiplyAdd(Vector256<float> left, Vector256<float> right, Vector256<float> addend) =>
        Vector256.FusedMultiplyAdd(left, right, addend);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Add(Vector256<float> left, Vector256<float> right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Multiply(Vector256<float> left, Vector256<float> right) => left * right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Subtract(Vector256<float> left, Vector256<float> right) => left - right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Max(Vector256<float> left, Vector256<float> right) => Vector256.Max(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaxAcross(Vector256<float> value)
    {
        var half = Vector128.Max(value.GetLower(), value.GetUpper());
        return MathF.Max(MathF.Max(half.GetElement(0), half.GetElement(1)), MathF.Max(half.GetElement(2), half.GetElement(3)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float SumAcross(Vector256<float> value) => Vector256.Sum(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> x)
    {
        var clamped = Vector256.Max(x, Vector256.Create(AttentionExpConstants.Underflow));
        var n = Vector256.Round(clamped * Vector256.Create(AttentionExpConstants.Log2E));
        var r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-AttentionExpConstants.Ln2High), clamped);
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-AttentionExpConstants.Ln2Low), r);
        var p = Vector256.FusedMultiplyAdd(Vector256.Create(AttentionExpConstants.C6), r, Vector256.Create(AttentionExpConstants.C5));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(AttentionExpConstants.C4));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(AttentionExpConstants.C3));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(AttentionExpConstants.C2));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256<float>.One);
        p = Vector256.FusedMultiplyAdd(p, r, Vector256<float>.One);
        var twoToN = ((Vector256.ConvertToInt32(n) + Vector256.Create(127)) << 23).AsSingle();
        return Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256.Create(AttentionExpConstants.Underflow)), Vector256<float>.Zero, p * twoToN);
    }
}
