using System.Globalization;
using GoSeqZero.Go.Gtp;
using GoSeqZero.Go.Players;
using GoSeqZero.Trainer.Sequences;

namespace GoSeqZero.Trainer.Players;

/// <summary>Turns a player spec from the command line ("random", "uct:1000", "gnugo:10", "gtp:\"…\"") into a player.</summary>
internal static class PlayerSpec
{
    /// <summary>The specs <see cref="Create"/> understands, as a user would type them, each with what does its work (<see cref="PlayerKind"/>).</summary>
    public const string Known =
        "random (program), uct:N (program: N random playouts per move on all cores), flat:N (program, flat Monte Carlo: N random playouts for " +
        "every candidate move, on all cores), gnugo:LEVEL (external: GNU Go 0..10), gtp:\"COMMAND LINE\" (external: any GTP engine), " +
        "model:CHECKPOINT:prior|search|backup[:tree|rollout][:top-k=N][:playouts=N] (a trained checkpoint playing from its prior, its own search " +
        "or the computed backup; it searches as its trainer wrote unless :tree or :rollout, :top-k= (moves searched) or :playouts= " +
        "(random playouts per searched move) say otherwise. The prior is model-only, and so are search and backup in tree mode; in rollout " +
        "mode they are playout-assisted: the program runs top-k × playouts random playouts per move and the model reads their means)";

    /// <summary>A model spec taken apart: the checkpoint folder, the row it plays from and what it changes in its search.</summary>
    internal sealed record ModelSpec(string Directory, ModelPlayerKind Kind, ModelPlayer.SearchOverrides Overrides)
    {
        public override string ToString() => $"model:{Directory}:{Kind.ToString().ToLowerInvariant()}{Overrides}";
    }

    /// <summary>Creates the player <paramref name="spec"/> names; <paramref name="seed"/> seeds its randomness.</summary>
    /// <param name="commandTimeout">How long a GTP engine may take to answer one command (default <c>GtpClient.DefaultCommandTimeout</c>).</param>
    /// <exception cref="ArgumentException">The spec names no known player, or its argument is malformed.</exception>
    public static IPlayer Create(string spec, int seed, TimeSpan? commandTimeout = null)
    {
        var (kind, argument) = Split(spec);
        switch (kind)
        {
            case "random":
                if (argument is not null) throw new ArgumentException($"player '{spec}': random takes no argument; write just 'random'");
                return new RandomPlayer(seed);
            case "uct":
                return new UctPlayer(PositiveNumber(spec, argument, "playouts per move"), Environment.ProcessorCount, seed);
            case "flat":
                return new FlatMonteCarloPlayer(PositiveNumber(spec, argument, "playouts per candidate move"), Environment.ProcessorCount, seed);
            case "gnugo":
            {
                var level = PositiveNumber(spec, argument, "level", allowZero: true);
                if (level > 10) throw new ArgumentException($"player '{spec}': GNU Go levels go from 0 to 10");
                return GtpPlayer.GnuGo(level, seed, commandTimeout);
            }
            case "gtp":
            {
                var commandLine = Unquote(argument);
                if (string.IsNullOrWhiteSpace(commandLine))
                    throw new ArgumentException($"player '{spec}': give the engine's command line, e.g. gtp:\"/usr/games/gnugo --mode gtp\"");
                return GtpPlayer.FromCommandLine(commandLine, commandTimeout);
            }
            case "model":
            {
                var model = ParseModel(spec)!;
                if (!Directory.Exists(model.Directory)) throw new ArgumentException($"player '{spec}': no checkpoint folder '{model.Directory}'");
                try
                {
                    return ModelPlayer.Load(model.Directory, model.Kind, overrides: model.Overrides);
                }
                catch (Transformer.Checkpoints.CheckpointException error)
                {
                    throw new ArgumentException($"player '{spec}': {error.Message}", error);
                }
            }
            default:
                throw new ArgumentException($"unknown player '{spec}'; known players: {Known}");
        }
    }

    /// <summary>
    /// The spec as results and ratings key it: trimmed, its kind lower-case, no blanks around the ':'. " GNUGO:10"
    /// and "gnugo:10" are the same player; the argument keeps its case (an engine's command line may need it).
    /// </summary>
    public static string Normalize(string spec)
    {
        var (kind, argument) = Split(spec);
        return argument is null ? kind : $"{kind}:{argument}";
    }

    /// <summary>
    /// The parts of a model spec (<c>model:CHECKPOINT:KIND</c>, then :tree or :rollout, :top-k=N, :playouts=N); null
    /// for a spec of another player.
    /// </summary>
    /// <exception cref="ArgumentException">The spec is a malformed model spec.</exception>
    internal static ModelSpec? ParseModel(string spec)
    {
        var (kind, argument) = Split(spec);
        if (kind != "model") return null;
        // The folder may hold ':' itself, so the options are read from the end.
        var parts = argument?.Split(':') ?? [];
        var overrides = new ModelPlayer.SearchOverrides();
        var kindIndex = parts.Length - 1;
        for (; kindIndex >= 1; kindIndex--)
        {
            var option = parts[kindIndex].Trim();
            if (option.Equals("tree", StringComparison.OrdinalIgnoreCase) || option.Equals("rollout", StringComparison.OrdinalIgnoreCase))
                overrides = overrides with { Mode = Enum.Parse<SearchMode>(option, ignoreCase: true) };
            else if (option.StartsWith("top-k=", StringComparison.OrdinalIgnoreCase))
                overrides = overrides with { TopK = OptionNumber(spec, option, "top-k") };
            else if (option.StartsWith("playouts=", StringComparison.OrdinalIgnoreCase))
                overrides = overrides with { Playouts = OptionNumber(spec, option, "playouts") };
            else break;
        }
        if (kindIndex < 1 || !Enum.TryParse<ModelPlayerKind>(parts[kindIndex], ignoreCase: true, out var playerKind) || int.TryParse(parts[kindIndex], out _))
            throw new ArgumentException($"player '{spec}': expected model:CHECKPOINT:prior, model:CHECKPOINT:search or model:CHECKPOINT:backup, " +
                                        "optionally followed by :tree or :rollout, :top-k=N and :playouts=N");
        return new ModelSpec(string.Join(':', parts[..kindIndex]), playerKind, overrides);
    }

    /// <summary>Whether the player searches on every core, so that games played beside it would compete for them.</summary>
    public static bool UsesAllCores(string spec) => Split(spec).Kind is "uct" or "flat";

    private static (string Kind, string? Argument) Split(string spec)
    {
        var text = spec.Trim();
        var colon = text.IndexOf(':');
        var kind = (colon < 0 ? text : text[..colon]).Trim().ToLowerInvariant();
        var argument = colon < 0 ? null : text[(colon + 1)..].Trim();
        return (kind, argument);
    }

    private static int PositiveNumber(string spec, string? argument, string what, bool allowZero = false)
    {
        if (!int.TryParse(argument, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || (value == 0 && !allowZero))
            throw new ArgumentException($"player '{spec}': expected the {what} as a {(allowZero ? "non-negative" : "positive")} whole number after ':', e.g. {Split(spec).Kind}:{(allowZero ? 5 : 1000)}");
        return value;
    }

    /// <summary>The positive whole number of a model spec's NAME=N option.</summary>
    private static int OptionNumber(string spec, string option, string name)
    {
        var text = option[(name.Length + 1)..];
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value == 0)
            throw new ArgumentException($"player '{spec}': {name}= takes a positive whole number, not '{text}' (e.g. :{name}=8)");
        return value;
    }

    /// <summary>
    /// gtp:"…" may keep its whole command line in one shell word, whose quotes are not part of the command; an
    /// argument of several words (gtp:'/a b/engine' --x 'y') is the command line itself.
    /// </summary>
    private static string? Unquote(string? text) =>
        !string.IsNullOrWhiteSpace(text) && ShellWords.Split(text) is [var word] ? word : text;
}
