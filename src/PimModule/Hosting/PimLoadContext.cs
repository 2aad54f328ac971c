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
        _precompiled = Path.Combine(dependencyFolder, "r2r", $"net{Environment.Version.Major}.0", Rid);
    }

    /// <summary>
    /// Where the ReadyToRun builds of this runtime's and platform's assemblies are, if the module ships them (for .NET 10 —
    /// PowerShell 7.6 — on linux-x64, win-x64 and osx-x64: build.ps1 precompiles the engine and what a command's start
    /// loads, so they are not JIT-compiled at each start). Precompiled code runs only on the runtime it was compiled for
    /// (.NET 10 ignores a .NET 8 image's); any other runtime or platform, and any assembly not there, loads the IL beside it.
    /// </summary>
    private readonly string _precompiled;

    /// <summary>This process's platform as a runtime identifier (linux-x64, win-x64, osx-arm64, …).</summary>
    internal static string Rid
        => (OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux") + "-" +
           System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();

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
        // The same assembly, precompiled for this platform, when the module ships it (its IL is the same as the one beside).
        if (path is not null && Path.Combine(_precompiled, Path.GetFileName(path)) is var precompiled && File.Exists(precompiled)) path = precompiled;
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
