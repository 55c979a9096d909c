namespace GoSeqZero.Go.Sgf;

/// <summary>
/// Where something stands in an SGF text: 1-based line and column (columns count UTF-16 characters, a tab is one).
/// Line 0 means unknown, as for a tree built in code rather than read.
/// </summary>
public readonly record struct SgfPosition(int Line, int Column)
{
    public bool IsKnown => Line > 0;

    public override string ToString() => IsKnown ? $"line {Line}, column {Column}" : "unknown position";
}

/// <summary>
/// One value of a property, as text with the SGF escapes removed (<c>\]</c> → <c>]</c>, <c>\\</c> → <c>\</c>,
/// a backslash before a line break removes both). <see cref="Position"/> is the first character inside the brackets.
/// </summary>
public readonly record struct SgfValue(string Text, SgfPosition Position = default);

/// <summary>A property of a node: an identifier of upper-case letters and one or more values, in file order.</summary>
public sealed class SgfProperty
{
    public SgfProperty(string identifier, IEnumerable<SgfValue> values, SgfPosition position = default)
    {
        if (identifier.Length == 0 || !identifier.All(char.IsAsciiLetterUpper))
            throw new ArgumentException($"'{identifier}' is not an SGF property identifier (expected upper-case letters A-Z)", nameof(identifier));
        Identifier = identifier;
        Values = values.ToArray();
        if (Values.Count == 0) throw new ArgumentException($"property {identifier} needs at least one value", nameof(values));
        Position = position;
    }

    public SgfProperty(string identifier, params string[] values)
        : this(identifier, values.Select(text => new SgfValue(text)))
    {
    }

    public string Identifier { get; }
    public IReadOnlyList<SgfValue> Values { get; }
    /// <summary>Where the identifier starts.</summary>
    public SgfPosition Position { get; }

    public override string ToString() => Identifier + string.Concat(Values.Select(value => $"[{value.Text}]"));
}

/// <summary>
/// A node of an SGF game tree: its properties in file order and its children. The first child continues the
/// main line; the others are variations.
/// </summary>
public sealed class SgfNode
{
    private readonly List<SgfProperty> _properties = [];

    public SgfNode(SgfPosition position = default) => Position = position;

    /// <summary>Where the node's ';' stands.</summary>
    public SgfPosition Position { get; }
    public IReadOnlyList<SgfProperty> Properties => _properties;
    public List<SgfNode> Children { get; } = [];

    public SgfProperty? Find(string identifier) => _properties.Find(property => property.Identifier == identifier);

    /// <summary>The first value of <paramref name="identifier"/>, or null when the node lacks the property.</summary>
    public string? FindText(string identifier) => Find(identifier)?.Values[0].Text;

    /// <summary>Adds a property; a node holds each identifier at most once, as FF[4] requires.</summary>
    public void Add(SgfProperty property)
    {
        if (Find(property.Identifier) is not null)
            throw new ArgumentException($"the node already holds property {property.Identifier}; SGF allows each property once per node", nameof(property));
        _properties.Add(property);
    }

    public void Add(string identifier, params string[] values) => Add(new SgfProperty(identifier, values));

    /// <summary>The nodes of the main line from this one: this node, its first child, that one's first child, ….</summary>
    public IEnumerable<SgfNode> MainLine()
    {
        for (var node = this; node is not null; node = node.Children.Count > 0 ? node.Children[0] : null)
            yield return node;
    }
}
