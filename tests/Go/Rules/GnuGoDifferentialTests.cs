using System.Globalization;
using GoSeqZero.Go;
using GoSeqZero.Go.Gtp;
using GoSeqZero.Go.Sgf;
using Xunit.Abstractions;

namespace GoSeqZero.Tests.Go.Rules;

/// <summary>
/// GNU Go 3.8 as an independent referee: random games are played on both our board and GNU Go's, and after every
/// move the legal moves of both colours and the stones must be the same; at the end, GNU Go's final_score must
/// equal our Tromp-Taylor score. Every game also goes through SGF and must read back unchanged.
/// </summary>
public class GnuGoDifferentialTests(ITestOutputHelper output)
{
    private const double Komi = 6.5;

    [Theory]
    [InlineData(5, 80, 11)]
    [InlineData(7, 70, 12)]
    [InlineData(9, 50, 13)]
    public void RandomGamesAgreeWithGnuGoAfterEveryMove(int size, int games, int seed)
    {
        using var gnugo = GnuGo.Start(level: 0, seed: seed);
        var random = new FastRandom((ulong)seed);
        var sgfFolder = Directory.CreateTempSubdirectory($"gnugo-differential-{size}-");
        var positionsCompared = 0;
        var superkoRefusals = 0;
        var captures = 0;
        try
        {
            for (var gameIndex = 0; gameIndex < games; gameIndex++)
            {
                // A cap far above the typical playout length, so games end by two passes and are played out.
                var game = new Game(size, Komi, moveCap: 8 * size * size);
                gnugo.Send($"boardsize {size}");
                gnugo.Send("clear_board");
                gnugo.Send($"komi {Komi.ToString(CultureInfo.InvariantCulture)}");
                while (!game.IsOver)
                {
                    var color = game.ToMove;
                    var point = ChooseMove(game.Board, color, ref random);
                    var vertex = game.Board.VertexOf(point);
                    game.Play(color, vertex);
                    gnugo.Send($"play {color.Letter()} {vertex}");
                    var where = $"{size}x{size} game {gameIndex}, move {game.Moves.Count} ({color} {vertex})";
                    foreach (var side in new[] { Color.Black, Color.White })
                    {
                        var theirStones = gnugo.Send($"list_stones {Name(side)}");
                        if (!Vertices(theirStones).SetEquals(OurStones(game.Board, side)))
                            Assert.Fail($"{where}: {side} stones differ\n{game.Board}\nGNU Go: {theirStones}");
                        var theirs = Vertices(gnugo.Send($"all_legal {Name(side)}"));
                        var ours = OurLegalMoves(game.Board, side);
                        if (!theirs.SetEquals(ours))
                            Assert.Fail($"{where}: legal moves for {side} differ; only ours: {string.Join(' ', ours.Except(theirs))}; only GNU Go's: {string.Join(' ', theirs.Except(ours))}\n{game.Board}");
                        superkoRefusals += CountSuperkoRefusals(game.Board, side);
                    }
                    positionsCompared++;
                }
                Assert.True(game.Board.ConsecutivePasses >= 2, $"{size}x{size} game {gameIndex} hit the move cap instead of ending by passes");
                var theirScore = gnugo.Send("final_score");
                Assert.Equal(game.Result(), theirScore);
                captures += game.Board.CapturedBy(Color.Black) + game.Board.CapturedBy(Color.White);

                var path = Path.Combine(sgfFolder.FullName, $"game-{gameIndex:D3}.sgf");
                SgfWriter.WriteFile(GameRecord.FromGame(game, "random", "random"), path);
                var readBack = SgfReader.ReadFile(path);
                Assert.Equal(game.Moves, readBack.Moves.Select(m => m.Move));
                Assert.Equal(game.Result(), readBack.Result);
                Assert.Equal(game.Result(), readBack.ToGame().Result());
            }
        }
        finally
        {
            sgfFolder.Delete(recursive: true);
        }
        output.WriteLine($"{games} games on {size}x{size}: {positionsCompared} positions compared, {captures} stones captured, {superkoRefusals} superko refusals seen");
        Assert.True(captures > games, "the games should be long enough to capture stones");
        Assert.True(superkoRefusals > 0, "the games should reach positions where superko forbids a move");
    }

    /// <summary>
    /// The light playout policy, except that one move in ten is uniform over every legal point (eye-filling
    /// included) so that suicide and superko situations come up; the pass stays rare until the end.
    /// </summary>
    private static int ChooseMove(Board board, Color color, ref FastRandom random)
    {
        if (random.NextInt(10) != 0) return RandomPlayout.ChooseMove(board, color, ref random);
        Span<int> legal = stackalloc int[board.Size * board.Size + 1];
        var count = board.LegalMoves(color, legal);
        return count > 1 ? legal[random.NextInt(count - 1)] : Board.PassMove;
    }

    private static int CountSuperkoRefusals(Board board, Color color)
    {
        var refusals = 0;
        foreach (var point in board.EmptyPoints)
            if (board.WhyIllegal(color, point)?.Contains("superko", StringComparison.Ordinal) == true) refusals++;
        return refusals;
    }

    private static string Name(Color color) => color == Color.Black ? "black" : "white";

    private static HashSet<Vertex> Vertices(string reply) =>
        reply.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries).Select(text => Vertex.Parse(text, Vertex.MaxSize)).ToHashSet();

    private static HashSet<Vertex> OurStones(Board board, Color color)
    {
        var stones = new HashSet<Vertex>();
        foreach (var point in board.Points)
            if (board[point] == color) stones.Add(board.VertexOf(point));
        return stones;
    }

    private static HashSet<Vertex> OurLegalMoves(Board board, Color color)
    {
        Span<int> legal = stackalloc int[board.Size * board.Size + 1];
        var count = board.LegalMoves(color, legal);
        var moves = new HashSet<Vertex>();
        for (var i = 0; i < count; i++)
            if (legal[i] != Board.PassMove) moves.Add(board.VertexOf(legal[i]));
        return moves;
    }
}
