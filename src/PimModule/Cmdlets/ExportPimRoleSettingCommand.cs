using System.Management.Automation;
using System.Text;

namespace PimModule.Cmdlets;

/// <summary>Writes role settings to a JSON file that Import-PimRoleSetting reads back exactly.</summary>
[Cmdlet(VerbsData.Export, "PimRoleSetting", SupportsShouldProcess = true)]
[OutputType(typeof(FileInfo))]
public sealed class ExportPimRoleSettingCommand : PimCmdlet
{
    private readonly List<PimRoleReference> _roles = [];
    private bool _rolesGiven;

    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Name", "RoleName")]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(RoleNameCompleter))]
    public PimRoleReference[]? Role { get; set; }

    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessPim()
    {
        if (Role is null) return;
        _rolesGiven = true;
        _roles.AddRange(RoleResolver.Resolve(this, Store, Role).Select(r => new PimRoleReference(r)));
    }

    protected override void EndPim()
    {
        if (_rolesGiven && _roles.Count == 0) return; // nothing matched: the errors are written
        var path = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
        var json = Store.Settings.Export(_rolesGiven ? _roles : null);
        if (!ShouldProcess(path, "Export role settings")) return;
        try
        {
            File.WriteAllText(path, json, new UTF8Encoding(false));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw PimErrors.SettingFileNotWritable($"Cannot write '{path}': {e.Message}", path, "Give a -Path in a folder that exists and that you can write to.", e);
        }
        if (PassThru) WriteObject(new FileInfo(path));
    }
}
