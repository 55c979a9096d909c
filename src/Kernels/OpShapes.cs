namespace GoSeqZero.Kernels;

/// <summary>
/// One (batched) row-major GEMM: <c>C = alpha·op(A)·op(B) + beta·C (+ bias broadcast over rows)</c>, with
/// <c>op(A)</c> M×K and <c>op(B)</c> K×N. A stored transposed is K×M with leading dimension ≥ M, and so on;
/// a leading dimension of 0 means dense rows. Batch b reads A at <c>b·StrideA</c>, B at <c>b·StrideB</c>, C at <c>b·StrideC</c>.
/// </summary>
public readonly record struct GemmSpec(bool TransposeA, bool TransposeB, int M, int N, int K)
{
    public static GemmSpec NN(int m, int n, int k) => new(false, false, m, n, k);
    public static GemmSpec NT(int m, int n, int k) => new(false, true, m, n, k);
    public static GemmSpec TN(int m, int n, int k) => new(true, false, m, n, k);

    public float Alpha { get; init; } = 1;
    public float Beta { get; init; }
    public int BatchCount { get; init; } = 1;
    public long StrideA { get; init; }
    public long StrideB { get; init; }
    public long StrideC { get; init; }
    public int LeadingA { get; init; }
    public int LeadingB { get; init; }
    public int LeadingC { get; init; }

    /// <summary>Row length of A as stored: K, or M when A is stored transposed, unless set.</summary>
    public int Lda => LeadingA > 0 ? LeadingA : TransposeA ? M : K;
    public int Ldb => LeadingB > 0 ? LeadingB : TransposeB ? K : N;
    public int Ldc => LeadingC > 0 ? LeadingC : N;

    public double Flops => 2.0 * M * N * K * BatchCount;

    /// <summary>Checks the sizes against the tensors; a mistake here would read or write out of bounds.</summary>
    public void Validate(long aLength, long bLength, long cLength, long biasLength)
    {
        if (M < 0 || N < 0 || K < 0 || BatchCount < 1) throw new ArgumentException($"bad GEMM sizes {this}");
        if (Lda < (TransposeA ? M : K) || Ldb < (TransposeB ? K : N) || Ldc < N) throw new ArgumentException($"leading dimension too small in {this}");
        Need("A", aLength, StrideA, TransposeA ? K : M, Lda, TransposeA ? M : K);
        Need("B", bLength, StrideB, TransposeB ? N : K, Ldb, TransposeB ? K : N);
        Need("C", cLength, StrideC, M, Ldc, N);
        if (biasLength >= 0 && biasLength < N) throw new ArgumentException($"bias has {biasLength} values, GEMM needs N = {N}");
    }

    private void Need(string name, long length, long stride, int rows, int leading, int columns)
    {
        if (rows == 0 || columns == 0) return;
        var needed = (BatchCount - 1) * stride + (long)(rows - 1) * leading + columns;
        if (length < needed) throw new ArgumentException($"{name} has {length} elements, {this} reads up to {needed}");
    }
}

/// <summary>
/// Causal self-attention over <c>qkv</c> [Batch, Tokens, 3·Channels] laid out as all query heads, then all key heads,
/// then all value heads; each head has <see cref="HeadSize"/> = Channels / Heads channels.
/// </summary>
public readonly record struct AttentionShape(int Batch, int Tokens, int Channels, int Heads)
{
    public const int MaxHeadSize = 128;

    public int HeadSize => Channels / Heads;

    /// <summary>Multiply-adds of QKᵀ and PV counted over the causal half, times two for flops.</summary>
    public double ForwardFlops => 2.0 * 2.0 * Batch * Heads * HeadSize * (Tokens * (double)(Tokens + 1) / 2);

    public void Validate()
    {
        if (Batch < 1 || Tokens < 1 || Heads < 1 || Channels < Heads || Channels % Heads != 0)
            throw new ArgumentException($"bad attention shape {this}: channels must be a positive multiple of heads");
        if (HeadSize > MaxHeadSize) throw new ArgumentException($"head size {HeadSize} is above the supported {MaxHeadSize}");
    }
}

/// <summary>
/// Attention of a chunk of new queries against a KV cache. Each cache is [Batch, Heads, Capacity, HeadSize]:
/// per sequence and head, the keys (or values) of positions 0..Capacity−1 are contiguous rows.
/// Query i of sequence b sits at position <c>start[b] + i</c> and sees cache positions 0..start[b]+i;
/// only the first <c>count[b]</c> of the <see cref="Queries"/> slots of a sequence are real.
/// </summary>
public readonly record struct DecodeShape(int Batch, int Queries, int Channels, int Heads, int Capacity)
{
    public int HeadSize => Channels / Heads;

    public void Validate()
    {
        new AttentionShape(Batch, Queries, Channels, Heads).Validate();
        if (Capacity < 1) throw new ArgumentException($"bad cache capacity in {this}");
    }
}

/// <summary>Sampling from a softmax over allowed tokens: temperature 0 takes the argmax; top-k 0 keeps every token.</summary>
public readonly record struct SamplingSettings(float Temperature, int TopK);

/// <summary>Decoupled AdamW as in PyTorch (<c>torch.optim.AdamW</c>), step numbers from 1.</summary>
public readonly record struct AdamWSettings(float LearningRate, float Beta1 = 0.9f, float Beta2 = 0.95f, float Epsilon = 1e-8f, float WeightDecay = 0.1f);
