using System.Runtime.CompilerServices;
using ILGPU;

namespace GoSeqZero.Kernels.Ilgpu;

/// <summary>The scalars of one <see cref="GemmSpec"/> as the kernel reads them (flags as ints: kernel parameters must be blittable).</summary>
internal readonly struct GemmArguments(GemmSpec spec, bool hasBias)
{
    public readonly int M = spec.M, N = spec.N, K = spec.K;
    public readonly int Lda = spec.Lda, Ldb = spec.Ldb, Ldc = spec.Ldc;
    public readonly long StrideA = spec.StrideA, StrideB = spec.StrideB, StrideC = spec.StrideC;
    public readonly float Alpha = spec.Alpha, Beta = spec.Beta;
    private readonly int _transposeA = spec.TransposeA ? 1 : 0, _transposeB = spec.TransposeB ? 1 : 0, _hasBias = hasBias ? 1 : 0;

    public bool TransposeA => _transposeA != 0;
    public bool TransposeB => _transposeB != 0;
    public bool HasBias => _hasBias != 0;
}

/// <summary>
/// Tiled SGEMM. Group (x, y, z) computes the TileM × TileN tile (y, x) of batch z of C. Along K it stages a TileM × TileK
/// tile of op(A) and a TileK × TileN tile of op(B) in shared memory, both stored k-major, so the transposition happens
/// while loading: consecutive threads always read consecutive addresses of the matrix as stored (coalesced), whatever
/// the layout. The next step's tiles are fetched into registers while the current one is multiplied. Each thread
/// accumulates a ThreadM × ThreadN block of C in registers; its rows and columns are strided by the number of thread rows
/// and columns, so a warp reads consecutive shared-memory words (no bank conflicts) and writes consecutive columns of C.
/// Out-of-range elements load as 0 and are never stored, so any size works.
/// <para>
/// ILGPU 1.5.3 does not unroll loops, and a per-thread array stays in registers only when every index is a constant. So
/// the per-thread loops go through <see cref="Unrolled.For{TBody}"/>: up to eight steps written out, each behind a test
/// against a tile size, which is a constant once the tiling struct is inlined; the steps past the size vanish.
/// </para>
/// </summary>
internal static class GemmKernel
{
    /// <summary>Extra words per shared-memory row: spreads the column-wise stores of the row-major loads over the banks.</summary>
    public const int Padding = 4;

    /// <summary>The most rows or columns of C per thread, and the most elements of A or B a thread fetches per step.</summary>
    public const int MaxUnrolled = Unrolled.MaxSteps;

    public static void Run<TSizes>(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<float> bias, GemmArguments arguments)
        where TSizes : struct, IGemmTileSizes
    {
        var sizes = default(TSizes);
        int tileM = sizes.TileM, tileN = sizes.TileN, tileK = sizes.TileK, threadM = sizes.ThreadM, threadN = sizes.ThreadN;
        int threadRows = tileM / threadM, threadColumns = tileN / threadN, threads = threadRows * threadColumns;

        var sharedA = SharedMemory.Allocate<float>(tileK * (tileM + Padding));
        var sharedB = SharedMemory.Allocate<float>(tileK * (tileN + Padding));
        var accumulators = LocalMemory.Allocate<float>(MaxUnrolled * MaxUnrolled);
        var fragmentA = LocalMemory.Allocate<float>(MaxUnrolled);
        var fragmentB = LocalMemory.Allocate<float>(MaxUnrolled);

        var thread = Group.IdxX;
        int threadRow = thread / threadColumns, threadColumn = thread % threadColumns;
        var batch = Grid.IdxZ;
        var tileOfA = new TileLoad(a, batch * arguments.StrideA, arguments.Lda, arguments.M, arguments.K, arguments.TransposeA,
            Grid.IdxY * tileM, tileM, tileK, thread, threads, LocalMemory.Allocate<float>(MaxUnrolled));
        var tileOfB = new TileLoad(b, batch * arguments.StrideB, arguments.Ldb, arguments.N, arguments.K, !arguments.TransposeB,
            Grid.IdxX * tileN, tileN, tileK, thread, threads, LocalMemory.Allocate<float>(MaxUnrolled));

        Unrolled.For(new ZeroRow(accumulators, threadN), threadM);
        if (arguments.K > 0)
        {
            Unrolled.For(tileOfA.Fetch(0), tileOfA.Loads);
            Unrolled.For(tileOfB.Fetch(0), tileOfB.Loads);
        }
        for (var depthStart = 0; depthStart < arguments.K; depthStart += tileK)
        {
            Unrolled.For(tileOfA.Store(sharedA), tileOfA.Loads);
            Unrolled.For(tileOfB.Store(sharedB), tileOfB.Loads);
            Group.Barrier();

            var nextDepth = depthStart + tileK;
            if (nextDepth < arguments.K)
            {
                Unrolled.For(tileOfA.Fetch(nextDepth), tileOfA.Loads);
                Unrolled.For(tileOfB.Fetch(nextDepth), tileOfB.Loads);
            }

            for (var depth = 0; depth < tileK; depth++)
            {
                Unrolled.For(new LoadFragment(fragmentA, sharedA, depth * (tileM + Padding) + threadRow, threadRows), threadM);
                Unrolled.For(new LoadFragment(fragmentB, sharedB, depth * (tileN + Padding) + threadColumn, threadColumns), threadN);
                Unrolled.For(new AccumulateRow(accumulators, fragmentA, fragmentB, threadN), threadM);
            }
            Group.Barrier();
        }

        var rowStart = Grid.IdxY * tileM + threadRow;
        var columnStart = Grid.IdxX * tileN + threadColumn;
        Unrolled.For(new StoreRow(c, bias, accumulators, arguments, batch * arguments.StrideC, rowStart, threadRows, columnStart, threadColumns, threadN), threadM);
    }

    /// <summary>
    /// One thread's share of loading a tile of op(A) (or op(B), whose N side plays the part of M) between global memory,
    /// registers and shared memory. Element <c>load</c> of the thread is element <c>thread + load·threads</c> of the tile in
    /// the order of the matrix as stored, so a warp reads consecutive addresses.
    /// </summary>
    private readonly struct TileLoad
    {
        private readonly ArrayView<float> _matrix, _staged;
        private readonly long _matrixBase;
        private readonly int _leading, _sideLength, _depthLength, _sideStart, _tileSide, _tileK, _thread, _threads;
        private readonly bool _storedAlongSide;

        public TileLoad(ArrayView<float> matrix, long matrixBase, int leading, int sideLength, int depthLength, bool storedAlongSide,
            int sideStart, int tileSide, int tileK, int thread, int threads, ArrayView<float> staged)
        {
            (_matrix, _matrixBase, _leading, _sideLength, _depthLength, _storedAlongSide) = (matrix, matrixBase, leading, sideLength, depthLength, storedAlongSide);
            (_sideStart, _tileSide, _tileK, _thread, _threads, _staged) = (sideStart, tileSide, tileK, thread, threads, staged);
        }

        public int Loads => _tileSide * _tileK / _threads;

        public Fetcher Fetch(int depthStart) => new(this, depthStart);

        public Storer Store(ArrayView<float> shared) => new(this, shared);

        /// <summary>(position along the tile's side, depth) of the thread's element <paramref name="load"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private (int Position, int Depth) Coordinates(int load)
        {
            var index = _thread + load * _threads;
            return _storedAlongSide ? (index % _tileSide, index / _tileSide) : (index / _tileK, index % _tileK);
        }

        internal readonly struct Fetcher(TileLoad tile, int depthStart) : IUnrolledBody
        {
            public void Step(int load)
            {
                var (position, offset) = tile.Coordinates(load);
                int side = tile._sideStart + position, depth = depthStart + offset;
                var value = 0f;
                if (side < tile._sideLength && depth < tile._depthLength)
                    value = tile._matrix[tile._matrixBase + (tile._storedAlongSide ? (long)depth * tile._leading + side : (long)side * tile._leading + depth)];
                tile._staged[load] = value;
            }
        }

        internal readonly struct Storer(TileLoad tile, ArrayView<float> shared) : IUnrolledBody
        {
            public void Step(int load)
            {
                var (position, depth) = tile.Coordinates(load);
                shared[depth * (tile._tileSide + Padding) + position] = tile._staged[load];
            }
        }
    }

    private readonly struct ZeroRow(ArrayView<float> accumulators, int threadN) : IUnrolledBody
    {
        public void Step(int row) => Unrolled.For(new ZeroElement(accumulators, row * MaxUnrolled), threadN);
    }

    private readonly struct ZeroElement(ArrayView<float> accumulators, int rowOffset) : IUnrolledBody
    {
        public void Step(int column) => accumulators[rowOffset + column] = 0;
    }

    /// <summary>fragment[i] = shared[start + i·stride]: the thread's rows (or columns) at one depth of the tile.</summary>
    private readonly struct LoadFragment(ArrayView<float> fragment, ArrayView<float> shared, int start, int stride) : IUnrolledBody
    {
        public void Step(int i) => fragment[i] = shared[start + i * stride];
    }

    private readonly struct AccumulateRow(ArrayView<float> accumulators, ArrayView<float> fragmentA, ArrayView<float> fragmentB, int threadN) : IUnrolledBody
    {
        public void Step(int row) => Unrolled.For(new Accumulate(accumulators, row * MaxUnrolled, fragmentA[row], fragmentB), threadN);
    }

    private readonly struct Accumulate(ArrayView<float> accumulators, int rowOffset, float a, ArrayView<float> fragmentB) : IUnrolledBody
    {
        public void Step(int column) => accumulators[rowOffset + column] += a * fragmentB[column];
    }

    private readonly struct StoreRow(ArrayView<float> c, ArrayView<float> bias, ArrayView<float> accumulators, GemmArguments arguments,
        long cBase, int rowStart, int rowStride, int columnStart, int columnStride, int threadN) : IUnrolledBody
    {
        public void Step(int i)
        {
            var row = rowStart + i * rowStride;
            if (row < arguments.M)
                Unrolled.For(new StoreElement(c, bias, accumulators, arguments, cBase + (long)row * arguments.Ldc, i * MaxUnrolled, columnStart, columnStride), threadN);
        }
    }

    /// <summary>C = alpha·accumulator + beta·C + bias; C is not read when beta is 0, so NaN there does not leak in.</summary>
    private readonly struct StoreElement(ArrayView<float> c, ArrayView<float> bias, ArrayView<float> accumulators, GemmArguments arguments,
        long rowBase, int rowOffset, int columnStart, int columnStride) : IUnrolledBody
    {
        public void Step(int j)
        {
            var column = columnStart + j * columnStride;
            if (column >= arguments.N) return;
            var value = arguments.Alpha * accumulators[rowOffset + j];
            if (arguments.Beta != 0) value += arguments.Beta * c[rowBase + column];
            if (arguments.HasBias) value += bias[column];
            c[rowBase + column] = value;
        }
    }
}

/// <summary>The body of an <see cref="Unrolled.For{TBody}"/> loop.</summary>
internal interface IUnrolledBody
{
    void Step(int index);
}

/// <summary>A loop of at most <see cref="MaxSteps"/> steps written out, for kernels whose trip counts are compile-time constants.</summary>
internal static class Unrolled
{
    public const int MaxSteps = 8;

    /// <summary>Runs body.Step(0 .. count − 1); count must not exceed <see cref="MaxSteps"/> (the tilings are checked on the host).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void For<TBody>(TBody body, int count) where TBody : struct, IUnrolledBody
    {
        if (count > 0) body.Step(0);
        if (count > 1) body.Step(1);
        if (count > 2) body.Step(2);
        if (count > 3) body.Step(3);
        if (count > 4) body.Step(4);
        if (count > 5) body.Step(5);
        if (count > 6) body.Step(6);
        if (count > 7) body.Step(7);
    }
}
