using GoSeqZero.Tests.Trainer.Search;
using GoSeqZero.Trainer.Sequences;
using GoSeqZero.Trainer.Training;

namespace GoSeqZero.Tests.Trainer.Training;

[Collection("Kernels")]
public class PointGeometryTests
{
    [Fact]
    public void NeighbouringPointsStartOutMoreAlikeThanDistantOnesAtTheNormOfARandomRow()
    {
        var vocabulary = new Vocabulary();
        using var model = SearchDriverTests.TinyModel(vocabulary, 64, seed: 5);
        var channels = model.Config.Channels;
        var before = new float[model.Parameter("point_embedding").Length];
        model.Parameter("point_embedding").CopyTo(before);
        PointGeometry.Initialize(model);
        var table = new float[before.Length];
        model.Parameter("point_embedding").CopyTo(table);
        float[] Row(int id) => table.AsSpan(id * channels, channels).ToArray();
        double Cosine(int a, int b)
        {
            double dot = 0, na = 0, nb = 0;
            var (u, v) = (Row(a), Row(b));
            for (var i = 0; i < channels; i++) { dot += u[i] * v[i]; na += u[i] * u[i]; nb += v[i] * v[i]; }
            return dot / Math.Sqrt(na * nb);
        }

        var c3 = Vocabulary.EmbeddingPointId(2, 2);
        Assert.True(Cosine(c3, Vocabulary.EmbeddingPointId(3, 2)) > Cosine(c3, Vocabulary.EmbeddingPointId(5, 2)));
        Assert.True(Cosine(c3, Vocabulary.EmbeddingPointId(2, 3)) > Cosine(c3, Vocabulary.EmbeddingPointId(2, 6)));
        Assert.True(Cosine(c3, Vocabulary.EmbeddingPointId(3, 3)) > Cosine(c3, Vocabulary.EmbeddingPointId(12, 12)));
        // Every point of the largest board is distinct from every other.
        for (var a = 1; a <= Vocabulary.EmbeddingPointId(18, 18); a++)
            for (var b = a + 1; b <= Vocabulary.EmbeddingPointId(18, 18); b++)
                Assert.True(Cosine(a, b) < 0.9999, $"points {a} and {b}");
        var norm = Math.Sqrt(Row(c3).Sum(v => (double)v * v));
        Assert.Equal(0.02 * Math.Sqrt(channels), norm, 6);
        // "No point" and pass keep their random rows.
        Assert.Equal(before.AsSpan(0, channels).ToArray(), Row(Vocabulary.NoPoint));
        Assert.Equal(before.AsSpan(Vocabulary.PassPointId * channels, channels).ToArray(), Row(Vocabulary.PassPointId));
    }
}
