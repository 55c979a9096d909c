using System.Runtime.CompilerServices;

namespace GoSeqZero.Kernels.Simd;

/// <summary>One GEMM of a batch: <c>C = Alpha·op(A)·op(B) + Beta·C + Bias</c> over M×N, with op(A) M×K and op(B) K×N.</summary>
internal readonly unsafe struct GemmProblem(GemmOperand a, GemmOperand b, float* c, long ldc, float* bias, int m, int n, int k, float alpha, float beta)
{
    public readonly GemmOperand A = a;
    public readonly GemmOperand B = b;
    public readonly float* C = c;
    public readonly long Ldc = ldc;
    public readonly float* Bias = bias;
    public readonly int M = m, N = n, K = k;
    public readonly float Alpha = alpha, Beta = beta;
}

/// <summary>
/// The blocked GEMM around a micro-kernel (the GotoBLAS/BLIS loop nest), in two parallel phases. First all of B is
/// packed into column panels, block of <see cref="DepthBlock"/> k by block, shared by every thread. Then tiles of C (a
/// block of rows × a range of column panels) run in parallel, each on its own: for every k block it packs its rows of A
/// into its worker's buffer (sized for L2) and sweeps them against the B panels; the first k block applies Beta and the
/// bias, later ones add. Two joins per GEMM, whatever K is.
/// </summary>
internal static unsafe class GemmDriver<TKernel> where TKernel : struct, IGemmMicroKernel
{
    /// <summary>k steps per packed block: an A micro-panel (Rows·256 floats) stays in L1 while it meets every B panel of a sweep.</summary>
    internal const int DepthBlock = 256;

    /// <summary>Rows of A one tile packs, in micro-panels: 144 rows × 256 k is 144 KB, comfortably inside a 1–2 MB L2 beside the B panels.</summary>
    private const int RowPanelsPerBlock = 12;

    /// <summary>Column panels swept per A micro-panel: 256 k × 512 columns of B is 512 KB, the rest of L2.</summary>
    private static int ColumnPanelsPerSweep => 512 / TKernel.Columns;

    public static void Run(in GemmProblem problem, int threads, GemmBufferPool aPool, GemmBufferPool bPool)
    {
        var rowPanels = (problem.M + TKernel.Rows - 1) / TKernel.Rows;
        var columnPanels = (problem.N + TKernel.Columns - 1) / TKernel.Columns;
        var parallel = threads > 1 && 2.0 * problem.M * problem.N * problem.K >= SimdOps.GemmParallelFlopThreshold;

        var rowBlocks = (rowPanels + RowPanelsPerBlock - 1) / RowPanelsPerBlock;
        var columnChunks = 1;
        if (parallel)
        {
            // Equal tiles, a multiple of the thread count and at least four per thread, so no thread waits long for the last.
            rowBlocks = Math.Min(rowPanels, (rowBlocks + threads - 1) / threads * threads);
            while (rowBlocks * columnChunks < 4 * threads && columnChunks < columnPanels) columnChunks++;
        }
        var tiles = new TilePlan(rowBlocks, columnChunks, rowPanels, columnPanels);
        var tileCount = rowBlocks * columnChunks;
        var depthBlocks = (problem.K + DepthBlock - 1) / DepthBlock;

        var bBuffer = bPool.Rent();
        try
        {
            var product = new Product(problem, tiles, bBuffer.Get((long)columnPanels * TKernel.Columns * problem.K));
            if (parallel)
            {
                var options = new ParallelOptions { MaxDegreeOfParallelism = threads };
                var packGroups = Math.Min(columnPanels, 4 * threads);
                Parallel.For(0, depthBlocks * packGroups, options, job =>
                {
                    var (depthBlock, group) = Math.DivRem(job, packGroups);
                    product.PackB(depthBlock, group * columnPanels / packGroups, (group + 1) * columnPanels / packGroups);
                });
                Parallel.For(0, tileCount, options, () => new Worker(aPool), (tile, _, worker) =>
                {
                    product.RunTile(tile, worker);
                    return worker;
                }, worker => worker.Release());
                return;
            }
            for (var depthBlock = 0; depthBlock < depthBlocks; depthBlock++) product.PackB(depthBlock, 0, columnPanels);
            var onlyWorker = new Worker(aPool);
            try
            {
                for (var tile = 0; tile < tileCount; tile++) product.RunTile(tile, onlyWorker);
            }
            finally { onlyWorker.Release(); }
        }
        finally { bPool.Return(bBuffer); }
    }

    /// <summary>How C is cut into tiles: the micro-panels of rows and of columns shared out evenly (to within one) among blocks and chunks.</summary>
    private readonly record struct TilePlan(int RowBlocks, int ColumnChunks, int RowPanels, int ColumnPanels)
    {
        public int MaxRowPanelsPerTile => (RowPanels + RowBlocks - 1) / RowBlocks;

        public int RowPanelStart(int rowBlock) => (int)((long)rowBlock * RowPanels / RowBlocks);

        public int ColumnPanelStart(int chunk) => (int)((long)chunk * ColumnPanels / ColumnChunks);
    }

    /// <summary>A worker thread's buffer for packed A (and the scratch tile for cut tiles at the edges of C).</summary>
    private sealed class Worker(GemmBufferPool pool)
    {
        public readonly GemmBuffer Buffer = pool.Rent();

        public void Release() => pool.Return(Buffer);
    }

    /// <summary>One GEMM: its packed B (k block after k block, each a row of column panels) and the tiles that use it.</summary>
    private sealed class Product(GemmProblem problem, TilePlan tiles, float* packedB)
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void PackB(int depthBlock, int panelStart, int panelEnd)
        {
            if (panelEnd <= panelStart) return;
            var (k0, depth) = DepthRange(depthBlock);
            var column0 = panelStart * TKernel.Columns;
            var columns = Math.Min(problem.N, panelEnd * TKernel.Columns) - column0;
            GemmPacking.PackB(problem.B, column0, columns, k0, depth, TKernel.Columns, PanelB(k0, depth, panelStart));
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void RunTile(int tile, Worker worker)
        {
            var (rowBlock, chunk) = Math.DivRem(tile, tiles.ColumnChunks);
            var rowPanelStart = tiles.RowPanelStart(rowBlock);
            var rowPanelEnd = tiles.RowPanelStart(rowBlock + 1);
            var columnPanelStart = tiles.ColumnPanelStart(chunk);
            var columnPanelEnd = tiles.ColumnPanelStart(chunk + 1);
            if (rowPanelStart >= rowPanelEnd || columnPanelStart >= columnPanelEnd) return;

            var row0 = rowPanelStart * TKernel.Rows;
            var rows = Math.Min(problem.M, rowPanelEnd * TKernel.Rows) - row0;
            var packedAFloats = (long)tiles.MaxRowPanelsPerTile * TKernel.Rows * Math.Min(DepthBlock, problem.K);
            var packedA = worker.Buffer.Get(packedAFloats + TKernel.Rows * TKernel.Columns);
            var edgeTile = packedA + packedAFloats;
            for (var depthBlock = 0; depthBlock * DepthBlock < problem.K; depthBlock++)
            {
                var (k0, depth) = DepthRange(depthBlock);
                var store = depthBlock == 0 ? new GemmStore(problem.Alpha, problem.Beta, problem.Bias) : new GemmStore(problem.Alpha, 1, null);
                GemmPacking.PackA(problem.A, row0, rows, k0, depth, TKernel.Rows, packedA);
                var aPanelFloats = (long)TKernel.Rows * depth;
                for (var sweepStart = columnPanelStart; sweepStart < columnPanelEnd; sweepStart += ColumnPanelsPerSweep)
                {
                    var sweepEnd = Math.Min(columnPanelEnd, sweepStart + ColumnPanelsPerSweep);
                    for (var rowPanel = rowPanelStart; rowPanel < rowPanelEnd; rowPanel++)
                    {
                        var row = rowPanel * TKernel.Rows;
                        var panelA = packedA + (rowPanel - rowPanelStart) * aPanelFloats;
                        var rowCount = Math.Min(TKernel.Rows, problem.M - row);
                        var c = problem.C + row * problem.Ldc;
                        for (var columnPanel = sweepStart; columnPanel < sweepEnd; columnPanel++)
                        {
                            var column = columnPanel * TKernel.Columns;
                            TKernel.Run(depth, panelA, PanelB(k0, depth, columnPanel), c + column, problem.Ldc, store.WithBiasAt(column),
                                rowCount, Math.Min(TKernel.Columns, problem.N - column), edgeTile);
                        }
                    }
                }
            }
        }

        private (int K0, int Depth) DepthRange(int depthBlock)
        {
            var k0 = depthBlock * DepthBlock;
            return (k0, Math.Min(DepthBlock, problem.K - k0));
        }

        /// <summary>Every k block but the last is <see cref="DepthBlock"/> deep, so block b starts at b·DepthBlock rows of panels.</summary>
        private float* PanelB(int k0, int depth, int columnPanel) =>
            packedB + (long)k0 * tiles.ColumnPanels * TKernel.Columns + (long)columnPanel * TKernel.Columns * depth;
    }
}
