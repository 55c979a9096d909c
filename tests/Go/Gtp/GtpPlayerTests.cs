using GoSeqZero.Go;
using GoSeqZero.Go.Gtp;
using GoSeqZero.Go.Players;

namespace GoSeqZero.Tests.Go.Gtp;

public class GtpPlayerTests
{
    private static readonly string FakeEngine = Path.Combine(AppContext.BaseDirectory, "Data", "Gtp", "fake-engine.sh");

    private static GtpPlayer FakePlayer(string genmoveAnswer) =>
        new(new GtpClient("/bin/sh", [FakeEngine, "quirky", genmoveAnswer], TimeSpan.FromSeconds(10)), "fake");

    [Fact]
    public void GnuGoPlaysAWholeFiveByFiveGameAgainstItselfThroughAGame()
    {
        var blackLog = new List<string>();
        var whiteLog = new List<string>();
        using var black = GtpPlayer.GnuGo(level: 1, seed: 1, log: blackLog.Add);
        using var white = GtpPlayer.GnuGo(level: 1, seed: 2, log: whiteLog.Add);
        var game = new Game(5, komi: 0.5);
        var resigned = false;
        while (!game.IsOver && !resigned)
        {
            var color = game.ToMove;
            var move = (color == Color.Black ? black : white).GenMove(game, color, CancellationToken.None);
            if (move.IsResign)
            {
                resigned = true;
                continue;
            }
            Assert.True(game.Board.IsLegal(color, move), $"GNU Go played {color} {move}, illegal after {string.Join(' ', game.Moves)}");
            game.Play(color, move);
        }

        Assert.True(resigned || game.Board.ConsecutivePasses == 2, $"game stopped by the move cap: {string.Join(' ', game.Moves)}");
        Assert.Contains(game.Moves, move => !move.Vertex.IsPass);
        // Each engine was set up once and told only its opponent's moves: its own were already on its board.
        Assert.Single(blackLog, line => line == "> clear_board");
        Assert.Single(whiteLog, line => line == "> clear_board");
        Assert.Equal(game.Moves.Count(move => move.Color == Color.White), blackLog.Count(line => line.StartsWith("> play ", StringComparison.Ordinal)));
        Assert.Equal(game.Moves.Count(move => move.Color == Color.Black), whiteLog.Count(line => line.StartsWith("> play ", StringComparison.Ordinal)));
    }

    [Fact]
    public void TheEngineBoardFollowsTheGameWhenTheCallerPlaysADifferentMove()
    {
        using var player = GtpPlayer.GnuGo(level: 1, seed: 1);
        var game = new Game(5, komi: 0.5);
        game.Play(Color.Black, new Vertex(2, 2));
        var suggestion = player.GenMove(game, Color.White, CancellationToken.None);
        var other = new Vertex(0, 0) == suggestion ? new Vertex(4, 4) : new Vertex(0, 0);
        game.Play(Color.White, other);

        var answer = player.GenMove(game, Color.Black, CancellationToken.None);

        Assert.True(answer.IsResign || answer.IsPass || game.Board.IsLegal(Color.Black, answer));
        if (!answer.IsResign) player.Client.Send("undo");
        Assert.Equal("C3", player.Client.Send("list_stones black"));
        Assert.Equal(other.ToString(), player.Client.Send("list_stones white"));
    }

    [Fact]
    public void TheEngineFollowsAKomiChangeAndANewBoardSize()
    {
        var log = new List<string>();
        using var player = GtpPlayer.GnuGo(level: 1, seed: 1, log: log.Add);
        var game = new Game(5, komi: 0.5);
        player.GenMove(game, Color.Black, CancellationToken.None);
        game.Komi = 3.5;
        player.GenMove(game, Color.Black, CancellationToken.None);
        Assert.Equal("3.5", player.Client.Send("get_komi"));

        var larger = new Game(7, komi: 7.5);
        var answer = player.GenMove(larger, Color.Black, CancellationToken.None);
        Assert.True(answer.IsOnBoard(7));
        Assert.Contains("> boardsize 7", log);
        Assert.Equal("7.5", player.Client.Send("get_komi"));
    }

    [Fact]
    public void APlayerFromACommandLineIsNamedAfterIt()
    {
        using var player = GtpPlayer.FromCommandLine("/usr/games/gnugo --mode gtp --level 1");
        Assert.Equal("gtp:/usr/games/gnugo --mode gtp --level 1", player.Name);
        var move = player.GenMove(new Game(5, komi: 0.5), Color.Black, CancellationToken.None);
        Assert.True(move.IsOnBoard(5));
    }

    [Fact]
    public void AGnuGoPlayerIsNamedAfterItsLevel()
    {
        using var player = GtpPlayer.GnuGo(level: 4, seed: 1);
        Assert.Equal("gnugo:4", player.Name);
    }

    [Theory]
    [InlineData("c3", 2, 2)]
    [InlineData("E5", 4, 4)]
    [InlineData("PASS", -1, -1)]
    [InlineData("Resign", -2, -2)]
    public void ReadsTheEnginesMoveInAnyCase(string answer, int x, int y)
    {
        using var player = FakePlayer(answer);
        Assert.Equal(new Vertex(x, y), player.GenMove(new Game(5, komi: 0.5), Color.White, CancellationToken.None));
    }

    [Fact]
    public void AMoveOffTheBoardIsReportedWithWhatWasExpected()
    {
        using var player = FakePlayer("Z9");
        var exception = Assert.Throws<GtpException>(() => player.GenMove(new Game(5, komi: 0.5), Color.Black, CancellationToken.None));
        Assert.Contains("answered 'Z9' to 'genmove b'; expected a vertex of a 5x5 board, pass or resign", exception.Message);
    }

    [Fact]
    public void ASetupPositionIsRefusedClearly()
    {
        using var player = FakePlayer("pass");
        var game = new Game(5, komi: 0.5);
        var stones = new Color[25];
        stones[12] = Color.Black;
        game.SetSetup(stones, Color.White);
        var exception = Assert.Throws<NotSupportedException>(() => player.GenMove(game, Color.White, CancellationToken.None));
        Assert.Contains("setup position", exception.Message);
    }
}
