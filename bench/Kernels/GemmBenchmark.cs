namespace GoSeqZero.Bench.Kernels;

internal static class GemmBenchmark
{
    public static int Run(string[] args) => throw new NotImplementedException("PLACEHOLDER");
}
