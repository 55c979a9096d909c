using System.Globalization;
using System.Text;

namespace GoSeqZero.Transformer.Profiling;

/// <summary>Formats <see cref="TimedOps"/> rows as a table: per phase, each op's time per step, share of the phase and GFLOP/s.</summary>
public static class ProfileTable
{
    public static string Format(IEnumerable<OpTiming> timings, int steps)
    {
        var culture = CultureInfo.InvariantCulture;
        var rows = timings.ToList();
        var text = new StringBuilder();
        text.AppendLine(culture, $"{"phase",-10} {"op",-32} {"calls",6} {"ms/step",9} {"share",6} {"GFLOP/s",8}");
        foreach (var phase in rows.Select(r => r.Phase).Distinct())
        {
            var inPhase = rows.Where(r => r.Phase == phase).OrderByDescending(r => r.Seconds).ToList();
            var phaseSeconds = inPhase.Sum(r => r.Seconds);
            foreach (var row in inPhase)
            {
                var gflops = row.Flops > 0 ? (row.Flops / row.Seconds / 1e9).ToString("F1", culture) : "";
                text.AppendLine(culture,
                    $"{phase,-10} {row.Name,-32} {row.Calls / (double)steps,6:0.#} {row.Seconds * 1e3 / steps,9:F3} {row.Seconds / phaseSeconds,6:P0} {gflops,8}");
            }
            text.AppendLine(culture, $"{phase,-10} {"total",-32} {"",6} {phaseSeconds * 1e3 / steps,9:F3}");
        }
        return text.ToString();
    }
}
