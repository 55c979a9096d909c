using GoSeqZero.Go;
using GoSeqZero.Trainer.Players;

namespace GoSeqZero.Tests.Players;

public class PlayerSpecTests
{
    [Theory]
    [InlineData("random", "random")]
    [InlineData(" uct:250 ", "uct:250")]
    [InlineData("gnugo:3", "gnugo:3")]
    [InlineData("gtp:\"/usr/games/gnugo --mode gtp --level 0\"", "gtp:/usr/games/gnugo --mode gtp --level 0")]
    public void EachKindOfSpecMakesAPlayerThatPlays(string spec, string expectedName)
    {
        using var player = PlayerSpec.Create(spec, seed: 5);
        Assert.Equal(expectedName, player.Name);
        var game = new Game(5, 0.5);
        game.Play(Color.Black, new Vertex(2, 2));
        var move = player.GenMove(game, Color.White, CancellationToken.None);
        Assert.True(move.IsPass || game.Board.IsLegal(Color.White, move), $"{spec} answered {move}");
    }

    [Theory]
    [InlineData("alphago", "unknown player 'alphago'")]
    [InlineData("uct", "expected the playouts per move")]
    [InlineData("uct:0", "expected the playouts per move")]
    [InlineData("uct:ten", "expected the playouts per move")]
    [InlineData("gnugo:11", "levels go from 0 to 10")]
    [InlineData("gtp:", "give the engine's command line")]
    [InlineData("random:3", "unknown player")]
    public void AMalformedSpecSaysWhatIsWrong(string spec, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => PlayerSpec.Create(spec, seed: 1));
        Assert.Contains(message, error.Message);
    }
}
