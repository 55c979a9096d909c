using System.Runtime.CompilerServices;
using ILGPU;

namespace GoSeqZero.Kernels;

/// <summary>
/// How <see cref="IOps.Sample"/> draws, shared by the SIMD path and the ILGPU kernel so that both draw the same token
/// from the same logits and seed.
/// <para>
/// Gumbel-max: token <c>argmax_j (logit_j / T + G_j)</c> over the candidates, with <c>G_j = −ln(−ln u_j)</c> a standard
/// Gumbel variable, is an exact draw from <c>softmax(logit / T)</c> restricted to the candidates. It needs no prefix sum
/// (an argmax reduction on a GPU) and compares scores rather than summing probabilities, so the two paths agree unless
/// two scores tie to ~1e-15. <c>u_j</c> comes from a counter-based hash of (seed, row, token): no generator state, any row
/// on any thread. Scores are formed in double with <see cref="NaturalLog"/>, built from +, −, ×, ÷ only, so they do not
/// depend on a platform's log.
/// </para>
/// <para>
/// Candidates: every allowed token, or the top k allowed tokens by logit (ties to the lower index) when
/// <c>0 &lt; k &lt; vocabulary</c>; at temperature 0 the draw is the plain argmax (ties to the lower index).
/// </para>
/// </summary>
internal static class OutputSampling
{
    private const ulong Golden = 0x9E3779B97F4A7C15;
    private const double Sqrt2 = 1.4142135623730951;

    // ln 2 split so that exponent·Ln2High is exact for any double exponent.
    private const double Ln2High = 6.93147180369123816490e-01, Ln2Low = 1.90821492927058770002e-10;

    /// <summary>True when token <paramref name="token"/> is allowed by the row's mask words (no mask: every token).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsAllowed(uint maskWord, int token) => ((maskWord >> (token & 31)) & 1) != 0;

    /// <summary>
    /// The top-k order: token i (logit xi) ranks before token j (logit xj) when its logit is larger, or equal with a lower index.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool RanksBefore(float xi, int i, float xj, int j) => xi > xj || (xi == xj && i < j);

    /// <summary>Whether score (a, tokenA) beats (b, tokenB) in the final argmax; token −1 is "no candidate yet".</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Beats(double a, int tokenA, double b, int tokenB) =>
        tokenA >= 0 && (tokenB < 0 || a > b || (a == b && tokenA < tokenB));

    /// <summary>The score a candidate competes with: its logit at temperature 0, else <c>logit / T + Gumbel</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Score(float logit, float temperature, ulong seed, int row, int token) =>
        temperature == 0 ? logit : logit / (double)temperature + Gumbel(seed, row, token);

    /// <summary>A standard Gumbel variable for (seed, row, token): <c>−ln(−ln u)</c> with u uniform in (0, 1).</summary>
    public static double Gumbel(ulong seed, int row, int token) => -NaturalLog(-NaturalLog(Uniform(seed, row, token)));

    /// <summary>A uniform double in (0, 1), never 0 or 1: 53 bits of a SplitMix64-style hash of the counter (row, token), keyed by the seed.</summary>
    public static double Uniform(ulong seed, int row, int token)
    {
        var counter = ((ulong)(uint)row << 32) | (uint)token;
        var bits = Mix(Mix(counter + Golden) ^ seed);
        return ((bits >> 11) + 0.5) * (1.0 / (1UL << 53));
    }

    /// <summary>The SplitMix64 finaliser: a bijection of 64-bit words that spreads every input bit over the output.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }

    /// <summary>
    /// ln x for normal positive x (the noise needs 5e-17 ≤ x ≤ 38): x = m·2^e with m in [√½, √2), then
    /// ln m = 2·atanh(s), s = (m − 1)/(m + 1), |s| ≤ 0.172, whose odd series has converged to double precision by s²³.
    /// </summary>
    public static double NaturalLog(double x)
    {
        var bits = Interop.FloatAsInt(x);
        var exponent = (int)((bits >> 52) & 0x7FF) - 1023;
        var mantissa = Interop.IntAsFloat((bits & 0x000F_FFFF_FFFF_FFFFUL) | 0x3FF0_0000_0000_0000UL);
        if (mantissa > Sqrt2)
        {
            mantissa *= 0.5;
            exponent++;
        }
        var s = (mantissa - 1) / (mantissa + 1);
        var s2 = s * s;
        var series = 1.0 / 23;
        series = series * s2 + 1.0 / 21;
        series = series * s2 + 1.0 / 19;
        series = series * s2 + 1.0 / 17;
        series = series * s2 + 1.0 / 15;
        series = series * s2 + 1.0 / 13;
        series = series * s2 + 1.0 / 11;
        series = series * s2 + 1.0 / 9;
        series = series * s2 + 1.0 / 7;
        series = series * s2 + 1.0 / 5;
        series = series * s2 + 1.0 / 3;
        series = series * s2 + 1;
        return exponent * Ln2High + (2 * s * series + exponent * Ln2Low);
    }
}
