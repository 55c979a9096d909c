namespace GoSeqZero.Bench.Kernels;

internal static class MemoryBoundBenchmark
{
    public static int Run(string[] args) => throw new NotImplementedException("PLACEHOLDER");
}
