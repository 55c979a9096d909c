namespace GoSeqZero.Transformer;

/// <summary>One named parameter tensor: where it sits in the shared buffer and whether AdamW decays it.</summary>
public sealed record ParameterInfo(string Name, int[] Shape, long Offset, bool Decay)
{
    public long Length => Shape.Aggregate(1L, (product, size) => product * size);
}

/// <summary>
/// Every parameter of the model in one buffer (as llm.c), so the gradient norm is one reduction and the optimizer
/// two calls: the matrices and embeddings that AdamW decays come first, then the biases and LayerNorm gains that it
/// does not (nanoGPT's rule: decay every tensor of two or more dimensions). Names follow PyTorch's module paths.
/// </summary>
public sealed class ParameterLayout
{
    private readonly Dictionary<string, ParameterInfo> _byName;

    public ParameterLayout(ModelConfig config)
    {
        config.Validate();
        int c = config.Channels, v = config.VocabularySize;
        var shapes = new List<(string Name, int[] Shape)>
        {
            ("token_embedding", [v, c]),
            ("position_embedding", [config.ContextLength, c]),
            ("point_embedding", [config.PointCount, c]),
        };
        for (var layer = 0; layer < config.Layers; layer++)
        {
            var prefix = $"blocks.{layer}.";
            shapes.AddRange([
                (prefix + "ln1.weight", [c]), (prefix + "ln1.bias", [c]),
                (prefix + "attn.qkv.weight", [3 * c, c]), (prefix + "attn.qkv.bias", [3 * c]),
                (prefix + "attn.proj.weight", [c, c]), (prefix + "attn.proj.bias", [c]),
                (prefix + "ln2.weight", [c]), (prefix + "ln2.bias", [c]),
                (prefix + "mlp.fc.weight", [4 * c, c]), (prefix + "mlp.fc.bias", [4 * c]),
                (prefix + "mlp.proj.weight", [c, 4 * c]), (prefix + "mlp.proj.bias", [c]),
            ]);
        }
        shapes.AddRange([("ln_f.weight", [c]), ("ln_f.bias", [c]), ("head.weight", [v, c])]);

        var ordered = shapes.Where(s => s.Shape.Length >= 2).Concat(shapes.Where(s => s.Shape.Length < 2));
        var parameters = new List<ParameterInfo>();
        long offset = 0;
        foreach (var (name, shape) in ordered)
        {
            var info = new ParameterInfo(name, shape, offset, Decay: shape.Length >= 2);
            parameters.Add(info);
            offset += info.Length;
        }
        Parameters = parameters;
        Count = offset;
        DecayedCount = parameters.Where(p => p.Decay).Sum(p => p.Length);
        _byName = parameters.ToDictionary(p => p.Name);
    }

    /// <summary>In buffer order: decayed tensors, then the rest.</summary>
    public IReadOnlyList<ParameterInfo> Parameters { get; }

    /// <summary>Total number of parameters.</summary>
    public long Count { get; }

    /// <summary>The decayed tensors are elements 0..DecayedCount−1 of the buffer.</summary>
    public long DecayedCount { get; }

    public ParameterInfo this[string name] =>
        _byName.TryGetValue(name, out var info) ? info : throw new KeyNotFoundException($"the model has no parameter '{name}'");
}
