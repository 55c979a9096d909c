using System.Globalization;
using System.Reflection;
using System.Text;

namespace GoSeqZero.Go.Sgf;

/// <summary>
/// Writes SGF FF[4] text: a game record as its main line, or any tree with its variations. Plain move nodes
/// run ten to a line; other nodes and each variation start a line; long lines break between properties.
/// </summary>
public static class SgfWriter
{
    private const int MovesPerLine = 10;
    private const int LineWidth = 79;

    /// <summary>"GoSeqZero:version", as the AP property names the program.</summary>
    public static readonly string Application = "GoSeqZero:" + ProgramVersion();

    /// <summary>The record's main line: game information, setup, moves and comments (not <see cref="GameRecord.Tree"/>).</summary>
    public static string Write(GameRecord record) => Write(MainLine(record));

    /// <summary>One game tree with all its variations, as read by <see cref="SgfReader.ReadCollection"/>.</summary>
    public static string Write(SgfNode root) => WriteCollection([root]);

    /// <summary>Several game trees, one after another, as one collection.</summary>
    public static string WriteCollection(IEnumerable<SgfNode> roots)
    {
        var output = new Output();
        foreach (var root in roots) output.WriteTree(root);
        return output.ToString();
    }

    /// <summary>Writes the record to <paramref name="path"/> atomically (see <see cref="AtomicFile.WriteAllText"/>).</summary>
    public static void WriteFile(GameRecord record, string path) => AtomicFile.WriteAllText(path, Write(record));

    /// <summary>The SGF nodes of a record's main line.</summary>
    private static SgfNode MainLine(GameRecord record)
    {
        var size = record.Size;
        var root = new SgfNode();
        root.Add("FF", "4");
        root.Add("GM", "1");
        root.Add("CA", "UTF-8");
        root.Add("AP", Application);
        root.Add("SZ", size.ToString(CultureInfo.InvariantCulture));
        root.Add("KM", PlainNumber.Format(record.Komi));
        AddIfPresent(root, "RU", record.Rules);
        AddIfPresent(root, "PB", record.BlackPlayer);
        AddIfPresent(root, "PW", record.WhitePlayer);
        AddIfPresent(root, "DT", record.Date);
        AddIfPresent(root, "RE", record.Result);
        if (record.Setup is { } setup)
        {
            if (setup.Length != size * size)
                throw new ArgumentException($"the record's setup has {setup.Length} points; expected {size * size} for a {size}x{size} board", nameof(record));
            foreach (var color in (Color[])[Color.Black, Color.White])
            {
                var rectangles = Rectangles(setup, size, color);
                if (rectangles.Length > 0) root.Add(color == Color.Black ? "AB" : "AW", rectangles);
            }
            root.Add("PL", record.PlayerToMove.Letter().ToString());
        }
        AddIfPresent(root, "C", record.RootComment);
        var last = root;
        foreach (var (move, comment, _) in record.Moves)
        {
            if (!move.Vertex.IsPass && !move.Vertex.IsOnBoard(size))
                throw new ArgumentException($"the record's move {move} is neither a pass nor a point of the {size}x{size} board", nameof(record));
            var node = new SgfNode();
            node.Add(move.Color.Letter().ToString(), move.Vertex.ToSgf(size));
            AddIfPresent(node, "C", comment);
            last.Children.Add(node);
            last = node;
        }
        return root;
    }

    private static void AddIfPresent(SgfNode node, string identifier, string? text)
    {
        if (text is not null) node.Add(identifier, text);
    }

    /// <summary>
    /// The stones of <paramref name="color"/> as a compressed point list: greedy rectangles scanned from the
    /// top-left, each as widely then as deeply as the stones allow.
    /// </summary>
    private static string[] Rectangles(Color[] setup, int size, Color color)
    {
        bool Free(int column, int rowFromTop, bool[] covered)
        {
            var index = (size - 1 - rowFromTop) * size + column;
            return setup[index] == color && !covered[index];
        }

        var covered = new bool[setup.Length];
        var values = new List<string>();
        for (var top = 0; top < size; top++)
            for (var left = 0; left < size; left++)
            {
                if (!Free(left, top, covered)) continue;
                var right = left;
                while (right + 1 < size && Free(right + 1, top, covered)) right++;
                var bottom = top;
                while (bottom + 1 < size && Enumerable.Range(left, right - left + 1).All(column => Free(column, bottom + 1, covered))) bottom++;
                for (var row = top; row <= bottom; row++)
                    for (var column = left; column <= right; column++)
                        covered[(size - 1 - row) * size + column] = true;
                var corner = Point(left, top);
                values.Add(right == left && bottom == top ? corner : $"{corner}:{Point(right, bottom)}");
            }
        return values.ToArray();
    }

    private static string Point(int column, int rowFromTop) => $"{(char)('a' + column)}{(char)('a' + rowFromTop)}";

    /// <summary>Text with ']' and '\' escaped, as every SGF value type allows.</summary>
    private static string Escape(string text) => text.Replace("\\", "\\\\").Replace("]", "\\]");

    private static string ProgramVersion()
    {
        var assembly = typeof(SgfWriter).Assembly;
        var version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
                      ?? assembly.GetName().Version?.ToString()
                      ?? "0";
        var metadata = version.IndexOf('+');
        return metadata < 0 ? version : version[..metadata];
    }

    /// <summary>SGF text being built, with the column tracked so lines can be broken between tokens.</summary>
    private sealed class Output
    {
        private readonly StringBuilder _text = new();
        private int _column;
        private bool _lineHasNode;
        private int _movesOnLine;

        public override string ToString() => _text.ToString();

        /// <summary>Writes "(" sequence variations ")", with a stack instead of recursion so any depth works.</summary>
        public void WriteTree(SgfNode root)
        {
            var pending = new Stack<SgfNode?>();
            pending.Push(root);
            while (pending.Count > 0)
            {
                var start = pending.Pop();
                if (start is null)
                {
                    Append(")");
                    continue;
                }
                NewLine();
                Append("(");
                var node = start;
                WriteNode(node);
                while (node.Children.Count == 1)
                {
                    node = node.Children[0];
                    WriteNode(node);
                }
                pending.Push(null);
                for (var i = node.Children.Count - 1; i >= 0; i--) pending.Push(node.Children[i]);
            }
            NewLine();
        }

        private void WriteNode(SgfNode node)
        {
            var isPlainMove = node.Properties is [{ Identifier: "B" or "W", Values.Count: 1 }];
            if (isPlainMove ? _movesOnLine >= MovesPerLine : _lineHasNode) NewLine();
            Append(";");
            _lineHasNode = true;
            foreach (var property in node.Properties)
            {
                for (var i = 0; i < property.Values.Count; i++)
                {
                    var value = "[" + Escape(property.Values[i].Text) + "]";
                    var token = i == 0 ? property.Identifier + value : value;
                    if (_column > 1 && _column + token.Length > LineWidth) NewLine();
                    Append(token);
                }
            }
            if (isPlainMove)
            {
                _movesOnLine++;
            }
            else
            {
                NewLine();
            }
        }

        private void NewLine()
        {
            if (_column > 0) _text.Append('\n');
            _column = 0;
            _movesOnLine = 0;
            _lineHasNode = false;
        }

        private void Append(string token)
        {
            _text.Append(token);
            var lastBreak = token.LastIndexOf('\n');
            _column = lastBreak < 0 ? _column + token.Length : token.Length - lastBreak - 1;
        }
    }
}
