using System.Globalization;
using CommandLine;
using GoSeqZero.Go;
using GoSeqZero.Go.Sgf;
using GoSeqZero.Kernels;
using GoSeqZero.Trainer.Search;
using GoSeqZero.Trainer.Sequences;
using GoSeqZero.Transformer;
using GoSeqZero.Transformer.Checkpoints;

namespace GoSeqZero.Trainer.Cli;

/// <summary>Writes one search step for a position and shows it: heat maps of every row, the children, the moves each player would choose.</summary>
[Verb("show", HelpText = "Run one search step of a checkpoint (or an untrained model) on a position and render it: root estimates, each child, the improved row, and the moves the prior, search and backup players choose.")]
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

    [Option("top-k", Default = 4, HelpText = "How many of the best root moves get a child (or rollout).")]
    public int TopK { get; set; } = 4;

    [Option("mode", Default = SearchMode.Tree, HelpText = "tree or rollout.")]
    public SearchMode Mode { get; set; } = SearchMode.Tree;

    [Option("boards", Default = BoardSource.Rules, HelpText = "Who writes the child boards: rules or imagined.")]
    public BoardSource Boards { get; set; } = BoardSource.Rules;

    [Option("alpha", Default = 1.0, HelpText = "Backup step size α in e' = e + α(backup − e).")]
    public double Alpha { get; set; } = 1;

    [Option("model-improved", Default = false, HelpText = "Let the model write the IMPROVED row itself (the search player), instead of the computed backup.")]
    public bool ModelImproved { get; set; }

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
            var settings = new SearchSettings { TopK = TopK, Mode = Mode, Boards = Boards, Alpha = Alpha, ModelWritesImproved = ModelImproved };
            var game = Position();
            settings = settings with { Komi = game.Komi, TopK = Math.Min(TopK, game.Size * game.Size + 1) };
            settings.Validate();
            using var device = Kernels.Device.Create(Device);
            using var model = LoadModel(device, settings, game.Size);
            var vocabulary = Vocabulary.ForTokenCount(model.Config.VocabularySize);
            using var driver = new SearchDriver(model, vocabulary, settings, batch: 1, maxBoardSize: game.Size);
            var writer = driver.Run([game.Board.Clone()])[0];

            var colour = Colour switch
            {
                "always" => true,
                "never" => false,
                "auto" => !Console.IsOutputRedirected,
                _ => throw new ArgumentException($"--color is auto, always or never, not '{Colour}'"),
            };
            if (CheckpointDirectory is null) Console.WriteLine($"untrained model (seed {Seed}): its values are noise");
            Console.Write(new SearchRenderer(vocabulary, colour).Render(writer.Record!));
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

    private Gpt LoadModel(Kernels.Device device, SearchSettings settings, int size)
    {
        if (CheckpointDirectory is not null)
        {
            var loaded = Checkpoint.Load(CheckpointDirectory, device);
            loaded.Optimizer?.Dispose();
            return loaded.Model;
        }
        var vocabulary = new Vocabulary();
        return new Gpt(device, new ModelConfig
        {
            Layers = 2, Heads = 4, Channels = 64, VocabularySize = vocabulary.Count, PointCount = Vocabulary.PointIdCount,
            ContextLength = settings.MaxTokens(size), Seed = Seed,
        });
    }
}
