using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;

namespace PimModule.Hosting;

/// <summary>
/// Hooks the default load context when the module is imported, answering only for the engine assembly,
/// which it loads into <see cref="PimLoadContext"/>; unhooks (and closes the store) when it is removed.
/// </summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    private static readonly string DependencyFolder =
        Path.Combine(Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location)!, "Dependencies");
    private static int _hooked;

    public void OnImport() => Hook();

    public void OnRemove(PSModuleInfo psModuleInfo)
    {
        PimSession.Close();
        if (Interlocked.Exchange(ref _hooked, 0) == 1) AssemblyLoadContext.Default.Resolving -= ResolveEngine;
    }

    internal static void Hook()
    {
        if (Interlocked.Exchange(ref _hooked, 1) == 0) AssemblyLoadContext.Default.Resolving += ResolveEngine;
    }

    [ThreadStatic] private static bool _resolving;

    private static Assembly? ResolveEngine(AssemblyLoadContext context, AssemblyName name)
    {
        if (name.Name != PimLoadContext.EngineAssemblyName || _resolving) return null; // no recursion when the file is missing
        _resolving = true;
        try
        {
            return PimLoadContext.For(DependencyFolder).LoadEngine();
        }
        finally
        {
            _resolving = false;
        }
    }
}
