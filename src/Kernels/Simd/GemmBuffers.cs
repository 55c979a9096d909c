using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace GoSeqZero.Kernels.Simd;

/// <summary>
/// A growable float buffer on the pinned object heap, 64-byte aligned so packed panels start on cache lines.
/// Grows to the largest size asked for and is then reused: steady-state GEMMs allocate no buffers.
/// </summary>
internal sealed unsafe class GemmBuffer
{
    private const int AlignmentFloats = 16;
    private float[] _storage = [];
    private float* _aligned;
    private long _capacity;

    /// <summary>At least <paramref name="floats"/> floats, aligned; the contents are not kept when it grows.</summary>
    public float* Get(long floats)
    {
        if (floats > _capacity)
        {
            _storage = GC.AllocateUninitializedArray<float>(checked((int)(floats + AlignmentFloats)), pinned: true);
            var start = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_storage));
            _aligned = (float*)((start + 63) & ~(nint)63);
            _capacity = floats;
        }
        return _aligned;
    }
}

/// <summary>Buffers lent to GEMM calls and their worker threads; thread-safe, so concurrent GEMMs on one ops object share it.</summary>
internal sealed class GemmBufferPool
{
    private readonly Stack<GemmBuffer> _free = new();

    public GemmBuffer Rent()
    {
        lock (_free) return _free.Count > 0 ? _free.Pop() : new GemmBuffer();
    }

    public void Return(GemmBuffer buffer)
    {
        lock (_free) _free.Push(buffer);
    }
}
