using ILGPU;
using ILGPU.Runtime;

namespace GoSeqZero.Kernels.Ilgpu;

/// <summary>The output and optimizer ops on the GPU path; the kernels and their layout are in <see cref="OutputKernels"/>.</summary>
internal sealed partial class IlgpuOps
{
    /// <summary>Threads per group of the reductions and of AdamW: a common CUDA choice, capped by the accelerator.</summary>
    private const int OutputGroupLimit = 256;

    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<uint>, OutputRows, float>? _crossEntropy;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<uint>, OutputRows, float>? _softmax;
    private Action<KernelConfig, ArrayView<int>, ArrayView<float>, ArrayView<uint>, OutputRows, float, int, ulong>? _sample;
    private Action<KernelConfig, ArrayView<float>, ArrayView<double>, long>? _sumOfSquaresPartials;
    private Action<KernelConfig, ArrayView<double>, ArrayView<double>, int>? _sumOfPartials;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, long, AdamWStep>? _adamW;

    /// <summary>Stands in for a null mask: kernels never read it (the mask word count they get is 0).</summary>
    private MemoryBuffer1D<uint, Stride1D.Dense>? _noMask;

    /// <summary>The sum of squares' per-group partials and its total; one reduction at a time uses them.</summary>
    private MemoryBuffer1D<double, Stride1D.Dense>? _squarePartials, _squareTotal;
    private readonly Lock _sumOfSquaresLock = new();

    private int OutputGroupSize => Math.Min(OutputGroupLimit, Accelerator.MaxNumThreadsPerGroup);

    /// <summary>Enough groups to fill the accelerator once; grid-stride loops cover the rest.</summary>
    private int OutputGroupCount(long count) =>
        (int)Math.Max(1, Math.Min((count + OutputGroupSize - 1) / OutputGroupSize, Accelerator.MaxNumThreads / OutputGroupSize));

    public void CrossEntropyForwardBackward(Tensor<float> losses, Tensor<float> logitGradients, Tensor<float> logits, Tensor<int> targets,
        Tensor<float> weights, Tensor<uint>? allowedTokens, int rows, int vocabularySize, float gradientScale)
    {
        OutputArguments.CrossEntropy(losses, logitGradients, logits, targets, weights, allowedTokens, rows, vocabularySize, gradientScale);
        if (rows == 0) return;
        _crossEntropy ??= Accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>,
            ArrayView<uint>, OutputRows, float>(OutputKernels.CrossEntropy);
        _crossEntropy(RowConfig(rows), losses.View.BaseView, logitGradients.View.BaseView, logits.View.BaseView, targets.View.BaseView,
            weights.View.BaseView, MaskView(allowedTokens), RowShape(rows, vocabularySize, allowedTokens), gradientScale);
    }

    public void Softmax(Tensor<float> probabilities, Tensor<float> logits, Tensor<uint>? allowedTokens, int rows, int vocabularySize, float temperature)
    {
        OutputArguments.Softmax(probabilities, logits, allowedTokens, rows, vocabularySize, temperature);
        if (rows == 0) return;
        _softmax ??= Accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<uint>, OutputRows, float>(OutputKernels.Softmax);
        _softmax(RowConfig(rows), probabilities.View.BaseView, logits.View.BaseView, MaskView(allowedTokens),
            RowShape(rows, vocabularySize, allowedTokens), 1 / temperature);
    }

    public void Sample(Tensor<int> tokens, Tensor<float> logits, Tensor<uint>? allowedTokens, int rows, int vocabularySize,
        SamplingSettings settings, ulong seed)
    {
        OutputArguments.Sample(tokens, logits, allowedTokens, rows, vocabularySize, settings);
        if (rows == 0) return;
        _sample ??= Accelerator.LoadStreamKernel<ArrayView<int>, ArrayView<float>, ArrayView<uint>, OutputRows, float, int, ulong>(OutputKernels.Sample);
        _sample(RowConfig(rows), tokens.View.BaseView, logits.View.BaseView, MaskView(allowedTokens),
            RowShape(rows, vocabularySize, allowedTokens), settings.Temperature, settings.TopK, seed);
    }

    public float SumOfSquares(Tensor<float> values)
    {
        if (values.Length == 0) return 0;
        var groupSize = OutputGroupSize;
        var maxGroups = Math.Max(1, Accelerator.MaxNumThreads / groupSize);
        var groups = OutputGroupCount(values.Length);
        _sumOfSquaresPartials ??= Accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<double>, long>(OutputKernels.SumOfSquaresPartials);
        _sumOfPartials ??= Accelerator.LoadStreamKernel<ArrayView<double>, ArrayView<double>, int>(OutputKernels.SumOfPartials);
        lock (_sumOfSquaresLock)
        {
            _squarePartials ??= Accelerator.Allocate1D<double>(maxGroups);
            _squareTotal ??= Accelerator.Allocate1D<double>(1);
            _sumOfSquaresPartials(new KernelConfig(groups, groupSize), values.View.BaseView, _squarePartials.View.BaseView, values.Length);
            _sumOfPartials(new KernelConfig(1, groupSize), _squarePartials.View.BaseView, _squareTotal.View.BaseView, groups);
            Span<double> total = stackalloc double[1];
            _device.Synchronize();
            _squareTotal.View.BaseView.CopyToCPU(total);
            return (float)total[0];
        }
    }

    public void AdamW(Tensor<float> parameters, Tensor<float> gradients, Tensor<float> firstMoments, Tensor<float> secondMoments,
        AdamWSettings settings, int step, float gradientScale)
    {
        OutputArguments.AdamW(parameters, gradients, firstMoments, secondMoments, settings, step, gradientScale);
        if (parameters.Length == 0) return;
        _adamW ??= Accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, long, AdamWStep>(OutputKernels.AdamW);
        _adamW(new KernelConfig(OutputGroupCount(parameters.Length), OutputGroupSize), parameters.View.BaseView, gradients.View.BaseView,
            firstMoments.View.BaseView, secondMoments.View.BaseView, parameters.Length, AdamWStep.Create(settings, step, gradientScale));
    }

    /// <summary>One warp per row, <see cref="OutputKernels.RowWarpsPerGroup"/> warps (fewer if the accelerator's groups are small) per group.</summary>
    private KernelConfig RowConfig(int rows)
    {
        var warp = Accelerator.WarpSize;
        var warpsPerGroup = Math.Max(1, Math.Min(OutputKernels.RowWarpsPerGroup, Accelerator.MaxNumThreadsPerGroup / warp));
        return new KernelConfig((rows + warpsPerGroup - 1) / warpsPerGroup, warp * warpsPerGroup);
    }

    private static OutputRows RowShape(int rows, int vocabularySize, Tensor<uint>? allowedTokens) =>
        new(rows, vocabularySize, allowedTokens is null ? 0 : OutputArguments.MaskWordsPerRow(vocabularySize));

    private ArrayView<uint> MaskView(Tensor<uint>? allowedTokens)
    {
        if (allowedTokens is not null) return allowedTokens.View.BaseView;
        _noMask ??= Accelerator.Allocate1D<uint>(1);
        return _noMask.View.BaseView;
    }
}
