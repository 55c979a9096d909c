using GoSeqZero.Trainer.Sequences;
using GoSeqZero.Transformer;

namespace GoSeqZero.Trainer.Training;

/// <summary>
/// Starts the point-id embedding with the board's geometry: row (x, y) of the table gets sines and cosines of x and
/// of y at frequencies from a quarter turn per point down to one turn across the largest board, scaled to the norm a
/// random N(0, 0.02) row has. Independent random rows make every point a stranger to its neighbours, and the model
/// must learn adjacency from noisy value targets before anything it learns at C3 can say something about C4; with
/// this start, nearby points have similar embeddings and attention can find a point's neighbours from the first step.
/// The table stays a free parameter. "No point" and pass keep their random rows.
/// </summary>
internal static class PointGeometry
{
    public static void Initialize(Gpt model)
    {
        var channels = model.Config.Channels;
        var table = model.Parameter("point_embedding");
        var values = new float[table.Length];
        table.CopyTo(values);
        var frequencies = channels / 4;
        var rowNorm = 0.02 * Math.Sqrt(channels);
        for (var y = 0; y < Vocabulary.MaxBoardSize; y++)
        for (var x = 0; x < Vocabulary.MaxBoardSize; x++)
        {
            var row = values.AsSpan(Vocabulary.EmbeddingPointId(x, y) * channels, channels);
            for (var j = 0; j < frequencies; j++)
            {
                // Geometric from π/2 (neighbours a quarter turn apart) to 2π/19 (one turn across 19×19).
                var omega = Math.PI / 2 * Math.Pow(4.0 / Vocabulary.MaxBoardSize, frequencies == 1 ? 0 : (double)j / (frequencies - 1));
                row[4 * j] = (float)Math.Sin(omega * x);
                row[4 * j + 1] = (float)Math.Cos(omega * x);
                row[4 * j + 2] = (float)Math.Sin(omega * y);
                row[4 * j + 3] = (float)Math.Cos(omega * y);
            }
            for (var i = 4 * frequencies; i < channels; i++) row[i] = 0;
            // Each sin/cos pair has unit norm: 2·frequencies in all.
            var scale = (float)(rowNorm / Math.Sqrt(2.0 * frequencies));
            for (var i = 0; i < channels; i++) row[i] *= scale;
        }
        table.CopyFrom(values);
    }
}
