using BenchmarkDotNet.Attributes;
using GoSeqZero.Go;

namespace GoSeqZero.Bench.Micro;

/// <summary>One light random playout (<see cref="RandomPlayout.Run"/>) from the empty board to two passes, on one thread.</summary>
[MemoryDiagnoser]
public class PlayoutBenchmarks
{
    [Params(9, 19)]
    public int Size { get; set; }

    private Board _empty = null!, _board = null!;
    private FastRandom _random;

    [GlobalSetup]
    public void CreateTheBoards()
    {
        _empty = new Board(Size);
        _board = new Board(Size);
        _random = new FastRandom(20261129);
    }

    /// <summary>Each call plays a different game (the generator runs on), so the figure is a mean over games.</summary>
    [Benchmark]
    public int RandomPlayoutFromTheEmptyBoard()
    {
        _board.CopyFrom(_empty);
        return RandomPlayout.Run(_board, ref _random);
    }
}
