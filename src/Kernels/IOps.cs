namespace GoSeqZero.Kernels;

/// <summary>
/// Every op the transformer needs, one method each (llm.c's <c>op_forward</c>/<c>op_backward</c> pairs).
/// Implemented by <see cref="Simd.SimdOps"/> (the CPU path) and <see cref="Ilgpu.IlgpuOps"/> (GPUs, and ILGPU's
/// CPU emulator in tests). Calls may be queued: read results through <see cref="Tensor{T}.ToArray"/>, which waits.
/// <para>
/// Conventions. Backward ops <b>add</b> into every gradient they produce (<c>+=</c>); callers zero gradients once per
/// step. The one exception is <see cref="CrossEntropyForwardBackward"/>, where the backward pass starts: it writes.
/// Allowed-token masks are bit sets, <c>ceil(V/32)</c> words per row, bit <c>j % 32</c> of word <c>j / 32</c> set
/// when token j is allowed; a null mask allows every token.
/// </para>
/// </summary>
public interface IOps
{
    /// <summary>Sets every element to <paramref name="value"/>.</summary>
    void Fill(Tensor<float> values, float value);

    /// <summary>Batched GEMM with an optional bias over columns (see <see cref="GemmSpec"/>).</summary>
    void Gemm(GemmSpec spec, Tensor<float> a, Tensor<float> b, Tensor<float> c, Tensor<float>? bias = null);

    /// <summary><c>biasGradient[j] += Σ_rows outputGradient[row, j]</c>: the bias part of a linear layer's backward.</summary>
    void BiasBackward(Tensor<float> biasGradient, Tensor<float> outputGradient, int rows, int columns);

    /// <summary>
    /// <c>output[r] = tokenTable[tokens[r]] + positionTable[positions[r]] + pointTable[pointIds[r]]</c>, rows of
    /// <paramref name="channels"/>. Point id 0 is the learned "no point" row.
    /// </summary>
    void EmbeddingForward(Tensor<float> output, Tensor<int> tokens, Tensor<int> positions, Tensor<int> pointIds,
        Tensor<float> tokenTable, Tensor<float> positionTable, Tensor<float> pointTable, int rows, int channels);

    void EmbeddingBackward(Tensor<float> tokenTableGradient, Tensor<float> positionTableGradient, Tensor<float> pointTableGradient,
        Tensor<float> outputGradient, Tensor<int> tokens, Tensor<int> positions, Tensor<int> pointIds, int rows, int channels);

    /// <summary>LayerNorm over rows (ε = 1e-5, biased variance), saving each row's mean and 1/σ for the backward.</summary>
    void LayerNormForward(Tensor<float> output, Tensor<float> mean, Tensor<float> reciprocalStd,
        Tensor<float> input, Tensor<float> weight, Tensor<float> bias, int rows, int channels);

    void LayerNormBackward(Tensor<float> inputGradient, Tensor<float> weightGradient, Tensor<float> biasGradient,
        Tensor<float> outputGradient, Tensor<float> input, Tensor<float> weight, Tensor<float> mean, Tensor<float> reciprocalStd,
        int rows, int channels);

    /// <summary>GELU, tanh approximation (GPT-2's).</summary>
    void GeluForward(Tensor<float> output, Tensor<float> input, long count);

    void GeluBackward(Tensor<float> inputGradient, Tensor<float> input, Tensor<float> outputGradient, long count);

    /// <summary><c>output = a + b</c>: the residual connection.</summary>
    void Add(Tensor<float> output, Tensor<float> a, Tensor<float> b, long count);

    /// <summary><c>target += source</c>: the residual connection's backward.</summary>
    void Accumulate(Tensor<float> target, Tensor<float> source, long count);

    /// <summary>
    /// Fused causal attention (FlashAttention-style: key tiles, online softmax, no T×T matrix).
    /// <paramref name="output"/> is [Batch, Tokens, Channels]; <paramref name="logSumExp"/> [Batch, Heads, Tokens] is saved for the backward.
    /// </summary>
    void AttentionForward(Tensor<float> output, Tensor<float> logSumExp, Tensor<float> qkv, AttentionShape shape);

    /// <summary>The backward of <see cref="AttentionForward"/>: recomputes the probabilities from the saved log-sum-exp.</summary>
    void AttentionBackward(Tensor<float> qkvGradient, Tensor<float> outputGradient, Tensor<float> output,
        Tensor<float> logSumExp, Tensor<float> qkv, AttentionShape shape);

    /// <summary>Writes the keys and values of a chunk of new tokens (<paramref name="qkv"/> [Batch, Queries, 3·Channels]) into the caches.</summary>
    void KvCacheAppend(Tensor<float> keyCache, Tensor<float> valueCache, Tensor<float> qkv,
        Tensor<int> startPositions, Tensor<int> queryCounts, DecodeShape shape);

    /// <summary>
    /// Attention of the chunk's queries over the caches (after <see cref="KvCacheAppend"/>), into
    /// <paramref name="output"/> [Batch, Queries, Channels]; slots past a sequence's count are set to 0.
    /// </summary>
    void AttentionDecode(Tensor<float> output, Tensor<float> qkv, Tensor<float> keyCache, Tensor<float> valueCache,
        Tensor<int> startPositions, Tensor<int> queryCounts, DecodeShape shape);

    /// <summary>
    /// Softmax over the allowed tokens of each row, then
    /// <c>losses[r] = −weights[r]·log p[r, targets[r]]</c> and
    /// <c>logitGradients[r, j] = gradientScale·weights[r]·(p[r, j] − [j = targets[r]])</c> (0 for disallowed tokens).
    /// Rows with weight 0 get loss 0 and gradient 0 whatever their target. <paramref name="logitGradients"/> may be <paramref name="logits"/>.
    /// </summary>
    void CrossEntropyForwardBackward(Tensor<float> losses, Tensor<float> logitGradients, Tensor<float> logits,
        Tensor<int> targets, Tensor<float> weights, Tensor<uint>? allowedTokens, int rows, int vocabularySize, float gradientScale);

    /// <summary>Softmax over the allowed tokens of each row at <paramref name="temperature"/>; disallowed tokens get probability 0.</summary>
    void Softmax(Tensor<float> probabilities, Tensor<float> logits, Tensor<uint>? allowedTokens, int rows, int vocabularySize, float temperature);

    /// <summary>
    /// Draws one allowed token per row from the tempered softmax restricted to the top k (counter-based random numbers
    /// from <paramref name="seed"/> and the row, so a draw is reproducible). A row with nothing allowed gets −1.
    /// </summary>
    void Sample(Tensor<int> tokens, Tensor<float> logits, Tensor<uint>? allowedTokens, int rows, int vocabularySize,
        SamplingSettings settings, ulong seed);

    /// <summary>Σ values²: the square of the global gradient norm when the gradients share one buffer.</summary>
    float SumOfSquares(Tensor<float> values);

    /// <summary>
    /// One AdamW step (<paramref name="step"/> counts from 1) on the gradients times <paramref name="gradientScale"/>
    /// (the clipping factor). Updates the parameters and both moment buffers in place.
    /// </summary>
    void AdamW(Tensor<float> parameters, Tensor<float> gradients, Tensor<float> firstMoments, Tensor<float> secondMoments,
        AdamWSettings settings, int step, float gradientScale);
}
