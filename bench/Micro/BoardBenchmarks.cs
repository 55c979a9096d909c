using BenchmarkDotNet.Attributes;
using GoSeqZero.Go;

namespace GoSeqZero.Bench.Micro;

/// <summary>
/// The rules engine's two hot operations on the moves of a real game: playing a move through the checked
/// <see cref="Board.Play(Color, int)"/> (empty, not suicide, not a repeated position, then placement and captures), and
/// the legality of every empty point of a middle-game position. Neither may allocate.
/// </summary>
[MemoryDiagnoser]
public class BoardBenchmarks
{
    /// <summary>Moves replayed per call: long enough that resetting the board is a small part of each move's time.</summary>
    private const int MovesPerCall = 64;

    [Params(9, 19)]
    public int Size { get; set; }

    private readonly int[] _moves = new int[MovesPerCall];
    private readonly Color[] _colors = new Color[MovesPerCall];
    private Board _empty = null!, _board = null!, _middleGame = null!;
    private int[] _legalMoves = null!;

    [GlobalSetup]
    public void RecordTheOpeningOfARandomGame()
    {
        _middleGame = new Board(Size);
        var random = new FastRandom(20261129);
        for (var i = 0; i < MovesPerCall; i++)
        {
            _colors[i] = _middleGame.ToMove;
            _moves[i] = RandomPlayout.ChooseMove(_middleGame, _colors[i], ref random);
            _middleGame.PlayLegal(_colors[i], _moves[i]);
        }
        _empty = new Board(Size);
        _board = new Board(Size);
        _legalMoves = new int[Size * Size + 1];
    }

    /// <summary>Time per move: the board is reset from an empty one, then the recorded moves are played with checks.</summary>
    [Benchmark(OperationsPerInvoke = MovesPerCall)]
    public int PlayCheckedMove()
    {
        _board.CopyFrom(_empty);
        for (var i = 0; i < MovesPerCall; i++) _board.Play(_colors[i], _moves[i]);
        return _board.MoveCount;
    }

    /// <summary>Every legal move of the side to move after the recorded opening: each empty point's legality, superko included.</summary>
    [Benchmark]
    public int LegalMovesInTheMiddleGame() => _middleGame.LegalMoves(_middleGame.ToMove, _legalMoves);
}
