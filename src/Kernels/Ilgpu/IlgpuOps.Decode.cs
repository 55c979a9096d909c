using ILGPU;
using ILGPU.Runtime;

namespace GoSeqZero.Kernels.Ilgpu;

internal sealed partial class IlgpuOps
{
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<int>, DecodeShape>? _kvCacheAppend;

    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<int>,
        DecodeShape, SpecializedValue<int>, SpecializedValue<int>>? _attentionDecode;

    /// <summary>
    /// Sizes are checked here; the start positions and counts live on the device and are the caller's contract (checking
    /// them would cost a copy and a wait per step). A sequence that breaks it gets no cache writes (see <see cref="DecodeKernels"/>).
    /// </summary>
    public void KvCacheAppend(Tensor<float> keyCache, Tensor<float> valueCache, Tensor<float> qkv, Tensor<int> startPositions, Tensor<int> queryCounts, DecodeShape shape)
    {
        DecodeArguments.CheckTensors(shape, keyCache, valueCache, qkv, startPositions, queryCounts, output: null);
        _kvCacheAppend ??= Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<int>, ArrayView<int>, DecodeShape>(DecodeKernels.Append);
        var elements = checked(2 * shape.Batch * shape.Queries * shape.Channels);
        _kvCacheAppend(elements, keyCache.View.BaseView, valueCache.View.BaseView, qkv.View.BaseView,
            startPositions.View.BaseView, queryCounts.View.BaseView, shape);
    }

    /// <summary>
    /// Sizes are checked here; the start positions and counts are the caller's contract, and a sequence that breaks it
    /// gets NaN in all of its output rows (see <see cref="DecodeKernels"/>).
    /// </summary>
    public void AttentionDecode(Tensor<float> output, Tensor<float> qkv, Tensor<float> keyCache, Tensor<float> valueCache, Tensor<int> startPositions, Tensor<int> queryCounts, DecodeShape shape)
    {
        DecodeArguments.CheckTensors(shape, keyCache, valueCache, qkv, startPositions, queryCounts, output);
        var launch = DecodeLaunch.For(shape, Accelerator.WarpSize, Accelerator.MaxNumThreadsPerGroup);
        _attentionDecode ??= Accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<int>, ArrayView<int>, DecodeShape, SpecializedValue<int>, SpecializedValue<int>>(DecodeKernels.Attend);
        var groups = checked(shape.Batch * shape.Queries * shape.Heads);
        _attentionDecode(new KernelConfig(groups, launch.GroupSize), output.View.BaseView, qkv.View.BaseView, keyCache.View.BaseView,
            valueCache.View.BaseView, startPositions.View.BaseView, queryCounts.View.BaseView, shape,
            SpecializedValue.New(launch.TeamSize), SpecializedValue.New(launch.DimensionsPerLane));
    }
}
