using System.Globalization;
using GoSeqZero.Go.Gtp;

namespace GoSeqZero.Go.Players;

/// <summary>
/// A player backed by an external GTP engine. The engine keeps its own board; before each genmove this player
/// brings it in step with the game, sending only the moves it has not seen when the engine's moves are a prefix of
/// the game's, and starting over (boardsize, clear_board, komi) otherwise. The engine's own answer counts as played
/// on its board, so when the caller plays it into the game it is not sent again.
/// </summary>
internal sealed class GtpPlayer : IPlayer
{
    private readonly GtpClient _client;
    /// <summary>The moves on the engine's board, from an empty board of <see cref="_engineSize"/>; null when unknown.</summary>
    private List<Move>? _engineMoves;
    private int _engineSize;
    private double _engineKomi;

    /// <summary>Takes ownership of <paramref name="client"/>: disposing the player stops the engine.</summary>
    public GtpPlayer(GtpClient client, string name)
    {
        _client = client;
        Name = name;
    }

    /// <summary>GNU Go (see <see cref="Gtp.GnuGo"/>) at <paramref name="level"/>, named "gnugo:level".</summary>
    public static GtpPlayer GnuGo(int level, int seed, TimeSpan? commandTimeout = null, Action<string>? log = null) =>
        new(Gtp.GnuGo.Start(level, seed, commandTimeout, log), $"gnugo:{level.ToString(CultureInfo.InvariantCulture)}");

    /// <summary>Any GTP engine, from a shell-like command line such as <c>/usr/games/gnugo --mode gtp --level 3</c>; named "gtp:commandLine".</summary>
    public static GtpPlayer FromCommandLine(string commandLine, TimeSpan? commandTimeout = null, Action<string>? log = null)
    {
        var client = GtpClient.Start(commandLine, commandTimeout, log);
        return new GtpPlayer(client, $"gtp:{client.CommandLine}");
    }

    public string Name { get; }

    public PlayerKind Kind => PlayerKind.External;

    /// <summary>Unknown: the engine searches as it likes, with none of our playouts.</summary>
    public PlayoutBudget? Playouts => null;
    /// <summary>The conversation, for commands beyond move generation (final_score, showboard...).</summary>
    public GtpClient Client => _client;

    public Vertex GenMove(Game game, Color color, CancellationToken cancellation)
    {
        if (game.Setup is not null)
            throw new NotSupportedException($"{Name} cannot start from a setup position: GTP has no command that places stones without playing them; give it a game that starts from an empty board");
        if (!color.IsStone()) throw new ArgumentOutOfRangeException(nameof(color), color, "genmove needs Black or White");
        // GTP colours are case-insensitive; lower case is what engines are most often tested with.
        var colorName = char.ToLowerInvariant(color.Letter());
        try
        {
            var engineMoves = Synchronize(game, cancellation);
            var answer = _client.Send($"genmove {colorName}", cancellation: cancellation);
            var vertex = ParseMove(answer, game.Size, colorName);
            if (!vertex.IsResign) engineMoves.Add(new Move(color, vertex));
            return vertex;
        }
        catch
        {
            // A refused or broken command leaves the engine's board uncertain: start over on the next call.
            _engineMoves = null;
            throw;
        }
    }

    /// <summary>Brings the engine's board to the game's current position; returns the moves it now holds.</summary>
    private List<Move> Synchronize(Game game, CancellationToken cancellation)
    {
        if (_engineMoves is null || _engineSize != game.Size || !IsPrefix(_engineMoves, game.Moves))
        {
            _client.Send($"boardsize {game.Size.ToString(CultureInfo.InvariantCulture)}", cancellation: cancellation);
            _client.Send("clear_board", cancellation: cancellation);
            _client.Send($"komi {PlainNumber.Format(game.Komi)}", cancellation: cancellation);
            _engineSize = game.Size;
            _engineKomi = game.Komi;
            _engineMoves = [];
        }
        if (_engineKomi != game.Komi)
        {
            _client.Send($"komi {PlainNumber.Format(game.Komi)}", cancellation: cancellation);
            _engineKomi = game.Komi;
        }
        for (var index = _engineMoves.Count; index < game.Moves.Count; index++)
        {
            var move = game.Moves[index];
            _client.Send($"play {char.ToLowerInvariant(move.Color.Letter())} {move.Vertex}", cancellation: cancellation);
            _engineMoves.Add(move);
        }
        return _engineMoves;
    }

    private static bool IsPrefix(List<Move> prefix, IReadOnlyList<Move> moves)
    {
        if (prefix.Count > moves.Count) return false;
        for (var index = 0; index < prefix.Count; index++)
            if (prefix[index] != moves[index]) return false;
        return true;
    }

    private Vertex ParseMove(string answer, int size, char colorName)
    {
        if (string.Equals(answer, "resign", StringComparison.OrdinalIgnoreCase)) return Vertex.Resign;
        if (Vertex.TryParse(answer, size, out var vertex)) return vertex;
        throw new GtpException($"{Name} answered '{answer}' to 'genmove {colorName}'; expected a vertex of a {size}x{size} board, pass or resign");
    }

    public void Dispose() => _client.Dispose();
}
