using GoSeqZero.Go;
using GoSeqZero.Trainer.Search;
using GoSeqZero.Trainer.Sequences;

namespace GoSeqZero.Tests.Trainer.Sequences;

/// <summary>An answer to one of the writer's decisions: the token written and, for values, the expected value behind it.</summary>
internal readonly record struct ScriptedAnswer(int Token, double Value);

/// <summary>
/// Drives a <see cref="SearchWriter"/> without a model: a script answers every decision. The script is told which row
/// the decision belongs to (0 the root EST row, then one per EST row of a child in order, then the IMPROVED row when the
/// model writes it), so hand-made examples can give each child known values.
/// </summary>
internal static class ScriptedSearch
{
    public static SearchWriter Write(Board root, SearchSettings settings, Func<int, Decision, ScriptedAnswer> script, ulong seed = 1, Vocabulary? vocabulary = null)
    {
        var writer = new SearchWriter(vocabulary ?? new Vocabulary(), settings);
        var row = 0;
        foreach (var decision in writer.Write(root, seed))
        {
            var answer = script(row, decision);
            writer.Answer(answer.Token, answer.Value);
            if (decision.Kind == DecisionKind.Value && decision.PointId == Vocabulary.PassPointId) row++;
        }
        return writer;
    }

    /// <summary>What an untrained model does: a random expected value written as its bucket; a random point state.</summary>
    public static Func<int, Decision, ScriptedAnswer> RandomAnswers(Vocabulary vocabulary, int seed)
    {
        var random = new Random(seed);
        return (_, decision) =>
        {
            if (decision.Kind == DecisionKind.BoardPoint) return new ScriptedAnswer(Vocabulary.Empty + random.Next(3), double.NaN);
            var value = random.NextDouble();
            return new ScriptedAnswer(vocabulary.ValueToken(vocabulary.Bucket(value)), value);
        };
    }

    /// <summary>The value of bucket <paramref name="bucket"/> written exactly: its token and its centre.</summary>
    public static ScriptedAnswer Bucket(Vocabulary vocabulary, int bucket) => new(vocabulary.ValueToken(bucket), vocabulary.BucketCenter(bucket));

    /// <summary>A position reached by <paramref name="moves"/> random playout moves from the empty board (no two passes in a row).</summary>
    public static Board RandomPosition(int size, int moves, ulong seed)
    {
        var board = new Board(size);
        var random = new FastRandom(seed);
        for (var i = 0; i < moves; i++)
        {
            var point = RandomPlayout.ChooseMove(board, board.ToMove, ref random);
            if (point == Board.PassMove && board.ConsecutivePasses > 0) break;
            board.PlayLegal(board.ToMove, point);
        }
        return board;
    }

    /// <summary>Plays GTP moves alternately from Black, e.g. "C3 C4 B4 pass".</summary>
    public static Board Play(int size, string moves)
    {
        var board = new Board(size);
        foreach (var vertex in moves.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            board.Play(board.ToMove, Vertex.Parse(vertex, size));
        return board;
    }

    /// <summary>The move index y·n + x of a GTP vertex (n² for pass), as rows and records number moves.</summary>
    public static int MoveIndex(string vertex, int size)
    {
        var parsed = Vertex.Parse(vertex, size);
        return parsed.IsPass ? size * size : parsed.Y * size + parsed.X;
    }
}
