using System.Diagnostics;
using GoSeqZero.Go;
using GoSeqZero.Trainer.Sequences;
using GoSeqZero.Transformer;

namespace GoSeqZero.Trainer.Search;

/// <summary>Where a batch of search steps spent its tokens and its time.</summary>
internal sealed class SearchStatistics
{
    public long Steps { get; set; }
    /// <summary>Tokens fed through the model (the forced runs and the model's own tokens) and the model's choices.</summary>
    public long FedTokens { get; set; }
    public long ModelTokens { get; set; }

    /// <summary>Rows the decoder computed: batch × chunk per call, so padding counts; FedTokens / RowsComputed is the batch's use.</summary>
    public long RowsComputed { get; set; }

    /// <summary>
    /// Decoder calls that fed more than one token for some game (prefill chunks) and calls of one token each. A call
    /// of mixed chunks counts as prefill, so the seconds split calls, not tokens.
    /// </summary>
    public long PrefillCalls { get; set; }
    public long DecodeCalls { get; set; }
    public double PrefillSeconds { get; set; }
    public double DecodeSeconds { get; set; }
    /// <summary>Reading the model's choices from the logits.</summary>
    public double ChoiceSeconds { get; set; }
    /// <summary>The writers: rules engine, children, rollouts, backup.</summary>
    public double WriterSeconds { get; set; }
    public long ImaginedPoints { get; set; }
    public long ImaginedCorrect { get; set; }

    public double TotalSeconds => PrefillSeconds + DecodeSeconds + ChoiceSeconds + WriterSeconds;
}

/// <summary>
/// Generates search steps for a batch of games at once (docs/design.md, "The expert-iteration loop": the search): one KV-cache decoder for the batch;
/// each call feeds every game up to a chunk of its pending tokens (its run of forced tokens, then the model's choice),
/// the chunk chosen by <see cref="ChooseChunk"/> so that padding rows do not swamp the call.
/// A model choice is read from the logits of the token before it: a value is the expected value of the model's
/// distribution over the value buckets (its bucket is the token written, or a sample when asked); an imagined board
/// point is the most likely of EMPTY/BLACK/WHITE. Only tokens the grammar allows are ever considered.
/// </summary>
internal sealed class SearchDriver : IDisposable
{
    private readonly Vocabulary _vocabulary;
    private readonly SearchSettings _settings;
    private readonly KvCacheDecoder _decoder;
    private readonly SearchWriter[] _writers;
    private readonly float[] _row;
    private readonly double[] _probabilities;

    public SearchDriver(Gpt model, Vocabulary vocabulary, SearchSettings settings, int batch, int maxBoardSize, int maxChunk = 64)
    {
        settings.Validate();
        if (model.Config.VocabularySize != vocabulary.Count)
            throw new ArgumentException($"the model has a vocabulary of {model.Config.VocabularySize} tokens, the sequence format {vocabulary.Count}");
        if (model.Config.PointCount < Vocabulary.PointIdCount)
            throw new ArgumentException($"the model has {model.Config.PointCount} point ids, the sequence format needs {Vocabulary.PointIdCount}");
        var capacity = settings.MaxTokens(maxBoardSize);
        if (capacity > model.Config.ContextLength)
            throw new ArgumentException($"a {settings.Mode} step on {maxBoardSize}×{maxBoardSize} with top-k {settings.TopK} needs up to {capacity} tokens; the model's context is {model.Config.ContextLength}");
        _vocabulary = vocabulary;
        _settings = settings;
        _decoder = new KvCacheDecoder(model, batch, capacity, maxChunk);
        _writers = Enumerable.Range(0, batch).Select(_ => new SearchWriter(vocabulary, settings)).ToArray();
        _row = new float[vocabulary.Count];
        _probabilities = new double[vocabulary.ValueBuckets];
        Random = new FastRandom((ulong)model.Config.Seed);
        CallOverheadRows = DefaultCallOverheadRows(model.Device.Kind);
    }

    public int Batch => _writers.Length;

    public SearchStatistics Statistics { get; } = new();

    /// <summary>Random numbers for Gumbel top-k, rollouts and sampled value tokens.</summary>
    public FastRandom Random;

    /// <summary>Writes one search step for each root (at most <see cref="Batch"/>); the writers hold the sequences and records.</summary>
    public IReadOnlyList<SearchWriter> Run(IReadOnlyList<Board> roots)
    {
        if (roots.Count > Batch) throw new ArgumentException($"{roots.Count} roots for a batch of {Batch}");
        var games = roots.Count;
        var iterators = new IEnumerator<Decision>?[Batch];
        var fed = new int[Batch];
        _decoder.ResetAll();

        var clock = Stopwatch.StartNew();
        for (var g = 0; g < games; g++)
        {
            iterators[g] = _writers[g].Write(roots[g], Random.NextUInt64()).GetEnumerator();
            if (!iterators[g]!.MoveNext()) iterators[g] = null;
        }
        Statistics.WriterSeconds += clock.Elapsed.TotalSeconds;

        var chunkLimit = _decoder.MaxChunk;
        var counts = new int[Batch];
        var pending = new int[Batch];
        var tokens = new int[Batch * chunkLimit];
        var pointIds = new int[Batch * chunkLimit];
        while (true)
        {
            for (var g = 0; g < games; g++) pending[g] = iterators[g] is null ? 0 : _writers[g].Sequence.Count - fed[g];
            var chunk = ChooseChunk(pending.AsSpan(0, games), Batch, chunkLimit, CallOverheadRows);
            if (chunk == 0) break;
            Array.Clear(counts);
            for (var g = 0; g < games; g++)
            {
                if (iterators[g] is null) continue;
                var sequence = _writers[g].Sequence;
                counts[g] = Math.Min(chunk, sequence.Count - fed[g]);
                for (var i = 0; i < counts[g]; i++)
                {
                    tokens[g * chunk + i] = sequence.Tokens[fed[g] + i];
                    pointIds[g * chunk + i] = sequence.PointIds[fed[g] + i];
                }
            }

            clock.Restart();
            var logits = _decoder.Step(tokens.AsSpan(0, Batch * chunk), pointIds.AsSpan(0, Batch * chunk), counts, chunk);
            var stepSeconds = clock.Elapsed.TotalSeconds;
            Statistics.RowsComputed += (long)Batch * chunk;
            Statistics.FedTokens += counts.Sum();
            if (chunk > 1) { Statistics.PrefillCalls++; Statistics.PrefillSeconds += stepSeconds; }
            else { Statistics.DecodeCalls++; Statistics.DecodeSeconds += stepSeconds; }

            for (var g = 0; g < games; g++)
            {
                if (iterators[g] is null || counts[g] == 0) continue;
                fed[g] += counts[g];
                if (fed[g] < _writers[g].Sequence.Count) continue;
                clock.Restart();
                Choose(_writers[g], iterators[g]!.Current, logits.Slice((long)(g * chunk + counts[g] - 1) * _vocabulary.Count, _vocabulary.Count));
                Statistics.ChoiceSeconds += clock.Elapsed.TotalSeconds;
                Statistics.ModelTokens++;
                clock.Restart();
                if (!iterators[g]!.MoveNext()) iterators[g] = null;
                Statistics.WriterSeconds += clock.Elapsed.TotalSeconds;
            }
        }

        for (var g = 0; g < games; g++)
        {
            var writer = _writers[g];
            Statistics.Steps++;
            Statistics.ImaginedPoints += writer.ImaginedAccuracy.Points;
            Statistics.ImaginedCorrect += writer.ImaginedAccuracy.Correct;
        }
        return _writers.AsSpan(0, games).ToArray();
    }

    /// <summary>
    /// What one decoder call costs beyond its rows, in rows: kernel launches and parallel-loop joins. On the SIMD path
    /// a call is cheap: measured with <c>bench -- search --call-overhead-rows R</c>, 4 took 5×5 steps from 42 (always the
    /// longest run) to 96 steps/s (bench/RESULTS.md). A GPU launches ~50 kernels per call and computes rows almost for
    /// free, so there the estimate is large (not yet measured: no GPU was lent).
    /// </summary>
    public int CallOverheadRows { get; set; }

    internal static int DefaultCallOverheadRows(Kernels.DeviceKind kind) => kind == Kernels.DeviceKind.Cuda ? 1024 : 4;

    /// <summary>
    /// The chunk of the next decoder call. A call computes batch × chunk rows whatever each game feeds, so the chunk
    /// that feeds the most tokens per unit of cost is taken: Σ min(pending, c) / (overhead + batch·c) over the
    /// candidate chunks c (the games' pending runs, at most <paramref name="limit"/>). When every game waits on a short
    /// run this is 1 and long forced runs go in pieces; when all games have long runs (child boards) they go in one call.
    /// Returns 0 when nothing is pending.
    /// </summary>
    internal static int ChooseChunk(ReadOnlySpan<int> pending, int batch, int limit, int overheadRows)
    {
        var best = 0;
        var bestRate = 0.0;
        foreach (var candidate in pending)
        {
            var c = Math.Min(candidate, limit);
            if (c <= 0) continue;
            long fed = 0;
            foreach (var p in pending) fed += Math.Min(p, c);
            var rate = fed / (double)(overheadRows + (long)batch * c);
            if (rate > bestRate || (rate == bestRate && c < best)) (best, bestRate) = (c, rate);
        }
        return best;
    }

    private void Choose(SearchWriter writer, Decision decision, Kernels.Tensor<float> logits)
    {
        logits.CopyTo(_row);
        if (decision.Kind == DecisionKind.BoardPoint)
        {
            var best = Vocabulary.Empty;
            for (var token = Vocabulary.Black; token <= Vocabulary.White; token++)
                if (_row[token] > _row[best]) best = token;
            writer.Answer(best);
            return;
        }
        var buckets = _vocabulary.ValueBuckets;
        var first = _vocabulary.ValueToken(0);
        var max = double.NegativeInfinity;
        for (var b = 0; b < buckets; b++) max = Math.Max(max, _row[first + b]);
        var sum = 0.0;
        for (var b = 0; b < buckets; b++) sum += _probabilities[b] = Math.Exp(_row[first + b] - max);
        var expected = 0.0;
        for (var b = 0; b < buckets; b++)
        {
            _probabilities[b] /= sum;
            expected += _probabilities[b] * _vocabulary.BucketCenter(b);
        }
        var bucket = _vocabulary.Bucket(expected);
        if (_settings.SampleValueTokens)
        {
            var u = Random.NextDouble();
            bucket = buckets - 1;
            for (var b = 0; b < buckets; b++)
            {
                u -= _probabilities[b];
                if (u < 0) { bucket = b; break; }
            }
        }
        writer.Answer(_vocabulary.ValueToken(bucket), expected);
    }

    public void Dispose() => _decoder.Dispose();
}
