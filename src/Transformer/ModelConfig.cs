using System.Text.Json;
using System.Text.Json.Serialization;

namespace GoSeqZero.Transformer;

/// <summary>
/// The shape of a GPT-style decoder (docs/design.md, The transformer): pre-LayerNorm blocks with a GELU MLP of width
/// 4·Channels, token + learned position + point-id embeddings, an untied output head, and the seed its weights start from.
/// </summary>
public sealed record ModelConfig
{
    public int Layers { get; init; } = 6;
    public int Heads { get; init; } = 8;
    public int Channels { get; init; } = 256;

    /// <summary>Positions 0..ContextLength−1 have a learned embedding; no sequence may be longer.</summary>
    public int ContextLength { get; init; } = 1024;

    public int VocabularySize { get; init; } = 256;

    /// <summary>Rows of the point-id table: 0 is "no point", then one per board point (and pass) of the largest board.</summary>
    public int PointCount { get; init; } = 363;

    public int Seed { get; init; } = 1;

    [JsonIgnore]
    public int HeadSize => Channels / Heads;

    /// <summary>Throws with the field and the rule when a size cannot make a model.</summary>
    public void Validate()
    {
        static void Require(bool condition, string message)
        {
            if (!condition) throw new ArgumentException("model config: " + message);
        }
        Require(Layers >= 1, $"layers must be at least 1, not {Layers}");
        Require(Heads >= 1, $"heads must be at least 1, not {Heads}");
        Require(Channels >= Heads && Channels % Heads == 0, $"channels ({Channels}) must be a positive multiple of heads ({Heads})");
        Require(HeadSize <= Kernels.AttentionShape.MaxHeadSize, $"head size {HeadSize} (channels / heads) is above {Kernels.AttentionShape.MaxHeadSize}");
        Require(ContextLength >= 1, $"context length must be at least 1, not {ContextLength}");
        Require(VocabularySize >= 2, $"vocabulary size must be at least 2, not {VocabularySize}");
        Require(PointCount >= 1, $"point count must be at least 1, not {PointCount}");
    }

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static ModelConfig FromJson(string json, string source)
    {
        ModelConfig? config;
        try
        {
            config = JsonSerializer.Deserialize<ModelConfig>(json, Json);
        }
        catch (JsonException error)
        {
            throw new FormatException($"{source}: not a model config ({error.Message})", error);
        }
        if (config is null) throw new FormatException($"{source}: not a model config (null)");
        try
        {
            config.Validate();
        }
        catch (ArgumentException error)
        {
            throw new FormatException($"{source}: {error.Message}", error);
        }
        return config;
    }
}
