using GoSeqZero.Go;
using GoSeqZero.Trainer.Sequences;

namespace GoSeqZero.Trainer.Training;

/// <summary>A search step of a game still being played, waiting for the outcome: the move played from it and that move's improved value.</summary>
internal sealed record PendingStep(StepSample Sample, int Move, double ImprovedValue, Color Mover);

/// <summary>
/// One self-play game in a slot of the batch: the game so far (moves as indices y·n + x, n² for pass) and the
/// search steps written for its moves, which go to the replay buffer with the outcome once it is over.
/// </summary>
internal sealed class SelfPlayGame
{
    private readonly List<int> _moves = [];
    private readonly List<PendingStep> _steps = [];

    public SelfPlayGame(int size, double komi, long number)
    {
        Vocabulary.CheckBoardSize(size);
        Game = new Game(size, komi);
        Number = number;
    }

    /// <summary>The game's number in the run, counted from 1.</summary>
    public long Number { get; }

    public Game Game { get; }

    public int Size => Game.Size;

    public IReadOnlyList<int> Moves => _moves;

    public IReadOnlyList<PendingStep> Steps => _steps;

    public bool IsOver => Game.IsOver;

    /// <summary>Plays <paramref name="move"/> for the side to move, remembering the step it was chosen in.</summary>
    public void Play(int move, StepSample step, double improvedValue)
    {
        var mover = Game.ToMove;
        Game.Play(mover, BoardCodec.VertexOf(move, Size));
        _moves.Add(move);
        _steps.Add(new PendingStep(step, move, improvedValue, mover));
    }

    /// <summary>What the finished game was worth to <paramref name="player"/>: 1 a win, 0 a loss, ½ a draw (Tromp-Taylor, komi).</summary>
    public double OutcomeFor(Color player)
    {
        if (!IsOver) throw new InvalidOperationException($"game {Number} is not over");
        var score = Game.Score();
        return score == 0 ? 0.5 : (score > 0) == (player == Color.Black) ? 1 : 0;
    }

    /// <summary>Rebuilds a game as saved: its moves replayed (superko history included) and its pending steps.</summary>
    public static SelfPlayGame Restore(int size, double komi, long number, IReadOnlyList<int> moves, IReadOnlyList<PendingStep> steps)
    {
        if (steps.Count != moves.Count) throw new InvalidDataException($"game {number}: {moves.Count} moves but {steps.Count} search steps");
        var game = new SelfPlayGame(size, komi, number);
        for (var i = 0; i < moves.Count; i++)
        {
            if (steps[i].Move != moves[i] || steps[i].Mover != game.Game.ToMove)
                throw new InvalidDataException($"game {number}, move {i + 1}: the step says {steps[i].Mover} played {steps[i].Move}, the game {game.Game.ToMove} {moves[i]}");
            try
            {
                game.Game.Play(game.Game.ToMove, BoardCodec.VertexOf(moves[i], game.Size));
            }
            catch (IllegalMoveException error)
            {
                throw new InvalidDataException($"game {number}, move {i + 1}: {error.Message}", error);
            }
            game._moves.Add(moves[i]);
            game._steps.Add(steps[i]);
        }
        return game;
    }
}

/// <summary>How self-play picks its move from the improved values (docs/design.md, "The expert-iteration loop": play).</summary>
internal static class MoveChoice
{
    /// <summary>
    /// A legal move drawn with probability ∝ exp(e'/temperature) from the step's IMPROVED row (the pass only when
    /// <paramref name="passUnlessSearched"/> or the step searched it); at temperature 0 the best searched move
    /// (<see cref="SearchRecord.BestSearchedMove"/>).
    /// </summary>
    public static int Choose(SearchRecord record, Vocabulary vocabulary, double temperature, ref FastRandom random, bool passUnlessSearched = true)
    {
        var improved = record.Improved!;
        var best = record.BestSearchedMove(improved);
        if (best < 0) throw new InvalidOperationException("the step searched no move");
        if (temperature == 0) return best;
        var weights = new double[improved.Values.Length];
        var sum = 0.0;
        for (var move = 0; move < weights.Length; move++)
        {
            if (!improved.IsLegal(move, vocabulary)) continue;
            if (move == record.PassMove && !passUnlessSearched && !record.SearchedMoves.Contains(move)) continue;
            weights[move] = Math.Exp((improved.Values[move] - improved.Values[best]) / temperature);
            sum += weights[move];
        }
        var u = random.NextDouble() * sum;
        for (var move = 0; move < weights.Length; move++)
        {
            if (weights[move] == 0) continue;
            u -= weights[move];
            if (u < 0) return move;
        }
        return best;
    }
}
