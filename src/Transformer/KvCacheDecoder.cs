using GoSeqZero.Kernels;

namespace GoSeqZero.Transformer;

/// <summary>
/// Incremental decoding of a batch of sequences with a KV cache per layer ([Batch, Heads, Capacity, HeadSize], see
/// <see cref="DecodeShape"/>). Each <see cref="Step"/> feeds up to <see cref="MaxChunk"/> new tokens per sequence —
/// one for a model-chosen token, a run for forced tokens (chunked prefill) — and returns their logits. Sequences
/// advance independently (ragged lengths); <see cref="Reset"/> starts one afresh. All memory is allocated once.
/// </summary>
public sealed class KvCacheDecoder : IDisposable
{
    private readonly Gpt _model;
    private readonly Tensor<float>[] _keys, _values;
    private readonly Tensor<int> _tokens, _positions, _pointIds, _starts, _counts;
    private readonly Tensor<float> _residual, _normed, _qkv, _attention, _projection, _hidden, _hiddenGelu, _mean, _rstd, _logits;
    private readonly int[] _lengths;
    private readonly int[] _positionsHost;

    public KvCacheDecoder(Gpt model, int batch, int capacity, int maxChunk = 1)
    {
        var config = model.Config;
        if (batch < 1 || maxChunk < 1) throw new ArgumentException($"a decoder needs a batch and a chunk of at least 1, not {batch} and {maxChunk}");
        if (capacity < 1 || capacity > config.ContextLength)
            throw new ArgumentException($"cache capacity {capacity} must be between 1 and the context length {config.ContextLength}");
        _model = model;
        Batch = batch;
        Capacity = capacity;
        MaxChunk = maxChunk;
        var device = model.Device;
        int c = config.Channels, rows = batch * maxChunk;
        _keys = new Tensor<float>[config.Layers];
        _values = new Tensor<float>[config.Layers];
        for (var l = 0; l < config.Layers; l++)
        {
            _keys[l] = device.Allocate<float>(batch, config.Heads, capacity, config.HeadSize);
            _values[l] = device.Allocate<float>(batch, config.Heads, capacity, config.HeadSize);
        }
        _tokens = device.Allocate<int>(rows);
        _positions = device.Allocate<int>(rows);
        _pointIds = device.Allocate<int>(rows);
        _starts = device.Allocate<int>(batch);
        _counts = device.Allocate<int>(batch);
        _residual = device.Allocate<float>(rows, c);
        _normed = device.Allocate<float>(rows, c);
        _qkv = device.Allocate<float>(rows, 3 * c);
        _attention = device.Allocate<float>(rows, c);
        _projection = device.Allocate<float>(rows, c);
        _hidden = device.Allocate<float>(rows, 4 * c);
        _hiddenGelu = device.Allocate<float>(rows, 4 * c);
        _mean = device.Allocate<float>(rows);
        _rstd = device.Allocate<float>(rows);
        _logits = device.Allocate<float>(rows, config.VocabularySize);
        _lengths = new int[batch];
        _positionsHost = new int[rows];
    }

    public int Batch { get; }
    public int Capacity { get; }
    public int MaxChunk { get; }

    /// <summary>Tokens already in each sequence's cache.</summary>
    public IReadOnlyList<int> Lengths => _lengths;

    public void ResetAll() => Array.Clear(_lengths);

    /// <summary>
    /// Appends <c>counts[b]</c> tokens to sequence b (slots [b·chunk, b·chunk + counts[b]) of <paramref name="tokens"/>
    /// and <paramref name="pointIds"/>, laid out [Batch, chunk]) and returns the logits [Batch·chunk, V] of every slot;
    /// rows of unused slots hold no meaning. The view stays valid until the next step.
    /// </summary>
    public Tensor<float> Step(ReadOnlySpan<int> tokens, ReadOnlySpan<int> pointIds, ReadOnlySpan<int> counts, int chunk)
    {
        var config = _model.Config;
        if (chunk < 1 || chunk > MaxChunk) throw new ArgumentException($"chunk {chunk} must be between 1 and {MaxChunk}");
        if (counts.Length != Batch) throw new ArgumentException($"{counts.Length} counts for a batch of {Batch}");
        var rows = Batch * chunk;
        if (tokens.Length != rows || pointIds.Length != rows) throw new ArgumentException($"tokens and point ids need {rows} slots ({Batch}×{chunk})");
        for (var b = 0; b < Batch; b++)
        {
            if (counts[b] < 0 || counts[b] > chunk) throw new ArgumentException($"sequence {b}: count {counts[b]} outside 0..{chunk}");
            if (_lengths[b] + counts[b] > Capacity)
                throw new InvalidOperationException($"sequence {b}: {_lengths[b]} + {counts[b]} tokens exceed the cache capacity {Capacity}");
            for (var i = 0; i < chunk; i++) _positionsHost[b * chunk + i] = Math.Min(_lengths[b] + i, Capacity - 1);
        }

        var ops = _model.Ops;
        int c = config.Channels;
        var shape = new DecodeShape(Batch, chunk, c, config.Heads, Capacity);
        var tokenView = _tokens.Slice(0, rows);
        var positionView = _positions.Slice(0, rows);
        var pointView = _pointIds.Slice(0, rows);
        tokenView.CopyFrom(tokens);
        positionView.CopyFrom(_positionsHost.AsSpan(0, rows));
        pointView.CopyFrom(pointIds);
        _starts.CopyFrom(_lengths);
        _counts.CopyFrom(counts);

        var residual = _residual.Slice(0, rows, c);
        var normed = _normed.Slice(0, rows, c);
        var qkv = _qkv.Slice(0, rows, 3 * c);
        var attention = _attention.Slice(0, rows, c);
        var projection = _projection.Slice(0, rows, c);
        var hidden = _hidden.Slice(0, rows, 4 * c);
        var hiddenGelu = _hiddenGelu.Slice(0, rows, 4 * c);
        var mean = _mean.Slice(0, rows);
        var rstd = _rstd.Slice(0, rows);
        var logits = _logits.Slice(0, rows, config.VocabularySize);

        var w = _model.ParameterTensors;
        ops.EmbeddingForward(residual, tokenView, positionView, pointView, w.TokenEmbedding, w.PositionEmbedding, w.PointEmbedding, rows, c);
        for (var l = 0; l < config.Layers; l++)
        {
            var block = w.Blocks[l];
            ops.LayerNormForward(normed, mean, rstd, residual, block.Ln1Weight, block.Ln1Bias, rows, c);
            ops.LinearForward(qkv, normed, block.AttnQkvWeight, block.AttnQkvBias, rows, c, 3 * c);
            ops.KvCacheAppend(_keys[l], _values[l], qkv, _starts, _counts, shape);
            ops.AttentionDecode(attention, qkv, _keys[l], _values[l], _starts, _counts, shape);
            ops.LinearForward(projection, attention, block.AttnProjWeight, block.AttnProjBias, rows, c, c);
            ops.Accumulate(residual, projection, (long)rows * c);
            ops.LayerNormForward(normed, mean, rstd, residual, block.Ln2Weight, block.Ln2Bias, rows, c);
            ops.LinearForward(hidden, normed, block.MlpFcWeight, block.MlpFcBias, rows, c, 4 * c);
            ops.GeluForward(hiddenGelu, hidden, (long)rows * 4 * c);
            ops.LinearForward(projection, hiddenGelu, block.MlpProjWeight, block.MlpProjBias, rows, 4 * c, c);
            ops.Accumulate(residual, projection, (long)rows * c);
        }
        ops.LayerNormForward(normed, mean, rstd, residual, w.LnFWeight, w.LnFBias, rows, c);
        ops.LinearForward(logits, normed, w.HeadWeight, null, rows, c, config.VocabularySize);

        for (var b = 0; b < Batch; b++) _lengths[b] += counts[b];
        return logits;
    }

    public void Dispose()
    {
        foreach (var tensor in _keys.Concat(_values)) tensor.Dispose();
        foreach (var tensor in new[] { _tokens, _positions, _pointIds, _starts, _counts }) tensor.Dispose();
        foreach (var tensor in new[] { _residual, _normed, _qkv, _attention, _projection, _hidden, _hiddenGelu, _mean, _rstd, _logits }) tensor.Dispose();
    }
}
