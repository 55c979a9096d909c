using GoSeqZero.Bench.Go;
using GoSeqZero.Bench.Kernels;
using GoSeqZero.Bench.Micro;
using GoSeqZero.Bench.Transformer;

namespace GoSeqZero.Bench;

/// <summary>
/// Side-by-side measurement programs. Run with
/// <c>dotnet run -c Release --project bench -- NAME [options]</c>; each prints medians and the machine it ran on.
/// </summary>
public static class Program
{
    private static readonly Dictionary<string, (string Help, Func<string[], int> Run)> Benchmarks = new()
    {
        ["playouts"] = ("uniform random playouts per second: --size 9 --seconds 3 --repeats 5", PlayoutBenchmark.Run),
        ["uct"] = ("seconds per genmove of uct:1000 and uct:10000: --size 9 --repeats 5", UctBenchmark.Run),
        ["legal-positions"] = ("count legal positions by enumeration: --size 4", LegalPositionBenchmark.Run),
        ["gemm"] = ("SGEMM GFLOP/s beside OpenBLAS and the measured FMA peak: --device cpu --repeats 7 --json FILE", GemmBenchmark.Run),
        ["attention"] = ("fused attention forward+backward vs naive attention: --device cpu --repeats 5 --json FILE", AttentionBenchmark.Run),
        ["kernel-check"] = ("the tests' kernel checks on any device: --device cuda --scale small|large --filter TEXT", KernelCheckRunner.Run),
        ["train"] = ("training tokens/s and MFU beside PyTorch: --device cpu --layers 6 --channels 256 --batch 8 --tokens 512 --json FILE", TrainBenchmark.Run),
        ["decode"] = ("decode tokens/s with the KV cache vs recomputation (and PyTorch): --batch 8 --length 1024 --json FILE", DecodeBenchmark.Run),
        ["search"] = ("search steps/s, prefill and decode tokens/s, time per phase of the default model: --sizes 5,7,9 --games 16 --mode tree --json FILE", Search.SearchBenchmark.Run),
        ["rowops"] = ("LayerNorm, GELU and AdamW GB/s beside the measured copy bandwidth: --device cpu --json FILE", MemoryBoundBenchmark.Run),
        ["micro"] = (MicroBenchmarks.Help, MicroBenchmarks.Run),
    };

    public static int Main(string[] args)
    {
        if (args.Length == 0 || !Benchmarks.TryGetValue(args[0], out var benchmark))
        {
            Console.Error.WriteLine("usage: dotnet run -c Release --project bench -- BENCHMARK [options]\n");
            foreach (var (name, (help, _)) in Benchmarks) Console.Error.WriteLine($"  {name,-16} {help}");
            return args.Length == 0 || args[0] is "--help" or "-h" ? 0 : 2;
        }
        return benchmark.Run(args[1..]);
    }
}
