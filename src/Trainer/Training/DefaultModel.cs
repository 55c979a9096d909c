using GoSeqZero.Trainer.Search;
using GoSeqZero.Trainer.Sequences;
using GoSeqZero.Transformer;

namespace GoSeqZero.Trainer.Training;

/// <summary>
/// The trainer's default model: small enough that self-play and learning on 5×5 show progress within minutes on a
/// 2-core CPU (2 layers, 4 heads, width 64: about 150k parameters, most of them embeddings), with a context long
/// enough for a tree step of the default top-k on the largest board of the run. On 5×5 it took three times the
/// steps per second of 4 layers × 128 and learnt where that model had not yet (DESIGN-NOTES.md).
/// </summary>
internal static class DefaultModel
{
    public const int Layers = 2, Heads = 4, Channels = 64;

    public static ModelConfig For(Vocabulary vocabulary, SearchSettings settings, int maxBoardSize, int seed = 1) => new()
    {
        Layers = Layers,
        Heads = Heads,
        Channels = Channels,
        VocabularySize = vocabulary.Count,
        PointCount = Vocabulary.PointIdCount,
        ContextLength = settings.MaxTokens(maxBoardSize),
        Seed = seed,
    };
}
