using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>
/// Applies role settings from files written by Export-PimRoleSetting (either format) or Graph's own JSON (a policy, a
/// collection, the policies with the policy assignments as a second path): every role is validated first; all or nothing.
/// </summary>
[Cmdlet(VerbsData.Import, "PimRoleSetting", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(PimRoleSetting))]
public sealed class ImportPimRoleSettingCommand : PimCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private readonly List<(string Json, string Source)> _files = [];

    protected override void ProcessPim()
    {
        foreach (var p in Path) _files.Add((Read(SessionState.Path.GetUnresolvedProviderPathFromPSPath(p)), p));
    }

    protected override void EndPim()
    {
        if (_files.Count == 0) return;
        // Files in PimModule's format are imported one by one, as they always were; Graph's JSON is read together
        // (a policy and the assignment that maps it to its role may be in two files).
        var graph = _files.Where(f => !SettingsService.IsOwnFormat(f.Json)).ToList();
        foreach (var (json, source) in _files.Where(f => SettingsService.IsOwnFormat(f.Json)))
        {
            var result = Store.Settings.Import(json, source, ShouldProcess);
            if (PassThru && result is not null) WriteObject(result, enumerateCollection: true);
        }
        if (graph.Count > 0)
        {
            var result = Store.Settings.ImportGraph(graph, ShouldProcess);
            if (PassThru && result is not null) WriteObject(result, enumerateCollection: true);
        }
    }

    private static string Read(string path)
    {
        try
        {
            return ReadBounded(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw e is FileNotFoundException or DirectoryNotFoundException
                ? PimErrors.SettingFileNotFound($"Cannot read '{path}': {e.Message}", path, "Give the -Path of a file written by Export-PimRoleSetting.", e)
                : PimErrors.SettingFileNotReadable($"Cannot read '{path}': {e.Message}", path, "Give the -Path of a file written by Export-PimRoleSetting.", e);
        }
    }

    /// <summary>An export of every role's settings is a few hundred kilobytes: a larger file (or a device) is refused unread.</summary>
    private const int MaxFileChars = 16 * 1024 * 1024;

    private static string ReadBounded(string path)
    {
        using var reader = new StreamReader(path, detectEncodingFromByteOrderMarks: true);
        var buffer = new char[MaxFileChars + 1];
        int total = 0, read;
        while (total < buffer.Length && (read = reader.Read(buffer, total, buffer.Length - total)) > 0) total += read;
        if (total > MaxFileChars)
            throw PimErrors.InputTooLong($"'{path}' holds more than {MaxFileChars / (1024 * 1024)} MB of text; a file written by Export-PimRoleSetting is far smaller.",
                path, "Give the -Path of a file written by Export-PimRoleSetting.");
        return new string(buffer, 0, total);
    }
}
