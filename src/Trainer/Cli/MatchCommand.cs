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
    [Option("black", Required = true, HelpText = "Program A, Black in games 1, 3, 5, ... Known: " + PlayerSpec.Known + ".")]
    public string Black { get; set; } = "";

    [Option("white", Required = true, HelpText = "Program B, Black in games 2, 4, 6, ...; colours alternate every game.")]
    public string White { get; set; } = "";

    [Option("games", Default = 100, HelpText = "Number of games.")]
    public int Games { get; set; } = 100;

    [Option("size", Default = 9, HelpText = "Board size (2..19).")]
    public int Size { get; set; } = 9;

    [Option("komi", Default = 7.0, HelpText = "Komi added to White's area score.")]
    public double Komi { get; set; } = 7;

    [Option("parallel", HelpText = "Games played at once, each with its own player instances (default: number of cores, "
        + "but 1 when either player is uct, which searches on all cores itself).")]
    public int? Parallel { get; set; }

    [Option("out", HelpText = "Folder for the SGF files and results.json (default: matches/<timestamp>).")]
    public string? Out { get; set; }

    [Option("move-time-limit", Default = 60.0, HelpText = "Seconds a player may take for one move (and to start), at most 86400; over it, the player loses on time.")]
    public double MoveTimeLimit { get; set; } = 60;

    [Option("move-cap", HelpText = "A game ends and is scored after this many moves (default 3 x size x size).")]
    public int? MoveCap { get; set; }

    [Option("seed", HelpText = "Seed from which every player's seed is derived; a fresh one (printed) when omitted.")]
    public int? Seed { get; set; }

    [Option("opening-moves", Default = 0, HelpText = "Moves played at random (the playout policy) before the players take over, the same opening for both colours of each pair of games: variety between deterministic players.")]
    public int OpeningMoves { get; set; }

    public int Run() => Run(Console.Out, Console.Error);

    /// <summary>Runs the match, writing the summary to <paramref name="output"/> and progress and errors to <paramref name="errors"/>.</summary>
    internal int Run(TextWriter output, TextWriter errors)
    {
        int Fail(string message)
        {
            errors.WriteLine($"match: {message}");
            return 2;
        }

        var black = PlayerSpec.Normalize(Black);
        var white = PlayerSpec.Normalize(White);
        var parallel = Parallel ?? DefaultParallel(black, white);
        var moveCap = MoveCap ?? Board.DefaultMoveCap(Size);
        try
        {
            MatchSettings.Validate(Games, Size, Komi, parallel, MoveTimeLimit, moveCap);
        }
        catch (ArgumentException error)
        {
            return Fail(error.Message);
        }
        var seed = Seed ?? Random.Shared.Next();
        var folder = Out ?? Path.Combine("matches", DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
        if (OpeningMoves < 0) return Fail($"--opening-moves {OpeningMoves} cannot be negative");
        var settings = new MatchSettings(black, white, Games, Size, Komi, parallel, folder, TimeSpan.FromSeconds(MoveTimeLimit), moveCap, seed, OpeningMoves);
        PlayerFactory createPlayer = (spec, playerSeed, commandTimeout) => PlayerSpec.Create(spec, playerSeed, commandTimeout);
        var kinds = new List<ProgramKind>();
        foreach (var (option, spec) in new[] { ("--black", black), ("--white", white) })
        {
            // A spec that names no player, or an engine that cannot start: either way the match cannot be played.
            var trial = MatchRunner.StartPlayer(createPlayer, spec, 0, settings);
            if (trial.TimedOut) return Fail($"{option} {spec}: the player was not ready within the {MoveTimeLimit} s move time limit");
            if (trial.Error is { } error) return Fail($"{option} {spec}: {error.Message}");
            kinds.Add(MatchRunner.KindOf(trial.Value));
            MatchRunner.Dispose(trial.Value, settings.MoveTimeLimit);
        }

        errors.WriteLine($"match: {Games} games of {black} [{kinds[0]}] vs {white} [{kinds[1]}] on {Size}x{Size}, {settings.Parallel} at a time, seed {seed}, writing to {folder}");
        MatchResults results;
        try
        {
            results = new MatchRunner(settings, createPlayer, errors).Run();
        }
        catch (MatchOutputException error)
        {
            return Fail($"--out {error.Message}");
        }
        catch (IOException error)
        {
            return Fail(error.Message);
        }
        output.Write(MatchSummary.Format(results));
        return 0;
    }

    /// <summary>
    /// Games at once when --parallel is not given: one per core, but one in all when a player searches on every
    /// core itself, since games beside it would slow it down and inflate its time per move.
    /// </summary>
    internal static int DefaultParallel(string black, string white) =>
        PlayerSpec.UsesAllCores(black) || PlayerSpec.UsesAllCores(white) ? 1 : Environment.ProcessorCount;
}
