namespace GoSeqZero.Bench.Kernels;

internal static class AttentionBenchmark
{
    public static int Run(string[] args) => throw new NotImplementedException("PLACEHOLDER");
}
