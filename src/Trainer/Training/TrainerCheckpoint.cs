using System.Text.Json.Nodes;
using GoSeqZero.Transformer;
using GoSeqZero.Transformer.Checkpoints;

namespace GoSeqZero.Trainer.Training;

/// <summary>What a trainer checkpoint holds besides the weights and the optimizer: the step, the run's totals, self-play and how its players search.</summary>
internal sealed record TrainerState(long Step, RunTotals Totals, ReplayBuffer Replay, IReadOnlyList<SelfPlayGame> Games);

/// <summary>
/// A run's checkpoints: checkpoints/step-NNNNNN holds the weights and optimizer (<see cref="Checkpoint"/>), the trainer
/// state (step, totals, and player_search: the search settings the checkpoint's players use) and selfplay.bin (replay
/// buffer and games in progress). It is written in that order and <c>latest</c> is pointed at it last, so a
/// checkpoint is complete exactly when its selfplay.bin is there.
/// </summary>
internal static class TrainerCheckpoint
{
    private const string StateFormat = "goseqzero-train";
    private const int StateVersion = 1;

    /// <summary>The trainer state's name for the search settings the checkpoint's players use (read by <c>ModelPlayer</c>).</summary>
    public const string PlayerSearchField = "player_search";

    /// <summary>Saves the checkpoint of <paramref name="state"/>'s step and points <c>latest</c> at it.</summary>
    public static string Save(RunDirectory run, Learner learner, TrainerState state, TrainSettings settings)
    {
        var path = run.CheckpointPath(state.Step);
        var extra = new JsonObject
        {
            ["format"] = StateFormat,
            ["version"] = StateVersion,
            ["step"] = state.Step,
            ["selfplay_file"] = SelfPlayStateFile.FileName,
            ["random"] = "each step draws from the seed and the step number; there is no generator state to save",
            // How this checkpoint's players search: the run's search settings, in the mode self-play wrote at this step.
            [PlayerSearchField] = settings.PlayerSearchAt(state.Step).ToJson(withMode: true),
        };
        state.Totals.WriteTo(extra);
        Checkpoint.Save(path, learner.Model, learner.Optimizer, extra, learner.Schedule);
        SelfPlayStateFile.Write(Path.Combine(path, SelfPlayStateFile.FileName), state.Replay, state.Games);
        run.SetLatest(state.Step);
        return path;
    }

    /// <summary>Loads the newest complete checkpoint into <paramref name="learner"/> and reads its trainer state.</summary>
    /// <exception cref="IOException">There is no complete checkpoint.</exception>
    /// <exception cref="InvalidDataException">The trainer state or self-play state is damaged, or does not fit the run.</exception>
    /// <exception cref="CheckpointException">The weights cannot be loaded.</exception>
    public static TrainerState Load(RunDirectory run, Learner learner, TrainSettings settings)
    {
        var (step, checkpoint) = run.ResumePoint()
            ?? throw new IOException($"{run.Path}: no complete checkpoint to resume from (checkpoints/step-NNNNNN holding {SelfPlayStateFile.FileName})");
        var state = Checkpoint.LoadInto(checkpoint, learner.Model, learner.Optimizer);
        var source = Path.Combine(checkpoint, Checkpoint.StateFileName);
        var extra = state.Extra ?? throw new InvalidDataException($"{source}: no trainer state ('extra'); the checkpoint was not written by goseqzero train");
        if (extra["format"]?.GetValue<string>() != StateFormat || extra["version"]?.GetValue<int>() != StateVersion)
            throw new InvalidDataException($"{source}: the trainer state is not {StateFormat} version {StateVersion}");
        if (extra["step"]?.GetValue<long>() != step || state.Step != step)
            throw new InvalidDataException($"{source}: the checkpoint is named step {step} but holds step {extra["step"]} (optimizer step {state.Step})");
        var (replay, games) = SelfPlayStateFile.Read(Path.Combine(checkpoint, SelfPlayStateFile.FileName));
        if (games.Count != settings.SelfPlay.Games) throw new InvalidDataException($"{checkpoint}: {games.Count} games in progress, the run plays {settings.SelfPlay.Games}");
        if (replay.Capacity != settings.Losses.Replay) throw new InvalidDataException($"{checkpoint}: a replay buffer of {replay.Capacity}, the run keeps {settings.Losses.Replay}");
        return new TrainerState(step, RunTotals.ReadFrom(extra, source), replay, games);
    }

    /// <summary>
    /// Keeps the newest <see cref="CadenceSettings.KeepCheckpoints"/> complete checkpoints up to <paramref name="step"/>
    /// and every evaluated one; removes older and unfinished ones.
    /// </summary>
    public static void Prune(RunDirectory run, long step, TrainSettings settings)
    {
        var keep = settings.Cadence.KeepCheckpoints;
        if (keep == 0) return;
        var checkpoints = run.Checkpoints();
        var kept = checkpoints.Where(c => c.Step <= step && RunDirectory.IsComplete(c.Path)).TakeLast(keep).Select(c => c.Step).ToHashSet();
        foreach (var (saved, path) in checkpoints)
        {
            var evaluated = settings.Evaluation.At(saved) && RunDirectory.IsComplete(path)
                && (saved > 0 || settings.Evaluation.Opponents.Contains(Evaluation.PeriodicEvaluation.First));
            if (saved >= step || kept.Contains(saved) || evaluated) continue;
            Directory.Delete(path, recursive: true);
        }
    }
}
