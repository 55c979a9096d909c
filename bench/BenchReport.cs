using System.Text.Json;
using GoSeqZero.Go;

namespace GoSeqZero.Bench;

/// <summary>
/// The figures of one bench run, printed as a table row by row and, with <c>--json FILE</c>, written as JSON
/// (machine, command line and every row) for scripts that compare runs.
/// </summary>
internal sealed class BenchReport(string suite, string[] args)
{
    private readonly List<Dictionary<string, object>> _rows = [];

    /// <summary>Records one measurement: what was measured, its value and unit, and the parameters that identify it.</summary>
    public void Add(string name, double value, string unit, params (string Key, object Value)[] parameters)
    {
        var row = new Dictionary<string, object> { ["name"] = name, ["value"] = value, ["unit"] = unit };
        foreach (var (key, parameter) in parameters) row[key] = parameter;
        _rows.Add(row);
    }

    /// <summary>Writes the JSON file when <c>--json</c> named one.</summary>
    public void WriteIfRequested(Options options)
    {
        var path = options.String("json", "");
        if (path.Length == 0) return;
        var document = new
        {
            suite,
            command = "dotnet run -c Release --project bench -- " + suite + " " + string.Join(' ', args),
            date = DateTime.UtcNow.ToString("O"),
            machine = new { Environment.ProcessorCount, os = Environment.OSVersion.VersionString, runtime = Environment.Version.ToString() },
            rows = _rows,
        };
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(document, new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine($"wrote {path}");
    }
}
