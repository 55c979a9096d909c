using CommandLine;
using GoSeqZero.Trainer.Cli;

namespace GoSeqZero.Trainer;

public static class Program
{
    /// <summary>Every command of the goseqzero program; each is an options class that runs itself.</summary>
    private static readonly Type[] Commands =
    [
        typeof(GtpCommand),
        typeof(MatchCommand),
        typeof(LadderCommand),
        typeof(ProfileCommand),
        typeof(ShowCommand),
        typeof(TrainCommand),
    ];

    public static int Main(string[] args)
    {
        var parser = new Parser(settings =>
        {
            settings.HelpWriter = Console.Error;
            settings.CaseInsensitiveEnumValues = true;
        });
        // No command at all is a request for the list of commands, not a mistake.
        if (args.Length == 0) args = ["--help"];
        return parser.ParseArguments(args, Commands).MapResult(
            (ICommand command) => command.Run(),
            errors => errors.All(e => e.Tag is ErrorType.HelpRequestedError or ErrorType.HelpVerbRequestedError or ErrorType.VersionRequestedError) ? 0 : 2);
    }
}
