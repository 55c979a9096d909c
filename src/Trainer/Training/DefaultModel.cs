using GoSeqZero.Trainer.Search;
using GoSeqZero.Trainer.Sequences;
using GoSeqZero.Transformer;

namespace GoSeqZero.Trainer.Training;

/// <summary>
/// The trainer's default model: small enough that self-play and learning on 5×5 show progress within minutes on a
/// 2-core CPU (4 layers, 4 heads, width 128: about 1M parameters), with a context long enough for a tree step of
/// the default top-k on the largest board of the run.
/// </summary>
internal static class DefaultModel
{
    public const int Layers = 4, Heads = 4, Channels = 128;

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
