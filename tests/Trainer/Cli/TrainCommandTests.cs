using GoSeqZero.Tests.Trainer.Training;
using System.Reflection;
using System.Text.RegularExpressions;
using CommandLine;
using GoSeqZero.Trainer;
using GoSeqZero.Trainer.Cli;
using GoSeqZero.Trainer.Training;

namespace GoSeqZero.Tests.Trainer.Cli;

/// <summary>The train command's options: defaults, checks, and what may change on --resume.</summary>
public partial class TrainCommandTests
{
    private static TrainCommand Parse(params string[] arguments)
    {
        using var parser = new Parser(settings => settings.CaseInsensitiveEnumValues = true);
        TrainCommand? command = null;
        parser.ParseArguments<TrainCommand>(arguments).WithParsed(parsed => command = parsed).WithNotParsed(errors => Assert.Fail(string.Join(", ", errors)));
        return command!;
    }

    private static (int ExitCode, string Errors) Run(TrainCommand command)
    {
        var errors = new StringWriter();
        var exitCode = command.Run(errors, interactive: false, CancellationToken.None);
        return (exitCode, errors.ToString());
    }

    private static TrainSettings Apply(TrainCommand command) =>
        command.GivenOptions().Aggregate(new TrainSettings(), (settings, option) => option.Apply(settings));

    [GeneratedRegex(@"\(default ([^ ():,]+)[):]")]
    private static partial Regex DefaultInHelp();

    [Fact]
    public void EveryDefaultTheHelpNamesIsTheDefaultOfTheSettings()
    {
        var checkedFlags = new List<string>();
        foreach (var property in typeof(TrainCommand).GetProperties())
        {
            var option = property.GetCustomAttribute<OptionAttribute>();
            if (option is null || DefaultInHelp().Match(option.HelpText) is not { Success: true } match || option.LongName == "run-dir") continue;
            var given = Apply(Parse("--" + option.LongName, match.Groups[1].Value));
            Assert.True(given.SameAs(new TrainSettings()), $"--{option.LongName}: the help says the default is {match.Groups[1].Value}; the settings' default differs");
            checkedFlags.Add(option.LongName);
        }
        Assert.Contains("games", checkedFlags);
        Assert.Contains("playouts", checkedFlags);
        Assert.Contains("boards", checkedFlags);
        Assert.Contains("gumbel", checkedFlags);
        Assert.Contains("device", checkedFlags);
        Assert.True(checkedFlags.Count >= 28, $"only {checkedFlags.Count} defaults found in the help: {string.Join(' ', checkedFlags)}");
    }

    [Fact]
    public void TheDefaultsAreValidAndRoundTripThroughConfigJson()
    {
        var settings = new TrainSettings();
        settings.Validate();
        Assert.Equal([5], settings.Run.Sizes);
        Assert.Equal(2, settings.Model.Layers);
        Assert.True(TrainSettings.FromJson(settings.ToJson(), "test").SameAs(settings));
        var curriculum = settings with
        {
            Run = settings.Run with { Sizes = [5, 7], CurriculumSteps = 100, Steps = 300, Minutes = 2.5 },
            Search = settings.Search with { Boards = GoSeqZero.Trainer.Search.BoardSource.Imagined },
            SelfPlay = settings.SelfPlay with { RolloutFraction = 0.5 },
        };
        Assert.True(TrainSettings.FromJson(curriculum.ToJson(), "test").SameAs(curriculum));
        Assert.Contains("\"boards\": \"imagined\"", curriculum.ToJson());
        // config.json nests one object per record.
        var json = System.Text.Json.Nodes.JsonNode.Parse(settings.ToJson())!.AsObject();
        Assert.Equal(["run", "search", "self_play", "model", "optimizer", "losses", "evaluation", "cadence"], json.Select(field => field.Key));
        Assert.Equal(16, json["search"]!["playouts"]!.GetValue<int>());
        // Only settings are written: every field is a property that config.json can set back.
        foreach (var record in typeof(TrainSettings).GetProperties())
            foreach (var field in json[Setting.JsonName(record.Name)]!.AsObject())
                Assert.True(record.PropertyType.GetProperties().Any(p => Setting.JsonName(p.Name) == field.Key && p.SetMethod is not null),
                    $"config.json's {Setting.JsonName(record.Name)}.{field.Key} is not a setting");
    }

    [Fact]
    public void AFlatConfigWrittenBeforeTheRecordsIsReadIntoThem()
    {
        const string flat = """
            { "sizes": [7], "games": 8, "top_k": 24, "playouts": 128, "write_playouts": false, "gumbel": false, "layers": 3,
              "lr": null, "learning_rate": 0.002, "lambda": 0.25, "eval_every": 3000, "eval_players": ["search"], "checkpoint_every": 40,
              "seed": 7, "steps": 13000, "max_size": 7 }
            """;
        var settings = TrainSettings.FromJson(flat.Replace("\"lr\": null, ", ""), "config.json");
        Assert.Equal(new RunSettings { Sizes = [7], Seed = 7, Steps = 13000 }.Sizes, settings.Run.Sizes);
        Assert.Equal((7, 13000), (settings.Run.Seed, settings.Run.Steps));
        Assert.Equal((24, 128, false), (settings.Search.TopK, settings.Search.Playouts, settings.Search.WritePlayouts));
        Assert.Equal((8, false), (settings.SelfPlay.Games, settings.SelfPlay.Gumbel));
        // Written before grounding existed: the run goes on without it.
        Assert.Equal(0, settings.SelfPlay.GroundReplies);
        Assert.Equal((3, 0.002, 0.25), (settings.Model.Layers, settings.Optimizer.LearningRate, settings.Losses.Lambda));
        Assert.Equal((3000, 40), (settings.Evaluation.Every, settings.Cadence.CheckpointEvery));
        Assert.Equal(["search"], settings.Evaluation.Players);
        Assert.Contains("'depth' is not a training setting", Assert.Throws<FormatException>(() => TrainSettings.FromJson("""{ "depth": 3 }""", "config.json")).Message);
        Assert.StartsWith("config.json: --top-k 0", Assert.Throws<FormatException>(() => TrainSettings.FromJson("""{ "search": { "top_k": 0 } }""", "config.json")).Message);
    }

    [Fact]
    public void EveryFlagSetsTheFieldItNamesAndEveryOptionIsAFlag()
    {
        var optionNames = typeof(TrainCommand).GetProperties().Select(p => p.GetCustomAttribute<OptionAttribute>()?.LongName).OfType<string>().ToHashSet();
        optionNames.ExceptWith(["run-dir", "resume"]);
        Assert.Equal(optionNames.Order(), TrainCommand.Flags.Select(f => f.Name).Order());
        var values = new Dictionary<string, string> { ["sizes"] = "5,7", ["rollout-switch"] = "100:0.25", ["boards"] = "imagined", ["outcome-blend"] = "all",
            ["device"] = "cpu", ["learn-unsearched"] = "true", ["eval-players"] = "backup", ["eval-opponents"] = "uct:5", ["size"] = "9", ["seed"] = "5" };
        foreach (var flag in TrainCommand.Flags)
        {
            var property = typeof(TrainCommand).GetProperties().Single(p => p.GetCustomAttribute<OptionAttribute>()?.LongName == flag.Name);
            var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            var value = values.GetValueOrDefault(flag.Name) ?? (type == typeof(bool) ? "false" : type == typeof(double) ? "0.75" : "3");
            var changed = Apply(Parse("--" + flag.Name, value)).FieldsChangedFrom(new TrainSettings()).ToList();
            Assert.Contains(flag.Field, changed);
            Assert.All(changed, field => Assert.StartsWith(flag.Field[..flag.Field.IndexOf('.')], field));
        }
    }

    [Fact]
    public void TheRolloutSwitchChangesTheShareOfRolloutStepsFromItsStepOn()
    {
        var selfPlay = new SelfPlaySettings { RolloutFraction = 1, RolloutSwitchStep = 100, LaterRolloutFraction = 0.25 };
        var settings = new TrainSettings { SelfPlay = selfPlay };
        Assert.Equal([1, 1, 0.25, 0.25], new long[] { 0, 99, 100, 5000 }.Select(selfPlay.RolloutFractionAt));
        Assert.Equal(1, (selfPlay with { RolloutSwitchStep = 0 }).RolloutFractionAt(5000));
        // Tree steps come in later: the context holds them, and imagined boards are allowed.
        Assert.Equal(settings.SearchFor(5, GoSeqZero.Trainer.Sequences.SearchMode.Tree).MaxTokens(5),
            (settings with { SelfPlay = selfPlay with { RolloutFraction = 0, LaterRolloutFraction = 0 } }).ContextLength());
        (settings with { Search = settings.Search with { Boards = GoSeqZero.Trainer.Search.BoardSource.Imagined } }).Validate();
        // The players search as self-play writes: rollout steps only until the switch, tree steps after it.
        Assert.Equal(GoSeqZero.Trainer.Sequences.SearchMode.Rollout, selfPlay.PlayerModeAt(selfPlay.RolloutSwitchStep));
        Assert.Equal(GoSeqZero.Trainer.Sequences.SearchMode.Tree, selfPlay.PlayerModeAt(selfPlay.RolloutSwitchStep + 1));
        var command = Parse(["--rollout-switch", "2000:0.5", "--run-dir", "x"]);
        var parsed = command.GivenOptions().Aggregate(new TrainSettings(), (s, option) => option.Apply(s));
        Assert.Equal((2000, 0.5), (parsed.SelfPlay.RolloutSwitchStep, parsed.SelfPlay.LaterRolloutFraction));
        Assert.True(TrainSettings.FromJson(parsed.ToJson(), "test").SameAs(parsed));
    }

    [Fact]
    public void PlayoutsAndTheLearningRateDecayComeFromTheirFlagsIntoTheSearchAndTheSchedule()
    {
        var parsed = Apply(Parse("--playouts", "8", "--decay-steps", "500", "--lr", "0.002"));
        Assert.Equal((8, 500), (parsed.Search.Playouts, parsed.Optimizer.DecaySteps));
        Assert.Equal(8, parsed.SearchFor(5, GoSeqZero.Trainer.Sequences.SearchMode.Rollout).Playouts);
        Assert.True(TrainSettings.FromJson(parsed.ToJson(), "test").SameAs(parsed));
        using var folder = TinyRuns.NewFolder();
        using var run = TinyRuns.Start(TinyRuns.Settings() with { Optimizer = new OptimizerSettings { LearningRate = 0.002, WarmupSteps = 10, DecaySteps = 500 } }, folder.Path);
            Assert.Equal(500, run.Schedule.DecaySteps);
            Assert.Equal(0.002f, run.Schedule.At(10));
            Assert.Equal(0.0002f, run.Schedule.At(500), 6);
            Assert.Equal(0.0002f, run.Schedule.At(5000), 6);
        }

    [Fact]
    public void ACurriculumMovesToTheNextSizeAfterItsStepsAndStaysOnTheLast()
    {
        var settings = new TrainSettings { Run = new RunSettings { Sizes = [5, 7, 9], CurriculumSteps = 10 } };
        Assert.Equal([5, 5, 7, 7, 9, 9, 9], new long[] { 0, 9, 10, 19, 20, 29, 1000 }.Select(settings.Run.SizeAt));
        Assert.Equal(Math.Max(settings.SearchFor(9, GoSeqZero.Trainer.Sequences.SearchMode.Tree).MaxTokens(9), settings.SearchFor(9, GoSeqZero.Trainer.Sequences.SearchMode.Rollout).MaxTokens(9)), settings.ContextLength());
        Assert.Equal(settings.SearchFor(9, GoSeqZero.Trainer.Sequences.SearchMode.Tree).MaxTokens(9), (settings with { SelfPlay = settings.SelfPlay with { RolloutFraction = 0 } }).ContextLength());
        Assert.Equal(5, Apply(Parse("--sizes", "5,7", "--curriculum-steps", "3")).Run.SizeAt(2));
    }

    [Theory]
    [InlineData("--size 4", "--size 4")]
    [InlineData("--sizes 5,7", "--curriculum-steps 0")]
    [InlineData("--sizes 5,x", "'x' is not a board size")]
    [InlineData("--size 5 --sizes 5,7", "--size and --sizes")]
    [InlineData("--games 0", "--games 0")]
    [InlineData("--top-k 0", "--top-k 0")]
    [InlineData("--rollout-fraction 1.5", "--rollout-fraction 1.5")]
    [InlineData("--rollout-fraction 1 --boards imagined", "rollout steps have no boards to imagine")]
    [InlineData("--rollout-switch 100", "write STEP:FRACTION")]
    [InlineData("--rollout-switch 0:0.5", "write STEP:FRACTION")]
    [InlineData("--rollout-switch 100:2", "the fraction 2 must be between 0 and 1")]
    [InlineData("--rollout-fraction 1 --rollout-switch 100:1 --boards imagined", "rollout steps have no boards to imagine")]
    [InlineData("--channels 100 --heads 8", "--channels 100 must be a positive multiple of --heads 8")]
    [InlineData("--lr 0", "--lr 0")]
    [InlineData("--decay-steps 50 --warmup 100", "--decay-steps 50 must be 0 (no decay) or past the warm-up (100 steps)")]
    [InlineData("--playouts 0", "--playouts 0 must be at least 1")]
    [InlineData("--lambda 2", "--lambda 2")]
    [InlineData("--w-improved 0 --w-prior 0 --w-imagined 0 --w-result 0 --w-child 0", "nothing would be learnt")]
    [InlineData("--temperature -1", "--temperature -1")]
    [InlineData("--steps 0", "--steps 0")]
    [InlineData("--minutes 0", "--minutes 0")]
    [InlineData("--device tpu", "unknown device 'tpu'")]
    public void SettingsThatCannotTrainAreRefusedNamingTheFlag(string arguments, string message)
    {
        // A bound, so that settings wrongly accepted would end the test instead of training on and on.
        string[] bound = arguments.Contains("--steps") ? [] : ["--steps", "1"];
        using var folder = TinyRuns.NewFolder();
        var (exitCode, errors) = Run(Parse([.. arguments.Split(' '), .. bound, "--run-dir", folder.Path]));
        Assert.Equal(2, exitCode);
        Assert.StartsWith("train: ", errors);
        Assert.Contains(message, errors);
    }

    [Fact]
    public void OnResumeTheRunsOwnSettingsCannotChangeButBoundsDeviceAndCadenceCan()
    {
        using var folder = TinyRuns.NewFolder();
        new RunDirectory(folder.Path).WriteConfig(TinyRuns.Settings());

        var (exitCode, errors) = Run(Parse("--resume", folder.Path, "--games", "3"));
            Assert.Equal(2, exitCode);
            Assert.Contains("--games 2 → 3: it cannot change when resuming", errors);
            // The message, the --resume help and the check read one list.
            Assert.Equal("--steps, --minutes, --device, --eval-every, --eval-games, --eval-players, --eval-opponents, --checkpoint-every, --keep-checkpoints, --profile-every, --progress-seconds",
                TrainCommand.ResumableFlags);
            Assert.Contains($"only {TrainCommand.ResumableFlags} may change", errors);
            Assert.Contains(TrainCommand.ResumableFlags, TrainHelpTexts.Resume);

        (exitCode, errors) = Run(Parse("--resume", folder.Path, "--run-dir", folder.Path));
            Assert.Equal(2, exitCode);
            Assert.Contains("--run-dir and --resume", errors);

            // The same value again, and the options that may change, get as far as looking for a checkpoint.
        (exitCode, errors) = Run(Parse("--resume", folder.Path, "--games", "2", "--steps", "9", "--minutes", "1", "--device", "cpu", "--eval-every", "5"));
            Assert.Equal(2, exitCode);
            Assert.Contains("no complete checkpoint to resume from", errors);
        }
}
