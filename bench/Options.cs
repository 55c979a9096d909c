using System.Globalization;

namespace GoSeqZero.Bench;

/// <summary>"--name value" pairs of a bench program, with defaults and a clear error for anything else.</summary>
internal sealed class Options
{
    private readonly Dictionary<string, string> _values = [];

    public Options(string[] args, params string[] known)
    {
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i].TrimStart('-');
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || !known.Contains(name) || i + 1 >= args.Length)
                throw new ArgumentException($"unexpected argument '{args[i]}'; options are {string.Join(", ", known.Select(k => "--" + k + " VALUE"))}");
            _values[name] = args[++i];
        }
    }

    public int Int(string name, int fallback) =>
        _values.TryGetValue(name, out var text) ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

    public string String(string name, string fallback) => _values.GetValueOrDefault(name, fallback);

    public double Double(string name, double fallback) =>
        _values.TryGetValue(name, out var text) ? double.Parse(text, CultureInfo.InvariantCulture) : fallback;
}
