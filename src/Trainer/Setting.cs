using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace GoSeqZero.Trainer;

/// <summary>What every settings record shares: its range checks and its JSON form (snake_case names, kebab-case enums, no unknown fields).</summary>
internal static class Setting
{
    /// <summary>Throws <see cref="ArgumentException"/> with <paramref name="message"/> (formatted invariantly) unless <paramref name="condition"/> holds.</summary>
    public static void Require(bool condition, FormattableString message)
    {
        if (!condition) throw new ArgumentException(message.ToString(CultureInfo.InvariantCulture));
    }

    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower, allowIntegerValues: false) },
    };

    /// <summary>The JSON name of a settings field: its C# name in snake_case.</summary>
    public static string JsonName(string field) => JsonNamingPolicy.SnakeCaseLower.ConvertName(field);

    /// <summary>Reads a settings record; throws <see cref="FormatException"/> naming <paramref name="source"/> and what is wrong.</summary>
    public static T Deserialize<T>(JsonNode json, string source, string what) where T : class
    {
        try
        {
            return json.Deserialize<T>(JsonOptions) ?? throw new FormatException($"{source}: not {what} (null)");
        }
        catch (JsonException error)
        {
            throw new FormatException($"{source}: not {what} ({error.Message})", error);
        }
    }

    /// <summary>Runs a record's validation; an out-of-range value read from <paramref name="source"/> becomes a <see cref="FormatException"/> naming it.</summary>
    public static void Validated(Action validate, string source)
    {
        try
        {
            validate();
        }
        catch (ArgumentException error)
        {
            throw new FormatException($"{source}: {error.Message}", error);
        }
    }
}
