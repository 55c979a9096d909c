using ILGPU;
using ILGPU.Runtime;

namespace GoSeqZero.Kernels.Ilgpu;

internal sealed partial class IlgpuOps
{
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, AttentionShape,
        SpecializedValue<int>, SpecializedValue<int>, SpecializedValue<int>>? _attentionForward;

    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        AttentionShape, SpecializedValue<int>, SpecializedValue<int>, SpecializedValue<int>>? _attentionQueryGradients;

    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        AttentionShape, SpecializedValue<int>, SpecializedValue<int>, SpecializedValue<int>>? _attentionKeyValueGradients;

    /// <summary>D = rowsum(dO ∘ O) per (sequence, head, token), passed from the dQ kernel to the dK/dV kernel; grows, never shrinks.</summary>
    private MemoryBuffer1D<float, Stride1D.Dense>? _attentionRowTerms;

    private readonly Lock _attentionRowTermsLock = new();

    /// <summary>(owned rows, streamed rows, lanes per row) for all three attention kernels instead of the accelerator's choice; for tests.</summary>
    internal (int Tile, int Other, int Lanes)? AttentionTilingOverride { get; set; }

    public void AttentionForward(Tensor<float> output, Tensor<float> logSumExp, Tensor<float> qkv, AttentionShape shape)
    {
        AttentionArguments.CheckForward(output, logSumExp, qkv, shape);
        var tiling = AttentionTiling.For(Accelerator, shape.HeadSize, AttentionKernels.ForwardSharedFloats, AttentionTilingOverride);
        _attentionForward ??= Accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, AttentionShape,
            SpecializedValue<int>, SpecializedValue<int>, SpecializedValue<int>>(AttentionKernels.Forward);
        _attentionForward(Launch(tiling, shape), qkv.View.BaseView, output.View.BaseView, logSumExp.View.BaseView, shape,
            SpecializedValue.New(tiling.Tile), SpecializedValue.New(tiling.Other), SpecializedValue.New(tiling.Lanes));
    }

    public void AttentionBackward(Tensor<float> qkvGradient, Tensor<float> outputGradient, Tensor<float> output, Tensor<float> logSumExp, Tensor<float> qkv, AttentionShape shape)
    {
        AttentionArguments.CheckBackward(qkvGradient, outputGradient, output, logSumExp, qkv, shape);
        var rowTerms = AttentionRowTerms((long)shape.Batch * shape.Heads * shape.Tokens);

        var queryTiling = AttentionTiling.For(Accelerator, shape.HeadSize, AttentionKernels.QueryGradientSharedFloats, AttentionTilingOverride);
        _attentionQueryGradients ??= Accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>, AttentionShape, SpecializedValue<int>, SpecializedValue<int>, SpecializedValue<int>>(AttentionKernels.QueryGradients);
        _attentionQueryGradients(Launch(queryTiling, shape), qkvGradient.View.BaseView, rowTerms, outputGradient.View.BaseView,
            output.View.BaseView, logSumExp.View.BaseView, qkv.View.BaseView, shape,
            SpecializedValue.New(queryTiling.Tile), SpecializedValue.New(queryTiling.Other), SpecializedValue.New(queryTiling.Lanes));

        // Queued after the dQ kernel on the same stream, so the row terms it wrote are complete.
        var keyTiling = AttentionTiling.For(Accelerator, shape.HeadSize, AttentionKernels.KeyValueGradientSharedFloats, AttentionTilingOverride);
        _attentionKeyValueGradients ??= Accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, AttentionShape, SpecializedValue<int>, SpecializedValue<int>, SpecializedValue<int>>(AttentionKernels.KeyValueGradients);
        _attentionKeyValueGradients(Launch(keyTiling, shape), qkvGradient.View.BaseView, rowTerms, outputGradient.View.BaseView,
            logSumExp.View.BaseView, qkv.View.BaseView, shape,
            SpecializedValue.New(keyTiling.Tile), SpecializedValue.New(keyTiling.Other), SpecializedValue.New(keyTiling.Lanes));
    }

    /// <summary>One group per (tile of owned rows, sequence·head), with the tiling's dynamic shared memory.</summary>
    private static KernelConfig Launch(AttentionTiling tiling, AttentionShape shape)
    {
        var tiles = (shape.Tokens + tiling.Tile - 1) / tiling.Tile;
        return new KernelConfig(checked(tiles * shape.Batch * shape.Heads), tiling.GroupSize, SharedMemoryConfig.RequestDynamic<float>(tiling.SharedFloats));
    }

    private ArrayView<float> AttentionRowTerms(long length)
    {
        lock (_attentionRowTermsLock)
        {
            if (_attentionRowTerms is null || _attentionRowTerms.Length < length)
            {
                // Kernels queued earlier may still read the old buffer.
                Accelerator.Synchronize();
                _attentionRowTerms?.Dispose();
                _attentionRowTerms = Accelerator.Allocate1D<float>(length);
            }
            return _attentionRowTerms.View.SubView(0, length);
        }
    }
}
