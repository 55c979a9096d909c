using System.Globalization;
using CommandLine;
using GoSeqZero.Go;
using GoSeqZero.Trainer.Evaluation;
using GoSeqZero.Trainer.Players;

namespace GoSeqZero.Trainer.Cli;

/// <summary>Plays a match between two players and reports wins, win rate and Elo difference with 95% intervals.</summary>
[Verb("match", HelpText = "Play a match between two players, refereed by our rules engine; writes one SGF per game and results.json.")]
internal sealed class MatchCommand : ICommand
{
    [Option("black", Required = true, HelpText = "Program A, Black in even games (0, 2, ...). Known: " + PlayerSpec.Known + ".")]
    public string Black { get; set; } = "";

    [Option("white", Required = true, HelpText = "Program B, White in even games; colours alternate every game.")]
    public string White { get; set; } = "";

    [Option("games", Default = 100, HelpText = "Number of games.")]
    public int Games { get; set; } = 100;

    [Option("size", Default = 9, HelpText = "Board size (2..19).")]
    public int Size { get; set; } = 9;

    [Option("komi", Default = 7.0, HelpText = "Komi added to White's area score.")]
    public double Komi { get; set; } = 7;

    [Option("parallel", HelpText = "Games played at once, each with its own player instances (default: number of cores).")]
    public int? Parallel { get; set; }

    [Option("out", HelpText = "Folder for the SGF files and results.json (default: matches/<timestamp>).")]
    public string? Out { get; set; }

    [Option("move-time-limit", Default = 60.0, HelpText = "Seconds a player may take for one move (and to start); over it, the player loses on time.")]
    public double MoveTimeLimit { get; set; } = 60;

    [Option("move-cap", HelpText = "A game ends and is scored after this many moves (default 3 x size x size).")]
    public int? MoveCap { get; set; }

    [Option("seed", HelpText = "Seed from which every player's seed is derived; a fresh one (printed) when omitted.")]
    public int? Seed { get; set; }

    public int Run()
    {
        if (Size is < 2 or > Vertex.MaxSize) return Fail($"--size {Size} is not a board size; use 2..{Vertex.MaxSize}");
        if (Games < 1) return Fail($"--games {Games} must be at least 1");
        if (Parallel is < 1) return Fail($"--parallel {Parallel} must be at least 1");
        if (!(MoveTimeLimit > 0) || !double.IsFinite(MoveTimeLimit)) return Fail($"--move-time-limit {MoveTimeLimit} must be a positive number of seconds");
        if (MoveCap is < 1) return Fail($"--move-cap {MoveCap} must be at least 1");
        var moveTimeLimit = TimeSpan.FromSeconds(MoveTimeLimit);
        foreach (var (option, spec) in new[] { ("--black", Black), ("--white", White) })
        {
            // A spec that names no player, or an engine that cannot start: either way the match cannot be played.
            var trial = TimedCall.Run(_ =>
            {
                PlayerSpec.Create(spec, 0).Dispose();
                return true;
            }, moveTimeLimit);
            if (trial.TimedOut) return Fail($"{option} {spec}: the player was not ready within the {MoveTimeLimit} s move time limit");
            if (trial.Error is { } error) return Fail($"{option} {spec}: {error.Message}");
        }

        var seed = Seed ?? Random.Shared.Next();
        var output = Out ?? Path.Combine("matches", DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
        var settings = new MatchSettings(Black, White, Games, Size, Komi, Parallel ?? Environment.ProcessorCount, output,
            moveTimeLimit, MoveCap ?? Board.DefaultMoveCap(Size), seed);
        Console.Error.WriteLine($"match: {Games} games of {Black} vs {White} on {Size}x{Size}, seed {seed}, writing to {output}");
        MatchResults results;
        try
        {
            results = new MatchRunner(settings, PlayerSpec.Create, Console.Error).Run();
        }
        catch (IOException error)
        {
            return Fail(error.Message);
        }
        Console.Write(MatchSummary.Format(results));
        return 0;
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"match: {message}");
        return 2;
    }
}
