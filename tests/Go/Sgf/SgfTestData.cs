using GoSeqZero.Go;

namespace GoSeqZero.Tests.Go.Sgf;

internal static class SgfTestData
{
    public static string PathOf(string name) => Path.Combine(AppContext.BaseDirectory, "Data", "Sgf", name);

    public static string Read(string name) => File.ReadAllText(PathOf(name));

    /// <summary>A game of random legal moves; passes are about one move in <paramref name="passOneIn"/>.</summary>
    public static Game RandomGame(int size, int moveCount, int seed, int passOneIn = 12, Game? game = null)
    {
        game ??= new Game(size, 7.5);
        var random = new Random(seed);
        var legal = new int[size * size + 1];
        for (var i = 0; i < moveCount; i++)
        {
            var count = game.Board.LegalMoves(game.ToMove, legal);
            var point = random.Next(passOneIn) == 0 ? Board.PassMove : legal[random.Next(count)];
            game.Play(game.ToMove, game.Board.VertexOf(point));
        }
        return game;
    }
}
