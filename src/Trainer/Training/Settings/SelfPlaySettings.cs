using System.Text.Json.Serialization;
using GoSeqZero.Trainer.Sequences;

namespace GoSeqZero.Trainer.Training;

/// <summary>How self-play games explore and which kind of search step each move writes.</summary>
internal sealed record SelfPlaySettings
{
    /// <summary>Self-play games in parallel: the decode batch.</summary>
    public int Games { get; init; } = 16;

    /// <summary>
    /// Share of search steps written as rollout steps (mode 1) instead of tree steps. Half and half by default: the
    /// rollout steps teach the prior one-ply playout means, the grounded tree steps teach the model's own tree search
    /// (DESIGN-NOTES.md, fifth round).
    /// </summary>
    public double RolloutFraction { get; init; } = 0.5;

    /// <summary>From this step on (0: never), <see cref="LaterRolloutFraction"/> replaces <see cref="RolloutFraction"/>: rollouts can ground the values before tree steps come in.</summary>
    public int RolloutSwitchStep { get; init; }

    public double LaterRolloutFraction { get; init; } = 0.5;

    /// <summary>Gumbel-perturbed top-k selection of the moves to expand, for exploration.</summary>
    public bool Gumbel { get; init; } = true;

    /// <summary>
    /// Ground every tree step's child rows for training (<see cref="Search.SearchSettings.GroundReplies"/>): each child's
    /// best this many replies get <see cref="GroundPlayouts"/> random playouts; 0 turns grounding off.
    /// </summary>
    public int GroundReplies { get; init; } = 4;

    /// <summary>Random playouts for each grounded reply.</summary>
    public int GroundPlayouts { get; init; } = 16;

    /// <summary>Moves are sampled from softmax(e'/temperature) for the first <see cref="TemperatureMoves"/> moves of a game, argmax after.</summary>
    public double Temperature { get; init; } = 1;

    public int TemperatureMoves { get; init; } = 4;

    /// <summary>The share of rollout steps at step <paramref name="step"/> (0-based: the step being taken).</summary>
    public double RolloutFractionAt(long step) => RolloutSwitchStep > 0 && step >= RolloutSwitchStep ? LaterRolloutFraction : RolloutFraction;

    /// <summary>Whether any step of the run may be a tree step, and whether any may be a rollout step.</summary>
    [JsonIgnore]
    public bool WritesTreeSteps => RolloutFraction < 1 || (RolloutSwitchStep > 0 && LaterRolloutFraction < 1);
    [JsonIgnore]
    public bool WritesRolloutSteps => RolloutFraction > 0 || (RolloutSwitchStep > 0 && LaterRolloutFraction > 0);

    /// <summary>
    /// The mode the checkpoint's players search in after <paramref name="step"/> steps: rollout when self-play writes
    /// rollout steps only (the model never learnt to write a tree step's IMPROVED row), tree otherwise.
    /// </summary>
    public SearchMode PlayerModeAt(long step) => RolloutFractionAt(Math.Max(0, step - 1)) >= 1 ? SearchMode.Rollout : SearchMode.Tree;

    public void Validate()
    {
        Setting.Require(Games >= 1, $"--games {Games} must be at least 1");
        Setting.Require(RolloutFraction is >= 0 and <= 1, $"--rollout-fraction {RolloutFraction} must be between 0 and 1");
        Setting.Require(RolloutSwitchStep >= 0, $"--rollout-switch: the step {RolloutSwitchStep} cannot be negative");
        Setting.Require(LaterRolloutFraction is >= 0 and <= 1, $"--rollout-switch: the fraction {LaterRolloutFraction} must be between 0 and 1");
        Setting.Require(GroundReplies >= 0, $"--ground-replies {GroundReplies} cannot be negative (0 turns grounding off)");
        Setting.Require(GroundPlayouts >= 1, $"--ground-playouts {GroundPlayouts} must be at least 1");
        Setting.Require(Temperature >= 0 && double.IsFinite(Temperature), $"--temperature {Temperature} must be 0 (argmax) or more");
        Setting.Require(TemperatureMoves >= 0, $"--temperature-moves {TemperatureMoves} cannot be negative");
    }
}
