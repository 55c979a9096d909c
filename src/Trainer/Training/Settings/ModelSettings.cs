using GoSeqZero.Kernels;
using GoSeqZero.Trainer.Sequences;
using GoSeqZero.Transformer;

namespace GoSeqZero.Trainer.Training;

/// <summary>
/// The transformer's shape. The defaults are small enough that self-play and learning on 5×5 show progress within
/// minutes on a 2-core CPU (2 layers, 4 heads, width 64: about 150k parameters, most of them embeddings). On 5×5 it
/// took three times the steps per second of 4 layers × 128 and learnt where that model had not yet (DESIGN-NOTES.md).
/// </summary>
internal sealed record ModelSettings
{
    public int Layers { get; init; } = 2;
    public int Channels { get; init; } = 64;
    public int Heads { get; init; } = 4;

    /// <summary>Start the point-id embedding with the board's geometry (<see cref="PointGeometry"/>) instead of at random.</summary>
    public bool GeometricPoints { get; init; } = true;

    /// <summary>The model of this shape for the vocabulary and a context of <paramref name="contextLength"/> tokens; <paramref name="seed"/> draws its weights.</summary>
    public ModelConfig ConfigFor(Vocabulary vocabulary, int contextLength, int seed) => new()
    {
        Layers = Layers,
        Heads = Heads,
        Channels = Channels,
        VocabularySize = vocabulary.Count,
        PointCount = Vocabulary.PointIdCount,
        ContextLength = contextLength,
        Seed = seed,
    };

    public void Validate()
    {
        Setting.Require(Layers >= 1, $"--layers {Layers} must be at least 1");
        Setting.Require(Heads >= 1, $"--heads {Heads} must be at least 1");
        Setting.Require(Channels >= Heads && Channels % Heads == 0, $"--channels {Channels} must be a positive multiple of --heads {Heads}");
        Setting.Require(Channels / Math.Max(Heads, 1) <= AttentionShape.MaxHeadSize, $"--channels {Channels} / --heads {Heads} = {Channels / Math.Max(Heads, 1)} is above the largest head size {AttentionShape.MaxHeadSize}; use more heads");
    }
}
