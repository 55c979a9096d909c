using ILGPU;
using ILGPU.Runtime;

namespace GoSeqZero.Kernels;

/// <summary>
/// A row-major shape over a dense range of a buffer owned by a <see cref="Device"/>.
/// <see cref="Slice"/> and <see cref="Reshape"/> make views of the same memory; only the allocating tensor frees it.
/// </summary>
public sealed unsafe class Tensor<T> : IDisposable where T : unmanaged
{
    private readonly MemoryBuffer1D<T, Stride1D.Dense> _buffer;
    private readonly long _offset;
    private readonly int[] _shape;
    private readonly bool _ownsBuffer;

    internal Tensor(Device device, MemoryBuffer1D<T, Stride1D.Dense> buffer, long offset, int[] shape, bool ownsBuffer)
    {
        Device = device;
        _buffer = buffer;
        _offset = offset;
        _shape = (int[])shape.Clone();
        Length = CheckShape(shape);
        _ownsBuffer = ownsBuffer;
        if (offset < 0 || offset + Length > buffer.Length)
            throw new ArgumentOutOfRangeException(nameof(offset), $"a view of {Length} elements at {offset} does not fit a buffer of {buffer.Length}");
    }

    public Device Device { get; }

    public IReadOnlyList<int> Shape => _shape;

    /// <summary>The number of elements: the product of the shape.</summary>
    public long Length { get; }

    /// <summary>The elements as an ILGPU view, for kernels.</summary>
    public ArrayView1D<T, Stride1D.Dense> View => _buffer.View.SubView(_offset, Length);

    /// <summary>The first element in host memory; only for devices whose memory is the host's (see <see cref="Device.IsHostMemory"/>).</summary>
    internal T* Pointer
    {
        get
        {
            if (!Device.IsHostMemory) throw new InvalidOperationException($"a {Device.Kind.Name()} tensor has no host pointer");
            return (T*)_buffer.NativePtr + _offset;
        }
    }

    /// <summary>The elements as a span over host memory (same restriction as <see cref="Pointer"/>).</summary>
    internal Span<T> Span => new(Pointer, checked((int)Length));

    public Tensor<T> Slice(long offset, params int[] shape)
    {
        var length = CheckShape(shape);
        if (offset < 0 || offset + length > Length)
            throw new ArgumentOutOfRangeException(nameof(offset), $"a slice of {length} elements at {offset} does not fit a tensor of {Length} [{ShapeText}]");
        return new Tensor<T>(Device, _buffer, _offset + offset, shape, ownsBuffer: false);
    }

    public Tensor<T> Reshape(params int[] shape)
    {
        if (CheckShape(shape) != Length)
            throw new ArgumentException($"cannot reshape [{ShapeText}] ({Length} elements) to [{string.Join(", ", shape)}]");
        return new Tensor<T>(Device, _buffer, _offset, shape, ownsBuffer: false);
    }

    public void CopyFrom(ReadOnlySpan<T> source)
    {
        if (source.Length != Length) throw new ArgumentException($"{source.Length} values for a tensor of {Length} [{ShapeText}]");
        if (Device.IsHostMemory)
        {
            Device.Synchronize();
            source.CopyTo(Span);
        }
        else View.BaseView.CopyFromCPU(source);
    }

    public void CopyTo(Span<T> destination)
    {
        if (destination.Length != Length) throw new ArgumentException($"room for {destination.Length} values, the tensor has {Length} [{ShapeText}]");
        Device.Synchronize();
        if (Device.IsHostMemory) Span.CopyTo(destination);
        else View.BaseView.CopyToCPU(destination);
    }

    public T[] ToArray()
    {
        var values = new T[Length];
        CopyTo(values);
        return values;
    }

    public void Dispose()
    {
        if (_ownsBuffer) _buffer.Dispose();
    }

    public override string ToString() => $"Tensor<{typeof(T).Name}>[{ShapeText}] on {Device.Kind.Name()}";

    private string ShapeText => string.Join(", ", _shape);

    internal static long CheckShape(int[] shape)
    {
        long length = 1;
        foreach (var size in shape)
        {
            if (size < 0) throw new ArgumentException($"negative size in shape [{string.Join(", ", shape)}]");
            length = checked(length * size);
        }
        return length;
    }
}
