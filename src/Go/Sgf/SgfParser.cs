using System.Text;

namespace GoSeqZero.Go.Sgf;

/// <summary>
/// The syntax of SGF FF[4]: Collection = GameTree+, GameTree = "(" Sequence GameTree* ")", Sequence = Node+,
/// Node = ";" Property*, Property = UcLetter+ Value+, Value = "[" text "]". It builds the trees and checks
/// nothing about what the properties mean. Nesting is followed with an explicit stack, so deeply nested
/// variations cannot overflow the call stack.
/// </summary>
internal sealed class SgfParser
{
    private readonly string _text;
    private readonly string? _sourceName;
    private int _index;
    private int _line = 1;
    private int _column = 1;

    private SgfParser(string text, string? sourceName)
    {
        _text = text;
        _sourceName = sourceName;
        if (_text.Length > 0 && _text[0] == '\uFEFF') _index = 1;
    }

    /// <summary>Reads every game tree of <paramref name="text"/>; throws <see cref="SgfFormatException"/> on any syntax error.</summary>
    public static IReadOnlyList<SgfNode> Parse(string text, string? sourceName) => new SgfParser(text, sourceName).ParseCollection();

    /// <summary>A game tree being read: where its '(' stood and the node its next node or variation hangs from.</summary>
    private sealed class OpenTree(SgfPosition opening, SgfNode? last)
    {
        public SgfPosition Opening { get; } = opening;
        public SgfNode? Last { get; set; } = last;
    }

    private bool AtEnd => _index >= _text.Length;
    private char Current => _text[_index];
    private SgfPosition Here => new(_line, _column);

    private List<SgfNode> ParseCollection()
    {
        var roots = new List<SgfNode>();
        var open = new Stack<OpenTree>();
        while (true)
        {
            SkipWhitespace();
            if (open.Count == 0)
            {
                if (AtEnd && roots.Count > 0) return roots;
                if (AtEnd || Current != '(')
                    throw Error(roots.Count == 0 ? "expected '(' to start a game tree" : "expected '(' to start another game tree or the end of the file");
                var tree = new OpenTree(Here, null);
                Advance();
                open.Push(tree);
                ParseSequence(tree, roots);
            }
            else if (AtEnd)
            {
                throw Error($"expected ')' to close the game tree opened at {open.Peek().Opening}");
            }
            else if (Current == '(')
            {
                var variation = new OpenTree(Here, open.Peek().Last);
                Advance();
                open.Push(variation);
                ParseSequence(variation, roots);
            }
            else if (Current == ')')
            {
                Advance();
                open.Pop();
            }
            else
            {
                throw Error($"expected '(' to start a variation or ')' to close the game tree opened at {open.Peek().Opening}");
            }
        }
    }

    private void ParseSequence(OpenTree tree, List<SgfNode> roots)
    {
        SkipWhitespace();
        if (AtEnd || Current != ';') throw Error("expected ';' to start the first node of the game tree");
        do
        {
            var node = new SgfNode(Here);
            Advance();
            ParseProperties(node);
            if (tree.Last is null) roots.Add(node);
            else tree.Last.Children.Add(node);
            tree.Last = node;
            SkipWhitespace();
        } while (!AtEnd && Current == ';');
    }

    private void ParseProperties(SgfNode node)
    {
        while (true)
        {
            SkipWhitespace();
            if (AtEnd || Current is ';' or '(' or ')') return;
            if (!char.IsAsciiLetterUpper(Current))
                throw Error("expected a property identifier (upper-case letters A-Z), ';', '(' or ')'");
            var position = Here;
            var start = _index;
            while (!AtEnd && char.IsAsciiLetterUpper(Current)) Advance();
            var identifier = _text[start.._index];
            SkipWhitespace();
            if (AtEnd || Current != '[') throw Error($"expected '[' to start a value of property {identifier}");
            var values = new List<SgfValue>();
            while (!AtEnd && Current == '[')
            {
                values.Add(ParseValue(identifier));
                SkipWhitespace();
            }
            if (node.Find(identifier) is not null)
                throw new SgfFormatException($"property {identifier} appears twice in one node; expected each property at most once per node", position, _sourceName);
            node.Add(new SgfProperty(identifier, values, position));
        }
    }

    private SgfValue ParseValue(string identifier)
    {
        Advance();
        var position = Here;
        var value = new StringBuilder();
        while (true)
        {
            if (AtEnd) throw Error($"expected ']' to close the value of property {identifier}");
            var c = Current;
            if (c == ']')
            {
                Advance();
                return new SgfValue(value.ToString(), position);
            }
            Advance();
            if (c != '\\')
            {
                value.Append(c);
                continue;
            }
            if (AtEnd) throw Error($"expected ']' to close the value of property {identifier}");
            var escaped = Current;
            Advance();
            if (escaped is '\n' or '\r')
            {
                // A soft line break: the backslash and the line break (LF, CR, CRLF or LFCR) both vanish.
                var pair = escaped == '\n' ? '\r' : '\n';
                if (!AtEnd && Current == pair) Advance();
            }
            else
            {
                value.Append(escaped);
            }
        }
    }

    private void SkipWhitespace()
    {
        while (!AtEnd && char.IsWhiteSpace(Current)) Advance();
    }

    /// <summary>Moves one character on; LF, CR and CRLF each end a line.</summary>
    private void Advance()
    {
        var c = _text[_index++];
        if (c == '\n' || (c == '\r' && (AtEnd || Current != '\n')))
        {
            _line++;
            _column = 1;
        }
        else
        {
            _column++;
        }
    }

    private SgfFormatException Error(string expected) =>
        new($"{expected}, found {(AtEnd ? "end of file" : Describe(Current))}", Here, _sourceName);

    private static string Describe(char c) => char.IsControl(c) || char.IsWhiteSpace(c) ? $"U+{(int)c:X4}" : $"'{c}'";
}
