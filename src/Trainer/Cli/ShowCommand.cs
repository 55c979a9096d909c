using System.Globalization;
using System.Text.RegularExpressions;
using CommandLine;
using GoSeqZero.Go;
using GoSeqZero.Go.Sgf;
using GoSeqZero.Kernels;
using GoSeqZero.Trainer.Players;
using GoSeqZero.Trainer.Search;
using GoSeqZero.Trainer.Sequences;
using GoSeqZero.Trainer.Training;
using GoSeqZero.Transformer;
using GoSeqZero.Transformer.Checkpoints;

namespace GoSeqZero.Trainer.Cli;

/// <summary>
/// Writes one search step for a position and shows it: heat maps of every row, the children, the moves each player
/// would choose. With --tokens it shows a step saved earlier instead, read back through <see cref="SequenceParser"/>.
/// </summary>
[Verb("show", HelpText = "Run one search step of a checkpoint (or an untrained model) on a position and render it: root estimates, each child, the improved row, and the moves the prior, search and backup players choose. With --tokens, render a saved step instead.")]
internal sealed class ShowCommand : ICommand
{
    [Option("checkpoint", HelpText = "Checkpoint folder to load; without it an untrained model (random weights from --seed) is used.")]
    public string? CheckpointDirectory { get; set; }

    [Option("size", Default = 5, HelpText = "Board size 5..19 (ignored with --sgf).")]
    public int Size { get; set; } = 5;

    [Option("komi", Default = 7.5, HelpText = "Komi (ignored with --sgf, which has its own).")]
    public double Komi { get; set; } = 7.5;

    [Option("moves", Default = "", HelpText = "Moves from the empty board, Black first, as GTP vertices: \"C3 D3 pass\".")]
    public string Moves { get; set; } = "";

    [Option("sgf", HelpText = "Take the position from an SGF game record instead.")]
    public string? Sgf { get; set; }

    [Option("move-number", HelpText = "With --sgf: the position after this many moves (default: the end of the game).")]
    public int? MoveNumber { get; set; }

    // The search options default to how the checkpoint's players search (its player_search), and without a
    // checkpoint to the trainer's defaults (SearchSettings).

    [Option("top-k", HelpText = "How many of the best root moves get a child (or rollout) (default: the checkpoint's, else 4).")]
    public int? TopK { get; set; }

    [Option("mode", HelpText = "tree or rollout (default: the checkpoint's players' mode, else tree).")]
    public SearchMode? Mode { get; set; }

    [Option("playouts", HelpText = "Random playouts per searched move of a rollout step: one is written, their mean follows its RESULT when there are several (default: the checkpoint's, else 16).")]
    public int? Playouts { get; set; }

    [Option("write-playouts", HelpText = "Write the first playout's moves into each rollout block: true or false (default: the checkpoint's, else true; false writes ROLLOUT m RESULT outcome [mean]).")]
    public bool? WritePlayouts { get; set; }

    [Option("boards", HelpText = "Who writes the child boards: rules or imagined (default: the checkpoint's, else rules).")]
    public BoardSource? Boards { get; set; }

    [Option("alpha", HelpText = "Backup step size α in e' = e + α(backup − e) (default: the checkpoint's, else 1).")]
    public double? Alpha { get; set; }

    [Option("model-improved", Default = false, HelpText = "Let the model write the IMPROVED row itself (the search player), instead of the computed backup.")]
    public bool ModelImproved { get; set; }

    [Option("tokens", HelpText = "Render a saved step instead of running one: a file of whitespace-separated token ids, or the token lines of --raw (other lines are skipped). The vocabulary is the checkpoint's with --checkpoint, the default one otherwise.")]
    public string? TokensFile { get; set; }

    [Option("raw", Default = false, HelpText = "Also print every token: index, name, point id and role.")]
    public bool Raw { get; set; }

    [Option("color", Default = "auto", HelpText = "Colour heat maps: auto (when writing to a terminal), always or never.")]
    public string Colour { get; set; } = "auto";

    [Option("device", Default = "auto", HelpText = "auto, cpu, cuda or ilgpu-cpu.")]
    public string Device { get; set; } = "auto";

    [Option("seed", Default = 1, HelpText = "Seed of the untrained model and of the search's randomness.")]
    public int Seed { get; set; } = 1;

    public int Run()
    {
        try
        {
            if (TokensFile is not null) return ShowSaved(TokensFile);
            var game = Position();
            using var device = Kernels.Device.Create(Device);
            var (model, saved) = LoadModel(device, game.Size);
            using var _ = model;
            var settings = SearchFor(saved).ForBoard(game.Size) with { Komi = game.Komi, ModelWritesImproved = ModelImproved };
            settings.Validate();
            var vocabulary = Vocabulary.ForTokenCount(model.Config.VocabularySize);
            using var driver = new SearchDriver(model, vocabulary, settings, batch: 1, maxBoardSize: game.Size);
            var writer = driver.Run([game.Board.Clone()])[0];

            if (CheckpointDirectory is null) Console.WriteLine($"untrained model (seed {Seed}): its values are noise");
            Console.Write(new SearchRenderer(vocabulary, UseColour()).Render(writer.Record!));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{writer.Sequence.Count} tokens, {driver.Statistics.ModelTokens} written by the model"));
            if (Raw)
                for (var i = 0; i < writer.Sequence.Count; i++)
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{i,5} {vocabulary.Name(writer.Sequence.Tokens[i]),-12} point {writer.Sequence.PointIds[i],3}  {writer.Sequence.Roles[i]}"));
            return 0;
        }
        catch (Exception error) when (error is ArgumentException or FormatException or IOException or CheckpointException or IllegalMoveException or InvalidOperationException)
        {
            Console.Error.WriteLine($"show: {error.Message}");
            return 2;
        }
    }

    /// <summary>Renders a step read from <paramref name="path"/>; a sequence that breaks the grammar is refused with where and why.</summary>
    private int ShowSaved(string path)
    {
        var vocabulary = CheckpointDirectory is null
            ? new Vocabulary()
            : Vocabulary.ForTokenCount(Checkpoint.ReadConfig(CheckpointDirectory).VocabularySize);
        var tokens = ReadSavedTokens(path, vocabulary);
        SearchRecord record;
        try
        {
            record = SequenceParser.Parse(tokens, vocabulary);
        }
        catch (SequenceFormatException error)
        {
            if (Raw) Console.Write(SequenceParser.Describe(tokens, vocabulary));
            Console.Error.WriteLine($"show: {path}: not a valid search step: {error.Message}");
            return 2;
        }
        Console.WriteLine($"{path}: {tokens.Length} tokens (values are bucket centres; the computed backup is known only to the writer)");
        Console.Write(new SearchRenderer(vocabulary, UseColour()).Render(record));
        if (Raw) Console.Write(SequenceParser.Describe(tokens, vocabulary));
        return 0;
    }

    /// <summary>A token line of a dump: show --raw ("  12 V_30         point   1  RootEstimate") or SequenceParser.Describe ("   12  V_30          A1    point 1").</summary>
    private static readonly Regex DumpLine = new(@"^\s*(\d+)\s+(<unknown token -?\d+>|\S+)(\s+(\S+\s+)?point\s+\d+(\s+[A-Za-z]+)?)?\s*$", RegexOptions.CultureInvariant);

    private static readonly Regex UnknownToken = new(@"^<unknown token (-?\d+)>$", RegexOptions.CultureInvariant);

    /// <summary>
    /// The tokens saved in <paramref name="path"/>: whitespace-separated token ids, or a dump (any text holding the word
    /// "point", such as the whole output of show --raw) whose token lines are read by name, in index order from 0;
    /// its other lines are skipped.
    /// </summary>
    internal static int[] ReadSavedTokens(string path, Vocabulary vocabulary)
    {
        var text = File.ReadAllText(path);
        var lines = text.Split('\n');
        if (!Regex.IsMatch(text, @"\bpoint\b"))
        {
            var words = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 0) throw new FormatException($"{path}: no tokens (expected whitespace-separated token ids or the token lines of show --raw)");
            return words.Select((word, i) => int.TryParse(word, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var id)
                ? id
                : throw new FormatException($"{path}: word {i + 1}, '{word}', is not a token id")).ToArray();
        }

        var byName = Enumerable.Range(0, vocabulary.Count).ToDictionary(vocabulary.Name);
        var tokens = new List<int>();
        for (var l = 0; l < lines.Length; l++)
        {
            var match = DumpLine.Match(lines[l]);
            if (!match.Success) continue;
            var index = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            if (index != tokens.Count)
                throw new FormatException($"{path}: line {l + 1} holds token {index}, but the next token is {tokens.Count}");
            var name = match.Groups[2].Value;
            if (UnknownToken.Match(name) is { Success: true } unknown) tokens.Add(int.Parse(unknown.Groups[1].Value, CultureInfo.InvariantCulture));
            else if (byName.TryGetValue(name, out var token)) tokens.Add(token);
            else throw new FormatException($"{path}: line {l + 1}: '{name}' is not a token of the vocabulary ({vocabulary.ValueBuckets} value buckets)");
        }
        if (tokens.Count == 0) throw new FormatException($"{path}: no token lines (expected lines like \"   12 V_30         point   1  RootEstimate\" as show --raw prints them)");
        return [.. tokens];
    }

    private bool UseColour() => Colour switch
    {
        "always" => true,
        "never" => false,
        "auto" => !Console.IsOutputRedirected,
        _ => throw new ArgumentException($"--color is auto, always or never, not '{Colour}'"),
    };

    private Game Position()
    {
        if (Sgf is not null)
        {
            var record = SgfReader.ReadFile(Sgf);
            return record.ToGame(moveCount: MoveNumber);
        }
        Vocabulary.CheckBoardSize(Size);
        var game = new Game(Size, Komi);
        foreach (var word in Moves.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!Vertex.TryParse(word, Size, out var vertex)) throw new ArgumentException($"--moves: '{word}' is not a vertex of a {Size}×{Size} board (e.g. C3 or pass)");
            game.Play(game.ToMove, vertex);
        }
        return game;
    }

    /// <summary>The search the flags ask for, starting from <paramref name="saved"/> (the checkpoint's players' search).</summary>
    private SearchSettings SearchFor(SearchSettings saved)
    {
        var settings = Mode is { } mode ? saved.ForMode(mode) : saved;
        return settings with
        {
            TopK = TopK ?? settings.TopK,
            Playouts = Playouts ?? settings.Playouts,
            WritePlayouts = WritePlayouts ?? settings.WritePlayouts,
            Boards = Boards ?? settings.Boards,
            Alpha = Alpha ?? settings.Alpha,
        };
    }

    /// <summary>The checkpoint's model and how its players search, or an untrained model with the default search.</summary>
    private (Gpt Model, SearchSettings Search) LoadModel(Kernels.Device device, int size)
    {
        if (CheckpointDirectory is not null)
        {
            var loaded = Checkpoint.Load(CheckpointDirectory, device);
            loaded.Optimizer?.Dispose();
            return (loaded.Model, ModelPlayer.SearchSettingsOf(loaded.State.Extra));
        }
        // The trainer's own starting point: the same shape and, for the same seed, the same weights, with a context
        // long enough for the search asked for.
        var search = SearchFor(new SearchSettings());
        var context = Math.Max(search.ForMode(SearchMode.Tree).MaxTokens(size), search.ForMode(SearchMode.Rollout).MaxTokens(size));
        return (new Gpt(device, new ModelSettings().ConfigFor(new Vocabulary(), context, Seed)), new SearchSettings());
    }
}
