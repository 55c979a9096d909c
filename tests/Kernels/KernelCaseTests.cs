using GoSeqZero.Tests.Kernels.Checks;

namespace GoSeqZero.Tests.Kernels;

/// <summary>
/// Each area's listed kernel cases against their float64 references: the small shapes on both devices; the model shapes
/// on the SIMD path where its kernels take other paths at those sizes; and on the Vector256 fallback, which an AVX-512
/// machine would never reach, where the area has no tests of its own for it (attention and GEMM do).
/// </summary>
[Collection("Kernels")]
public class KernelCaseTests
{
    private sealed record Area(Func<bool, IEnumerable<KernelCase>> Cases, bool LargeOnSimd, bool OnVector256)
    {
        /// <summary>The cases the SIMD path runs: the small ones, and the large ones where they take paths of their own.</summary>
        public IEnumerable<KernelCase> SimdCases => LargeOnSimd ? Cases(false).Concat(Cases(true)) : Cases(false);
    }

    private static readonly Dictionary<string, Area> Areas = new()
    {
        // Several tiles per head at model shapes, the last one partial, head sizes 8 to 128 (64-token tiles, and 128-token ones from T = 1024 on).
        ["attention"] = new(AttentionChecks.Cases, LargeOnSimd: true, OnVector256: false),
        ["decode"] = new(DecodeChecks.Cases, LargeOnSimd: false, OnVector256: true),
        ["gemm"] = new(GemmChecks.Cases, LargeOnSimd: false, OnVector256: false),
        ["output"] = new(OutputChecks.Cases, LargeOnSimd: false, OnVector256: true),
        // The parallel paths and the per-task LayerNorm partial sums run at model shapes.
        ["rows"] = new(RowsChecks.Cases, LargeOnSimd: true, OnVector256: true),
    };

    public static TheoryData<string, string, string> SmallCasesOnBothDevices()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var (name, area) in Areas)
        foreach (var device in KernelDevices.Both)
        foreach (var kernelCase in area.Cases(false))
            data.Add(name, device, kernelCase.Name);
        return data;
    }

    public static TheoryData<string, string> LargeCasesOnTheSimdPath() => Names(area => area.LargeOnSimd ? area.Cases(true) : []);

    public static TheoryData<string, string> CasesOnTheVector256Fallback() => Names(area => area.OnVector256 ? area.SimdCases : []);

    [Theory]
    [MemberData(nameof(SmallCasesOnBothDevices))]
    public void TinyShapesMatchTheFloat64References(string area, string deviceName, string caseName) =>
        Find(area, caseName).Run(KernelDevices.Get(deviceName), KernelCheck.NewSeed());

    [Theory]
    [MemberData(nameof(LargeCasesOnTheSimdPath))]
    public void ModelShapesMatchTheFloat64ReferencesOnTheSimdPath(string area, string caseName) =>
        Find(area, caseName).Run(KernelDevices.Get("cpu"), KernelCheck.NewSeed());

    [Theory]
    [MemberData(nameof(CasesOnTheVector256Fallback))]
    public void TheVector256FallbackMatchesTheFloat64References(string area, string caseName) =>
        Find(area, caseName).Run(KernelDevices.Vector256, KernelCheck.NewSeed());

    private static TheoryData<string, string> Names(Func<Area, IEnumerable<KernelCase>> casesOf)
    {
        var data = new TheoryData<string, string>();
        foreach (var (name, area) in Areas)
        foreach (var caseName in casesOf(area).Select(c => c.Name).Distinct())
            data.Add(name, caseName);
        return data;
    }

    /// <summary>Theory data carries case names, which read well in a test list; this finds the case again.</summary>
    private static KernelCase Find(string area, string caseName) =>
        Areas[area].Cases(false).Concat(Areas[area].Cases(true)).First(c => c.Name == caseName);
}
