using System.Globalization;

namespace GoSeqZero.Go.Gtp;

/// <summary>
/// GNU Go 3.8 as our external opponent and referee: where it lives and the arguments that make it play our rules
/// (area scoring, positional superko, play until all dead stones are captured).
/// </summary>
internal static class GnuGo
{
    public const string DefaultPath = "/usr/games/gnugo";
    /// <summary>Environment variable that overrides <see cref="DefaultPath"/>.</summary>
    public const string PathVariable = "GNUGO";

    /// <summary>$GNUGO when it is set, otherwise <see cref="DefaultPath"/>.</summary>
    public static string ExecutablePath =>
        Environment.GetEnvironmentVariable(PathVariable) is { Length: > 0 } overridden ? overridden : DefaultPath;

    /// <summary>
    /// GTP mode at <paramref name="level"/> (0 is weakest and fastest, 10 is GNU Go's default) with random seed
    /// <paramref name="seed"/>; GNU Go takes seed 0 to mean "pick one at random".
    /// </summary>
    public static IReadOnlyList<string> Arguments(int level, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(level);
        return
        [
            "--mode", "gtp", "--chinese-rules", "--positional-superko", "--capture-all-dead",
            "--level", level.ToString(CultureInfo.InvariantCulture),
            "-r", seed.ToString(CultureInfo.InvariantCulture),
        ];
    }

    /// <summary>Starts GNU Go at <paramref name="executablePath"/> (default <see cref="ExecutablePath"/>) in GTP mode.</summary>
    public static GtpClient Start(int level, int seed, TimeSpan? commandTimeout = null, Action<string>? log = null, string? executablePath = null)
    {
        var path = executablePath ?? ExecutablePath;
        if (!File.Exists(path))
        {
            var source = executablePath is not null ? "as asked" : path == DefaultPath ? "the default location" : $"from ${PathVariable}";
            throw new FileNotFoundException(
                $"GNU Go not found at {path} ({source}); install it with `apt-get install gnugo`, or set {PathVariable} to the path of a gnugo executable",
                path);
        }
        return new GtpClient(path, Arguments(level, seed), commandTimeout, log);
    }
}
