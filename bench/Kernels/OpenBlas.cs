using System.Runtime.InteropServices;

namespace GoSeqZero.Bench.Kernels;

/// <summary>
/// OpenBLAS's <c>cblas_sgemm</c>, loaded at run time from Debian's <c>libopenblas0-pthread</c> (libopenblas.so.0), so
/// the GEMM benchmark can put our kernels beside it in one run. Absent library: <see cref="TryLoad"/> says why.
/// </summary>
internal sealed unsafe class OpenBlas : IDisposable
{
    private const int RowMajor = 101, NoTranspose = 111, Transpose = 112;

    /// <summary>Where Debian puts it: on the loader path once the package's alternatives are set, else in its own folder.</summary>
    private static readonly string[] Candidates = ["libopenblas.so.0", "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0"];

    private readonly nint _library;
    private readonly delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> _sgemm;
    private readonly delegate* unmanaged<int, void> _setThreads;

    private OpenBlas(nint library)
    {
        _library = library;
        _sgemm = (delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)NativeLibrary.GetExport(library, "cblas_sgemm");
        _setThreads = (delegate* unmanaged<int, void>)NativeLibrary.GetExport(library, "openblas_set_num_threads");
    }

    /// <summary>The library, or null with <paramref name="reason"/> saying what to install.</summary>
    public static OpenBlas? TryLoad(out string reason)
    {
        foreach (var candidate in Candidates)
        {
            if (!NativeLibrary.TryLoad(candidate, out var library)) continue;
            reason = $"OpenBLAS from {candidate}";
            try
            {
                return new OpenBlas(library);
            }
            catch (EntryPointNotFoundException error)
            {
                NativeLibrary.Free(library);
                reason = $"{candidate} lacks cblas_sgemm or openblas_set_num_threads ({error.Message})";
                return null;
            }
        }
        reason = "libopenblas.so.0 not found: install it with `apt-get install -y libopenblas0-pthread` for the OpenBLAS column";
        return null;
    }

    public void SetThreads(int threads) => _setThreads(threads);

    /// <summary>Row-major <c>C = alpha·op(A)·op(B) + beta·C</c>, the same conventions as <see cref="GoSeqZero.Kernels.GemmSpec"/>.</summary>
    public void Sgemm(bool transposeA, bool transposeB, int m, int n, int k, float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc) =>
        _sgemm(RowMajor, transposeA ? Transpose : NoTranspose, transposeB ? Transpose : NoTranspose, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

    public void Dispose() => NativeLibrary.Free(_library);
}
