using System.Reflection;
using System.Runtime.Loader;

namespace PimModule.Hosting;

/// <summary>
/// The load context of the engine and of every third-party assembly it uses (Microsoft.Data.Sqlite,
/// SQLitePCLRaw, …), all from the module's Dependencies/ folder, so they never clash with another module's
/// copies in the same session. Managed and native (e_sqlite3) lookups go through an
/// <see cref="AssemblyDependencyResolver"/> over the engine's .deps.json, which picks the runtimes/&lt;rid&gt;/
/// build for this OS and architecture.
/// </summary>
internal sealed class PimLoadContext : AssemblyLoadContext
{
    public const string EngineAssemblyName = "PimModule.Engine";
    public const string ModelAssemblyName = "PimModule.Model";
    private static readonly object Gate = new();
    private static PimLoadContext? _instance;
    private readonly AssemblyDependencyResolver _resolver;
    private readonly string _folder;

    internal PimLoadContext(string dependencyFolder) : base("PimModule", isCollectible: false)
    {
        _folder = dependencyFolder;
        _resolver = new AssemblyDependencyResolver(Path.Combine(dependencyFolder, EngineAssemblyName + ".dll"));
    }

    public static PimLoadContext For(string dependencyFolder)
    {
        lock (Gate) return _instance ??= new PimLoadContext(dependencyFolder);
    }

    public Assembly LoadEngine() => LoadFromAssemblyName(new AssemblyName(EngineAssemblyName));

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        // The cmdlet assembly and the shared model live in the default context: share them (and the framework)
        // rather than load copies, so the engine and the cmdlets see the same types.
        if (assemblyName.Name is "PimModule" or ModelAssemblyName or "System.Management.Automation") return null;
        var path = _resolver.ResolveAssemblyToPath(assemblyName);
        if (path is null)
        {
            var local = Path.Combine(_folder, assemblyName.Name + ".dll");
            if (assemblyName.Name == EngineAssemblyName && File.Exists(local)) path = local;
        }
        return path is null ? null : LoadFromAssemblyPath(path);
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        var path = _resolver.ResolveUnmanagedDllToPath(unmanagedDllName);
        return path is null ? IntPtr.Zero : LoadUnmanagedDllFromPath(path);
    }
}
