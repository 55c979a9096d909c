using System.Globalization;
using System.Text;
using GoSeqZero.Go.Players;
using GoSeqZero.Go.Sgf;

namespace GoSeqZero.Go.Gtp;

/// <summary>
/// The engine side of GTP version 2 (https://www.lysator.liu.se/~gunnar/gtp/): reads commands from a
/// <see cref="TextReader"/>, keeps a <see cref="Game"/>, asks an <see cref="IPlayer"/> for genmove, and answers on a
/// <see cref="TextWriter"/>, flushed after every reply. Besides the standard commands it speaks GNU Go's
/// all_legal, is_legal, list_stones and captures with GNU Go's meaning. No input ends the loop except quit or
/// the end of the input: every failure, the player's included, becomes an error reply.
/// </summary>
internal sealed class GtpEngine
{
    public const int DefaultSize = 19;
    public const double DefaultKomi = 7.5;

    private readonly IPlayer _player;
    private readonly int? _moveCap;
    private readonly TextWriter _log;
    private readonly Dictionary<string, Func<string[], string>> _handlers;
    private readonly List<string> _commandNames = [];
    private readonly TimeLeft?[] _timeLeft = new TimeLeft?[2];
    private bool _quitRequested;
    private CancellationToken _cancellation;

    /// <param name="moveCap">The runaway-game cap for every game this engine sets up; null for the board's default.</param>
    /// <param name="log">Where diagnostics go (never the GTP channel); null for nowhere.</param>
    public GtpEngine(IPlayer player, int size = DefaultSize, double komi = DefaultKomi, int? moveCap = null, TextWriter? log = null)
    {
        if (size is < RuleLimits.MinSize or > RuleLimits.MaxSize)
            throw new ArgumentOutOfRangeException(nameof(size), size, $"board size must be {RuleLimits.MinSize}..{RuleLimits.MaxSize}");
        if (!RuleLimits.IsAcceptableKomi(komi))
            throw new ArgumentOutOfRangeException(nameof(komi), komi, $"komi must be a finite number between {-RuleLimits.MaxKomi} and {RuleLimits.MaxKomi}");
        _player = player;
        _moveCap = moveCap;
        _log = log ?? TextWriter.Null;
        Game = new Game(size, komi, moveCap);
        _handlers = new Dictionary<string, Func<string[], string>>(StringComparer.Ordinal);
        Register("protocol_version", _ => "2");
        Register("name", _ => "GoSeqZero");
        Register("version", _ => $"{typeof(GtpEngine).Assembly.GetName().Version?.ToString(3)} (player {_player.Name})");
        Register("known_command", KnownCommand);
        Register("list_commands", _ => string.Join('\n', _commandNames));
        Register("quit", Quit);
        Register("boardsize", BoardSize);
        Register("clear_board", ClearBoard);
        Register("komi", Komi);
        Register("play", Play);
        Register("genmove", GenMove);
        Register("undo", Undo);
        Register("showboard", _ => "\n" + Game.Board);
        Register("final_score", _ => FinalScore());
        Register("time_settings", TimeSettings);
        Register("time_left", TimeLeftCommand);
        Register("loadsgf", LoadSgf);
        Register("printsgf", PrintSgf);
        Register("all_legal", AllLegal);
        Register("is_legal", IsLegal);
        Register("list_stones", ListStones);
        Register("captures", Captures);
    }

    /// <summary>The game as the controller has set it up and played it so far.</summary>
    public Game Game { get; private set; }

    /// <summary>The time system from the last time_settings, or null when none was given.</summary>
    public TimeControl? TimeControl { get; private set; }

    /// <summary>The time the controller last reported for <paramref name="color"/>, or null when it never did.</summary>
    public TimeLeft? TimeLeftFor(Color color) => _timeLeft[ColorIndex(color)];

    /// <summary>Answers commands until quit or the end of <paramref name="input"/>.</summary>
    /// <param name="cancellation">Handed to the player's genmove.</param>
    public void Run(TextReader input, TextWriter output, CancellationToken cancellation = default)
    {
        _cancellation = cancellation;
        while (!_quitRequested && ReadLine(input) is { } line)
        {
            var response = Execute(line);
            if (response is null) continue;
            output.Write(response);
            output.Flush();
        }
    }

    /// <summary>
    /// Runs one input line and returns the whole response ("=id result" or "?id message", then an empty line),
    /// or null when preprocessing leaves nothing to run.
    /// </summary>
    public string? Execute(string line)
    {
        var words = Preprocess(line).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0) return null;
        string? id = null;
        if (words[0].All(char.IsAsciiDigit))
        {
            // Echoed as the number it is, as GNU Go does ("012" answers "=12"); any length is an id, never a command.
            id = words[0].TrimStart('0') is { Length: > 0 } digits ? digits : "0";
            words = words[1..];
            if (words.Length == 0) return Response(false, id, $"syntax error: a command must follow the id {id}");
        }
        if (!_handlers.TryGetValue(words[0], out var handler)) return Response(false, id, "unknown command");
        try
        {
            return Response(true, id, handler(words[1..]));
        }
        catch (GtpCommandRefusedException error)
        {
            return Response(false, id, error.Message);
        }
        catch (Exception exception)
        {
            _log.WriteLine($"gtp: '{words[0]}' failed: {exception}");
            return Response(false, id, exception.Message);
        }
    }

    /// <summary>
    /// GTP's preprocessing of a line: control characters other than tab removed, everything from '#' on
    /// removed, tabs turned into spaces; the result is trimmed (empty means the line is ignored).
    /// </summary>
    internal static string Preprocess(string line)
    {
        var text = new StringBuilder(line.Length);
        foreach (var character in line)
        {
            if (character == '#') break;
            if (character == '\t') text.Append(' ');
            else if (!char.IsControl(character)) text.Append(character);
        }
        return text.ToString().Trim();
    }

    // Lines end at LF only: a CR is a control character that preprocessing removes, not a line break.
    private static string? ReadLine(TextReader input)
    {
        var line = new StringBuilder();
        int character;
        while ((character = input.Read()) != -1)
        {
            if (character == '\n') return line.ToString();
            line.Append((char)character);
        }
        return line.Length > 0 ? line.ToString() : null;
    }

    // A response never holds an empty line (that would end it early) nor a CR; a multi-line result may start
    // with a line break so that a board lines up under its header.
    private static string Response(bool success, string? id, string text)
    {
        var response = new StringBuilder();
        response.Append(success ? '=' : '?').Append(id).Append(' ');
        if (success)
        {
            var lines = text.Replace("\r", "").Split('\n');
            response.Append(lines[0]);
            foreach (var line in lines.Skip(1).Where(line => line.Trim().Length > 0)) response.Append('\n').Append(line);
        }
        else
        {
            response.Append(text.Replace('\r', ' ').Replace('\n', ' '));
        }
        return response.Append("\n\n").ToString();
    }

    private void Register(string name, Func<string[], string> handler)
    {
        _handlers.Add(name, handler);
        _commandNames.Add(name);
    }

    // ---- administrative commands --------------------------------------------------------------------------

    private string KnownCommand(string[] arguments)
    {
        ExpectArguments(arguments, 1, "known_command COMMAND");
        return _handlers.ContainsKey(arguments[0]) ? "true" : "false";
    }

    private string Quit(string[] arguments)
    {
        _quitRequested = true;
        return "";
    }

    // ---- setup ---------------------------------------------------------------------------------------------

    private string BoardSize(string[] arguments)
    {
        ExpectArguments(arguments, 1, "boardsize SIZE");
        var size = ParseInteger(arguments[0], "board size");
        if (size is < RuleLimits.MinSize or > RuleLimits.MaxSize)
        {
            _log.WriteLine($"gtp: boardsize {size} refused; this engine plays sizes {RuleLimits.MinSize}..{RuleLimits.MaxSize}");
            throw new GtpCommandRefusedException("unacceptable size");
        }
        Game = new Game(size, Game.Komi, _moveCap);
        return "";
    }

    private string ClearBoard(string[] arguments)
    {
        ExpectArguments(arguments, 0, "clear_board");
        Game.Clear();
        return "";
    }

    private string Komi(string[] arguments)
    {
        ExpectArguments(arguments, 1, "komi NUMBER");
        if (!double.TryParse(arguments[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var komi) || !RuleLimits.IsAcceptableKomi(komi))
            throw new GtpCommandRefusedException($"syntax error: komi must be a number between {-RuleLimits.MaxKomi} and {RuleLimits.MaxKomi} such as 7.5, got '{arguments[0]}'");
        Game.Komi = komi;
        return "";
    }

    private string TimeSettings(string[] arguments)
    {
        ExpectArguments(arguments, 3, "time_settings MAIN_TIME BYO_YOMI_TIME BYO_YOMI_STONES");
        TimeControl = new TimeControl(
            ParseNonNegative(arguments[0], "main time"),
            ParseNonNegative(arguments[1], "byo-yomi time"),
            ParseNonNegative(arguments[2], "byo-yomi stones"));
        return "";
    }

    private string TimeLeftCommand(string[] arguments)
    {
        ExpectArguments(arguments, 3, "time_left COLOR SECONDS STONES");
        var color = ParseColor(arguments[0]);
        _timeLeft[ColorIndex(color)] = new TimeLeft(ParseNonNegative(arguments[1], "time left"), ParseNonNegative(arguments[2], "stones left"));
        return "";
    }

    // ---- playing -------------------------------------------------------------------------------------------

    private string Play(string[] arguments)
    {
        ExpectArguments(arguments, 2, "play COLOR VERTEX");
        var color = ParseColor(arguments[0]);
        var vertex = ParseVertex(arguments[1]);
        try
        {
            Game.Play(color, vertex);
        }
        catch (IllegalMoveException illegal)
        {
            _log.WriteLine($"gtp: {illegal.Message}");
            throw new GtpCommandRefusedException("illegal move");
        }
        return "";
    }

    private string GenMove(string[] arguments)
    {
        ExpectArguments(arguments, 1, "genmove COLOR");
        var color = ParseColor(arguments[0]);
        var vertex = _player.GenMove(Game, color, _cancellation);
        if (vertex.IsResign) return vertex.ToString();
        try
        {
            Game.Play(color, vertex);
        }
        catch (IllegalMoveException illegal)
        {
            throw new GtpCommandRefusedException($"player {_player.Name} chose an illegal move: {illegal.Message}");
        }
        return vertex.ToString();
    }

    private string Undo(string[] arguments)
    {
        ExpectArguments(arguments, 0, "undo");
        return Game.Undo() ? "" : throw new GtpCommandRefusedException("cannot undo");
    }

    private string FinalScore() => Game.Result();

    // ---- SGF -----------------------------------------------------------------------------------------------

    /// <summary>
    /// As GNU Go: "loadsgf FILE" replays the whole main line, "loadsgf FILE N" stops before move N (counted from 1,
    /// passes included), "loadsgf FILE VERTEX" stops before the first move at VERTEX. Size and komi come from the file.
    /// </summary>
    private string LoadSgf(string[] arguments)
    {
        if (arguments.Length is < 1 or > 2)
            throw new GtpCommandRefusedException($"syntax error: usage is 'loadsgf FILE [MOVE_NUMBER|VERTEX]', got {arguments.Length} arguments");
        GameRecord record;
        try
        {
            record = SgfReader.ReadFile(arguments[0]);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException)
        {
            throw new GtpCommandRefusedException($"cannot load file: {exception.Message}");
        }
        if (!RuleLimits.IsAcceptableKomi(record.Komi))
            throw new GtpCommandRefusedException(
                $"cannot load file: its komi {record.Komi.ToString(CultureInfo.InvariantCulture)} is not between {-RuleLimits.MaxKomi} and {RuleLimits.MaxKomi}");
        var movesToPlay = arguments.Length == 2 ? MovesBefore(record, arguments[1]) : record.Moves.Count;
        Game = record.ToGame(_moveCap, movesToPlay);
        return Game.ToMove == Color.Black ? "black" : "white";
    }

    private static int MovesBefore(GameRecord record, string stop)
    {
        if (int.TryParse(stop, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var moveNumber))
            return moveNumber >= 1
                ? Math.Min(moveNumber - 1, record.Moves.Count)
                : throw new GtpCommandRefusedException($"syntax error: moves are numbered from 1, got {moveNumber}");
        if (!Vertex.TryParse(stop, record.Size, out var vertex) || vertex.IsPass)
            throw new GtpCommandRefusedException(
                $"syntax error: '{stop}' is neither a move number nor a point of the file's {record.Size}x{record.Size} board");
        for (var i = 0; i < record.Moves.Count; i++)
            if (record.Moves[i].Move.Vertex == vertex) return i;
        return record.Moves.Count;
    }

    /// <summary>As GNU Go: the SGF of the game as the reply, or written to FILE ("-" also means the reply).</summary>
    private string PrintSgf(string[] arguments)
    {
        if (arguments.Length > 1)
            throw new GtpCommandRefusedException($"syntax error: usage is 'printsgf [FILE]', got {arguments.Length} arguments");
        var record = GameRecord.FromGame(Game);
        if (arguments.Length == 0 || arguments[0] == "-") return SgfWriter.Write(record);
        try
        {
            SgfWriter.WriteFile(record, arguments[0]);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new GtpCommandRefusedException($"cannot write file '{arguments[0]}': {exception.Message}");
        }
        return "";
    }

    // ---- GNU Go's position queries -------------------------------------------------------------------------

    private string AllLegal(string[] arguments)
    {
        ExpectArguments(arguments, 1, "all_legal COLOR");
        var color = ParseColor(arguments[0]);
        var board = Game.Board;
        return JoinPoints(point => board.IsLegal(color, point));
    }

    private string IsLegal(string[] arguments)
    {
        ExpectArguments(arguments, 2, "is_legal COLOR VERTEX");
        var color = ParseColor(arguments[0]);
        var vertex = ParseVertex(arguments[1]);
        return Game.Board.IsLegal(color, vertex) ? "1" : "0";
    }

    private string ListStones(string[] arguments)
    {
        ExpectArguments(arguments, 1, "list_stones COLOR");
        var color = ParseColor(arguments[0]);
        var board = Game.Board;
        return JoinPoints(point => board[point] == color);
    }

    private string Captures(string[] arguments)
    {
        ExpectArguments(arguments, 1, "captures COLOR");
        return Game.Board.CapturedBy(ParseColor(arguments[0])).ToString(CultureInfo.InvariantCulture);
    }

    // Vertices in the order GNU Go lists them: rows from the top, each from the left.
    private string JoinPoints(Func<int, bool> include)
    {
        var board = Game.Board;
        var vertices = new List<string>();
        for (var y = board.Size - 1; y >= 0; y--)
            for (var x = 0; x < board.Size; x++)
                if (include(board.PointAt(x, y))) vertices.Add(new Vertex(x, y).ToString());
        return string.Join(' ', vertices);
    }

    // ---- argument parsing ----------------------------------------------------------------------------------

    private static void ExpectArguments(string[] arguments, int count, string usage)
    {
        if (arguments.Length != count)
            throw new GtpCommandRefusedException($"syntax error: usage is '{usage}', got {arguments.Length} argument{(arguments.Length == 1 ? "" : "s")}");
    }

    private static Color ParseColor(string text) =>
        ColorExtensions.TryParse(text, out var color)
            ? color
            : throw new GtpCommandRefusedException($"syntax error: '{text}' is not a colour (b, w, black or white)");

    private Vertex ParseVertex(string text)
    {
        var size = Game.Size;
        return Vertex.TryParse(text, size, out var vertex)
            ? vertex
            : throw new GtpCommandRefusedException($"syntax error: '{text}' is not a vertex of a {size}x{size} board (A1..{new Vertex(size - 1, size - 1)} or pass)");
    }

    private static int ParseInteger(string text, string what) =>
        int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new GtpCommandRefusedException($"syntax error: the {what} must be an integer, got '{text}'");

    private static int ParseNonNegative(string text, string what)
    {
        var value = ParseInteger(text, what);
        return value >= 0 ? value : throw new GtpCommandRefusedException($"syntax error: the {what} must not be negative, got {value}");
    }

    private static int ColorIndex(Color color) => color switch
    {
        Color.Black => 0,
        Color.White => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(color), color, "only Black and White have a clock"),
    };
}

/// <summary>The engine refuses a command; the message is the exact text of its "?" reply.</summary>
internal sealed class GtpCommandRefusedException(string message) : Exception(message);
