using ILGPU;
using ILGPU.Runtime;

namespace GoSeqZero.Kernels.Ilgpu;

/// <summary>
/// The GPU path: ILGPU kernels, queued on the accelerator's default stream. Each kernel is loaded once, on first use,
/// and its delegate kept. Group and tile sizes are chosen from the accelerator (warp size, group limit), so the same
/// kernels run with small groups on ILGPU's CPU emulator in tests. The ops are split by area into the partial files beside this one.
/// </summary>
internal sealed partial class IlgpuOps : IOps
{
    private readonly Device _device;
    private readonly Action<Index1D, ArrayView<float>, float> _fill;

    public IlgpuOps(Device device)
    {
        _device = device;
        _fill = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, float>(FillKernel);
    }

    private Accelerator Accelerator => _device.Accelerator;

    public void Fill(Tensor<float> values, float value)
    {
        if (values.Length > 0) _fill(checked((int)values.Length), values.View.BaseView, value);
    }

    private static void FillKernel(Index1D index, ArrayView<float> values, float value) => values[index] = value;
}
