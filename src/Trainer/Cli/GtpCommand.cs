using System.Globalization;
using CommandLine;
using GoSeqZero.Go;
using GoSeqZero.Go.Gtp;
using GoSeqZero.Trainer.Players;

namespace GoSeqZero.Trainer.Cli;

/// <summary>Runs a player as a GTP engine on stdin/stdout, for Sabaki, GoGui, gogui-twogtp or any GTP controller.</summary>
[Verb("gtp", HelpText = "Play as a GTP version 2 engine on stdin/stdout (diagnostics go to stderr).")]
internal sealed class GtpCommand : ICommand
{
    [Option("player", Default = "random", HelpText = "The player that answers genmove. Known: " + PlayerSpec.Known + ".")]
    public string Player { get; set; } = "random";

    [Option("seed", HelpText = "Seed of the player's randomness; a fresh one (written to stderr) when omitted.")]
    public int? Seed { get; set; }

    [Option("size", Default = GtpEngine.DefaultSize, HelpText = "Board size before the controller sends boardsize (2..19).")]
    public int Size { get; set; } = GtpEngine.DefaultSize;

    [Option("komi", Default = GtpEngine.DefaultKomi, HelpText = "Komi before the controller sends komi (-1000..1000).")]
    public double Komi { get; set; } = GtpEngine.DefaultKomi;

    [Option("move-cap", HelpText = "A game counts as over after this many moves (default 3 x size x size).")]
    public int? MoveCap { get; set; }

    public int Run()
    {
        if (Size is < RuleLimits.MinSize or > RuleLimits.MaxSize)
        {
            Console.Error.WriteLine($"--size {Size} is not a board size this engine plays; use {RuleLimits.MinSize}..{RuleLimits.MaxSize}");
            return 2;
        }
        if (MoveCap is < 1)
        {
            Console.Error.WriteLine($"--move-cap {MoveCap} must be at least 1");
            return 2;
        }
        if (!RuleLimits.IsAcceptableKomi(Komi))
        {
            Console.Error.WriteLine($"--komi {Komi.ToString(CultureInfo.InvariantCulture)} is not a komi this engine plays; use a number between {-RuleLimits.MaxKomi} and {RuleLimits.MaxKomi}");
            return 2;
        }
        var seed = Seed ?? Random.Shared.Next();
        Go.Players.IPlayer player;
        try
        {
            player = PlayerSpec.Create(Player, seed);
        }
        // A malformed spec, a missing GNU Go, an engine command line that does not parse or whose program cannot start.
        catch (Exception error) when (error is ArgumentException or FormatException or IOException or GtpException)
        {
            Console.Error.WriteLine($"--player: {error.Message}");
            return 2;
        }
        using (player)
        {
            Console.Error.WriteLine($"goseqzero gtp: player {player.Name}, seed {seed}");
            var engine = new GtpEngine(player, Size, Komi, MoveCap, Console.Error);
            engine.Run(Console.In, Console.Out);
        }
        return 0;
    }
}
