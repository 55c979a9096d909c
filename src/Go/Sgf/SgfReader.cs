using System.Globalization;
using System.Text;

namespace GoSeqZero.Go.Sgf;

/// <summary>
/// Reads SGF FF[4] text. <see cref="ReadCollection"/> checks the syntax and returns every game tree;
/// <see cref="ReadGame"/> also interprets the main line of the first tree and replays it under our rules, so a
/// record it returns is a legal game. Every problem is an <see cref="SgfFormatException"/> that says where.
/// </summary>
public static class SgfReader
{
    /// <summary>The roots of all game trees in <paramref name="text"/>, with every node, property and variation.</summary>
    public static IReadOnlyList<SgfNode> ReadCollection(string text, string? sourceName = null) => SgfParser.Parse(text, sourceName);

    /// <summary>The main line of the first game tree in <paramref name="text"/>, checked against our rules.</summary>
    public static GameRecord ReadGame(string text, string? sourceName = null)
    {
        var trees = SgfParser.Parse(text, sourceName);
        var record = new MainLineReader(trees[0], sourceName).Read();
        record.ToGame();
        return record;
    }

    /// <summary>
    /// <see cref="ReadGame"/> on a file. The text is read as UTF-8, or as ISO-8859-1 (SGF's default character set)
    /// when it is not valid UTF-8.
    /// </summary>
    public static GameRecord ReadFile(string path)
    {
        var bytes = File.ReadAllBytes(path);
        string text;
        try
        {
            text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            text = Encoding.Latin1.GetString(bytes);
        }
        return ReadGame(text, path);
    }

    /// <summary>Turns the main line of one game tree into a <see cref="GameRecord"/>.</summary>
    private sealed class MainLineReader(SgfNode root, string? sourceName)
    {
        private int _size = 19;
        private double? _komi;
        private string? _rules, _blackPlayer, _whitePlayer, _result, _date;
        private Color[]? _setup;
        private SgfPosition _setupPosition;
        private Color? _playerToMove;
        private readonly List<RecordedMove> _moves = [];
        private readonly List<string> _rootComments = [];

        public GameRecord Read()
        {
            ReadRootOnly();
            foreach (var node in root.MainLine()) ReadNode(node);
            return new GameRecord
            {
                Size = _size,
                Komi = _komi ?? 0,
                Rules = _rules,
                BlackPlayer = _blackPlayer,
                WhitePlayer = _whitePlayer,
                Result = _result,
                Date = _date,
                Setup = _setup,
                PlayerToMove = _playerToMove ?? (_moves.Count > 0 ? _moves[0].Move.Color : Color.Black),
                Moves = _moves.ToArray(),
                RootComment = _rootComments.Count > 0 ? string.Join("\n", _rootComments) : null,
                Tree = root,
                SourceName = sourceName,
                SetupPosition = _setupPosition,
            };
        }

        private void ReadRootOnly()
        {
            if (root.Find("GM") is { } game && SingleValue(game).Text.Trim() != "1")
                throw Error($"this is GM[{game.Values[0].Text}]; expected GM[1], the game of Go", game.Values[0].Position);
            if (root.Find("SZ") is { } size) _size = ParseSize(size);
        }

        private void ReadNode(SgfNode node)
        {
            Move? move = null;
            SgfPosition movePosition = default;
            string? comment = null;
            Dictionary<Vertex, string>? setThisNode = null;
            foreach (var property in node.Properties)
            {
                switch (property.Identifier)
                {
                    case "B" or "W":
                        if (move is not null)
                            throw Error($"this node already holds the move {move.Value.Color.Letter()}; expected one move per node", property.Position);
                        var value = SingleValue(property);
                        if (!SgfCoordinates.TryParseMove(value.Text, _size, out var vertex))
                            throw Error($"expected {SgfCoordinates.DescribePoint(_size)} or an empty value for a pass in property {property.Identifier}, found '{value.Text}'", value.Position);
                        move = new Move(property.Identifier == "B" ? Color.Black : Color.White, vertex);
                        movePosition = value.Position;
                        break;
                    case "AB" or "AW" or "AE":
                        RejectSetupAfterMoves(property);
                        setThisNode ??= [];
                        ReadSetupStones(property, setThisNode);
                        break;
                    case "PL":
                        RejectSetupAfterMoves(property);
                        var player = SingleValue(property);
                        _playerToMove = player.Text switch
                        {
                            "B" => Color.Black,
                            "W" => Color.White,
                            _ => throw Error($"expected PL[B] or PL[W], found PL[{player.Text}]", player.Position),
                        };
                        if (_setup is null)
                        {
                            _setup = new Color[_size * _size];
                            _setupPosition = property.Position;
                        }
                        break;
                    case "C":
                        comment = SingleValue(property).Text;
                        break;
                    case "SZ" when node != root:
                        throw Error("SZ belongs in the root node; expected the board size to be given once, before any move", property.Position);
                    case "KM":
                        var komi = ParseKomi(SingleValue(property));
                        _komi ??= komi;
                        break;
                    case "RU": _rules ??= SingleValue(property).Text; break;
                    case "PB": _blackPlayer ??= SingleValue(property).Text; break;
                    case "PW": _whitePlayer ??= SingleValue(property).Text; break;
                    case "RE": _result ??= SingleValue(property).Text; break;
                    case "DT": _date ??= SingleValue(property).Text; break;
                }
            }
            if (move is not null) _moves.Add(new RecordedMove(move.Value, comment, movePosition));
            else if (comment is null) return;
            else if (_moves.Count == 0) _rootComments.Add(comment);
            else _moves[^1] = _moves[^1] with { Comment = _moves[^1].Comment is null ? comment : _moves[^1].Comment + "\n" + comment };
        }

        private void RejectSetupAfterMoves(SgfProperty property)
        {
            if (_moves.Count > 0)
                throw Error($"setup property {property.Identifier} comes after move {_moves.Count}; expected setup (AB, AW, AE, PL) only before the first move", property.Position);
        }

        private void ReadSetupStones(SgfProperty property, Dictionary<Vertex, string> setThisNode)
        {
            var color = property.Identifier switch { "AB" => Color.Black, "AW" => Color.White, _ => Color.Empty };
            _setup ??= new Color[_size * _size];
            _setupPosition = property.Position;
            var points = new List<Vertex>();
            foreach (var value in property.Values)
            {
                points.Clear();
                if (!SgfCoordinates.TryParsePointList(value.Text, _size, points))
                    throw Error($"expected {SgfCoordinates.DescribePoint(_size)} or a rectangle of them such as aa:cc in property {property.Identifier}, found '{value.Text}'", value.Position);
                foreach (var point in points)
                {
                    if (!setThisNode.TryAdd(point, property.Identifier))
                        throw Error($"point {point.ToSgf(_size)} ({point}) is set by both {setThisNode[point]} and {property.Identifier} in one node; expected each point at most once per node", value.Position);
                    _setup[point.Y * _size + point.X] = color;
                }
            }
        }

        private int ParseSize(SgfProperty property)
        {
            var value = SingleValue(property);
            var parts = value.Text.Split(':');
            var sizes = new int[parts.Length];
            for (var i = 0; i < parts.Length; i++)
                if (parts.Length > 2 || !int.TryParse(parts[i].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out sizes[i]))
                    throw Error($"expected a board size such as SZ[19] or SZ[19:19], found SZ[{value.Text}]", value.Position);
            if (sizes.Length == 2 && sizes[0] != sizes[1])
                throw Error($"the board is {sizes[0]}x{sizes[1]}; expected a square board, SZ[n] or SZ[n:n]", value.Position);
            if (sizes[0] is < RuleLimits.MinSize or > RuleLimits.MaxSize)
                throw Error($"board size {sizes[0]} is not supported; expected SZ between {RuleLimits.MinSize} and {RuleLimits.MaxSize}", value.Position);
            return sizes[0];
        }

        private double ParseKomi(SgfValue value)
        {
            if (!double.TryParse(value.Text.Trim(), NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var komi))
                throw Error($"expected a number for KM such as 7.5 or -3, found KM[{value.Text}]", value.Position);
            return komi;
        }

        private SgfValue SingleValue(SgfProperty property) =>
            property.Values.Count == 1
                ? property.Values[0]
                : throw Error($"property {property.Identifier} has {property.Values.Count} values; expected one", property.Values[1].Position);

        private SgfFormatException Error(string reason, SgfPosition position) => new(reason, position, sourceName);
    }
}
