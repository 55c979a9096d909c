using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace GoSeqZero.Kernels;

/// <summary>Which vector width the SIMD kernels use on this machine.</summary>
public static class SimdCapabilities
{
    /// <summary>AVX-512F with hardware-accelerated 512-bit vectors: the Vector512 micro-kernels run.</summary>
    public static bool HasVector512 => Vector512.IsHardwareAccelerated && Avx512F.IsSupported;

    /// <summary>AVX2 with FMA: the Vector256 fallback runs.</summary>
    public static bool HasVector256Fma => Vector256.IsHardwareAccelerated && Fma.IsSupported;

    public static string Describe() => HasVector512 ? "AVX-512" : HasVector256Fma ? "AVX2+FMA" : "scalar fallback";
}
