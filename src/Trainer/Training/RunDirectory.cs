using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using GoSeqZero.Go;
using GoSeqZero.Transformer.Checkpoints;

namespace GoSeqZero.Trainer.Training;

/// <summary>
/// The folder of a training run:
/// <code>
/// config.json                      the run's settings (TrainSettings)
/// metrics.jsonl                    one JSON object per step
/// latest                           the newest complete checkpoint, e.g. "checkpoints/step-000050"
/// checkpoints/step-NNNNNN/         weights, optimizer, state.json (trainer state in "extra"), selfplay.bin
/// evaluations/step-NNNNNN/vs-*/    evaluation matches: one SGF per game and results.json
/// selfplay/latest.sgf              the last finished self-play game (and every 100th as game-NNNNNN.sgf)
/// </code>
/// A checkpoint counts once its folder is in place and holds selfplay.bin; <c>latest</c> is written after both.
/// </summary>
internal sealed partial class RunDirectory(string path)
{
    public const string ConfigFileName = "config.json", MetricsFileName = "metrics.jsonl", LatestFileName = "latest";

    public string Path { get; } = System.IO.Path.GetFullPath(path);
    public string ConfigPath => Combine(ConfigFileName);
    public string MetricsPath => Combine(MetricsFileName);
    public string LatestPath => Combine(LatestFileName);
    public string CheckpointsPath => Combine("checkpoints");
    public string EvaluationsPath => Combine("evaluations");
    public string SelfPlayPath => Combine("selfplay");

    public bool HoldsRun => File.Exists(ConfigPath);

    public static string CheckpointName(long step) => string.Create(CultureInfo.InvariantCulture, $"step-{step:D6}");

    public string CheckpointPath(long step) => System.IO.Path.Combine(CheckpointsPath, CheckpointName(step));

    /// <summary>A run folder named after the current UTC time under runs/.</summary>
    public static string DefaultPath(DateTime utcNow) =>
        System.IO.Path.Combine("runs", utcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + "Z");

    public void WriteConfig(TrainSettings settings)
    {
        Directory.CreateDirectory(Path);
        AtomicFile.WriteAllText(ConfigPath, settings.ToJson());
    }

    /// <exception cref="FormatException">config.json is not a valid training config.</exception>
    public TrainSettings ReadConfig()
    {
        if (!HoldsRun) throw new FileNotFoundException($"{Path}: not a training run (no {ConfigFileName}); start one with goseqzero train --run-dir {Path}");
        return TrainSettings.FromJson(File.ReadAllText(ConfigPath), ConfigPath);
    }

    public void SetLatest(long step) =>
        AtomicFile.WriteAllText(LatestPath, $"checkpoints/{CheckpointName(step)}\n");

    /// <summary>Whether the checkpoint at <paramref name="checkpoint"/> was finished: its state and its self-play state are both there.</summary>
    public static bool IsComplete(string checkpoint) =>
        File.Exists(System.IO.Path.Combine(checkpoint, Checkpoint.StateFileName))
        && File.Exists(System.IO.Path.Combine(checkpoint, Checkpoint.ModelFileName))
        && File.Exists(System.IO.Path.Combine(checkpoint, SelfPlayStateFile.FileName));

    /// <summary>The checkpoints in the folder by step, oldest first (complete or not).</summary>
    public IReadOnlyList<(long Step, string Path)> Checkpoints()
    {
        if (!Directory.Exists(CheckpointsPath)) return [];
        return Directory.GetDirectories(CheckpointsPath)
            .Select(folder => (Folder: folder, Match: CheckpointNamePattern().Match(System.IO.Path.GetFileName(folder))))
            .Where(x => x.Match.Success)
            .Select(x => (long.Parse(x.Match.Groups[1].Value, CultureInfo.InvariantCulture), x.Folder))
            .OrderBy(x => x.Item1)
            .ToList();
    }

    /// <summary>
    /// The checkpoint to resume from: the one <c>latest</c> names when it is complete, else the newest complete one
    /// (a run killed while saving leaves the previous one named); null when there is none.
    /// </summary>
    public (long Step, string Path)? ResumePoint()
    {
        if (File.Exists(LatestPath))
        {
            var named = File.ReadAllText(LatestPath).Trim();
            var match = CheckpointNamePattern().Match(System.IO.Path.GetFileName(named));
            var folder = System.IO.Path.Combine(Path, named);
            if (match.Success && IsComplete(folder)) return (long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), folder);
        }
        foreach (var (step, folder) in Checkpoints().Reverse())
            if (IsComplete(folder)) return (step, folder);
        return null;
    }

    /// <summary>Puts back or deletes what saves interrupted by a kill left beside the checkpoints; returns what it did.</summary>
    public IReadOnlyList<string> TidyInterruptedSaves()
    {
        if (!Directory.Exists(CheckpointsPath)) return [];
        return Directory.GetDirectories(CheckpointsPath)
            .Select(folder => LeftoverPattern().Match(System.IO.Path.GetFileName(folder)))
            .Where(match => match.Success)
            .Select(match => match.Groups[1].Value)
            .Distinct()
            .SelectMany(name => Checkpoint.RecoverInterruptedSave(System.IO.Path.Combine(CheckpointsPath, name)))
            .ToList();
    }

    /// <summary>Keeps the metrics of steps up to <paramref name="step"/> only: a resumed run redoes the steps after its checkpoint.</summary>
    public void TrimMetrics(long step)
    {
        if (!File.Exists(MetricsPath)) return;
        var kept = File.ReadLines(MetricsPath)
            .Where(line => !string.IsNullOrWhiteSpace(line))
            .Where(line =>
            {
                try
                {
                    return JsonNode.Parse(line)?["step"]?.GetValue<long>() <= step;
                }
                catch (System.Text.Json.JsonException)
                {
                    // A line cut short by a kill: the step it belonged to is redone.
                    return false;
                }
            })
            .ToList();
        AtomicFile.WriteAllText(MetricsPath, kept.Count == 0 ? "" : string.Join('\n', kept) + "\n");
    }

    /// <summary>Removes the evaluations of steps after <paramref name="step"/>: they belonged to steps a resumed run redoes.</summary>
    public void RemoveEvaluationsAfter(long step)
    {
        if (!Directory.Exists(EvaluationsPath)) return;
        foreach (var folder in Directory.GetDirectories(EvaluationsPath))
        {
            var match = CheckpointNamePattern().Match(System.IO.Path.GetFileName(folder));
            if (match.Success && long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) > step) Directory.Delete(folder, recursive: true);
        }
    }

    public void AppendMetrics(JsonObject line) => File.AppendAllText(MetricsPath, line.ToJsonString() + "\n");

    private string Combine(string name) => System.IO.Path.Combine(Path, name);

    [GeneratedRegex(@"^step-(\d{6,})$")]
    private static partial Regex CheckpointNamePattern();

    [GeneratedRegex(@"^\.(step-\d{6,})\.[0-9a-f]{32}\.(tmp|old)$")]
    private static partial Regex LeftoverPattern();
}
