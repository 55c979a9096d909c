using GoSeqZero.Go.Players;

namespace GoSeqZero.Trainer.Players;

/// <summary>Turns a player spec from the command line ("random", …) into a player.</summary>
internal static class PlayerSpec
{
    /// <summary>The specs <see cref="Create"/> understands, as a user would type them.</summary>
    public const string Known = "random";

    /// <summary>Creates the player <paramref name="spec"/> names; <paramref name="seed"/> seeds its randomness.</summary>
    /// <exception cref="ArgumentException">The spec names no known player.</exception>
    public static IPlayer Create(string spec, int seed) => spec.Trim().ToLowerInvariant() switch
    {
        "random" => new RandomPlayer(seed),
        _ => throw new ArgumentException($"unknown player '{spec}'; known players: {Known}"),
    };
}
