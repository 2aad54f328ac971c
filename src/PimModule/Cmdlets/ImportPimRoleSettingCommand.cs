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
        foreach (var p in Path) _files.Add((Read(ResolveFilePath(p)), p));
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

    /// <summary>An export of every role's settings is a few hundred kilobytes: a larger file (or a device) is refused unread.</summary>
    private static string Read(string path)
        => InputFile.ReadText(path, 16, "Give the -Path of a file written by Export-PimRoleSetting.", PimErrors.SettingFileNotFound, PimErrors.SettingFileNotReadable);
}
