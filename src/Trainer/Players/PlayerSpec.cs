using System.Globalization;
using GoSeqZero.Go.Players;

namespace GoSeqZero.Trainer.Players;

/// <summary>Turns a player spec from the command line ("random", "uct:1000", "gnugo:10", "gtp:\"…\"") into a player.</summary>
internal static class PlayerSpec
{
    /// <summary>The specs <see cref="Create"/> understands, as a user would type them.</summary>
    public const string Known = "random, uct:N (N playouts per move on all cores), gnugo:LEVEL (GNU Go 0..10), gtp:\"COMMAND LINE\" (any GTP engine)";

    /// <summary>Creates the player <paramref name="spec"/> names; <paramref name="seed"/> seeds its randomness.</summary>
    /// <exception cref="ArgumentException">The spec names no known player, or its argument is malformed.</exception>
    public static IPlayer Create(string spec, int seed)
    {
        var text = spec.Trim();
        var colon = text.IndexOf(':');
        var kind = (colon < 0 ? text : text[..colon]).ToLowerInvariant();
        var argument = colon < 0 ? null : text[(colon + 1)..].Trim();
        switch (kind)
        {
            case "random" when argument is null:
                return new RandomPlayer(seed);
            case "uct":
                return new UctPlayer(PositiveNumber(spec, argument, "playouts per move"), Environment.ProcessorCount, seed);
            case "gnugo":
            {
                var level = PositiveNumber(spec, argument, "level", allowZero: true);
                if (level > 10) throw new ArgumentException($"player '{spec}': GNU Go levels go from 0 to 10");
                return GtpPlayer.GnuGo(level, seed);
            }
            case "gtp":
            {
                var commandLine = Unquote(argument);
                if (string.IsNullOrWhiteSpace(commandLine))
                    throw new ArgumentException($"player '{spec}': give the engine's command line, e.g. gtp:\"/usr/games/gnugo --mode gtp\"");
                return GtpPlayer.FromCommandLine(commandLine);
            }
            default:
                throw new ArgumentException($"unknown player '{spec}'; known players: {Known}");
        }
    }

    private static int PositiveNumber(string spec, string? argument, string what, bool allowZero = false)
    {
        if (!int.TryParse(argument, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || (value == 0 && !allowZero))
            throw new ArgumentException($"player '{spec}': expected the {what} as a {(allowZero ? "non-negative" : "positive")} whole number after ':', e.g. {spec.Split(':')[0]}:{(allowZero ? 5 : 1000)}");
        return value;
    }

    /// <summary>gtp:"…" keeps its command line in one shell word; the outer quotes are not part of the command.</summary>
    private static string? Unquote(string? text) =>
        text is { Length: >= 2 } && text[0] == text[^1] && text[0] is '"' or '\'' ? text[1..^1] : text;
}
