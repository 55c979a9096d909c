using GoSeqZero.Transformer;

namespace GoSeqZero.Tests.Transformer;

/// <summary>The model of the transformer's end-to-end tests: two layers, small enough to train in a test on the SIMD path.</summary>
internal static class TinyModel
{
    public static readonly ModelConfig Config = new() { Layers = 2, Heads = 2, Channels = 32, ContextLength = 16, VocabularySize = 32, PointCount = 10 };
}
