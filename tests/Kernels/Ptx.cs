using System.Reflection;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime.Cuda;
using KernelSpecialization = ILGPU.Runtime.KernelSpecialization;

namespace GoSeqZero.Tests.Kernels;

/// <summary>
/// The emulator runs kernels as .NET code; this compiles them to PTX for a Hopper GPU, as a CUDA run would, so what a GPU
/// build needs can be checked on a machine without one.
/// </summary>
public static class Ptx
{
    public static string Compile(MethodInfo explicitlyGroupedKernel)
    {
        using var context = Context.Create(builder => builder.Cuda().EnableAlgorithms());
        using var backend = new PTXBackend(context, new CudaCapabilityContext(CudaArchitecture.SM_90), CudaArchitecture.SM_90, CudaInstructionSet.ISA_80, null!);
        var entry = EntryPointDescription.FromExplicitlyGroupedKernel(explicitlyGroupedKernel);
        return ((PTXCompiledKernel)backend.Compile(entry, default(KernelSpecialization))).PTXAssembly;
    }
}
