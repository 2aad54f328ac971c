using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>The formats of a role settings file.</summary>
public enum PimSettingFileFormat
{
    /// <summary>PimModule's own JSON (every setting, by its Set-PimRoleSetting name).</summary>
    PimModule,
    /// <summary>Microsoft Graph's unifiedRoleManagementPolicy, its policy assignment and a $batch body of rule PATCH requests.</summary>
    Graph,
}

/// <summary>Writes role settings to a JSON file that Import-PimRoleSetting reads back exactly (PimModule's format or Graph's).</summary>
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

    /// <summary>PimModule (the default) or Graph: Graph's own policy JSON, ready to PATCH back to a tenant.</summary>
    [Parameter]
    public PimSettingFileFormat Format { get; set; } = PimSettingFileFormat.PimModule;

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private bool _bound;

    protected override void ProcessPim()
    {
        _bound = true;
        if (Role is null) return;
        _rolesGiven = true;
        _roles.AddRange(RoleResolver.Resolve(this, Store, Role).Select(r => new PimRoleReference(r)));
    }

    protected override void EndPim()
    {
        // Piped input that bound nothing (PowerShell wrote InputObjectNotBound for it), or no input at all: nothing is written.
        if (MyInvocation.ExpectingInput && !_bound) return;
        if (_rolesGiven && _roles.Count == 0) return; // nothing matched: the errors are written
        var path = ResolveFilePath(Path);
        var json = Format == PimSettingFileFormat.Graph
            ? Store.Settings.ExportGraph(_rolesGiven ? _roles : null, WriteWarning)
            : Store.Settings.Export(_rolesGiven ? _roles : null);
        if (!ShouldProcess(path, "Export role settings")) return;
        // Replaces what is there, as Export-Csv does; owner-only, and a link at the path is replaced, not followed.
        OwnerOnlyFile.WriteText(path, replace: true, json, PimErrors.SettingFileNotWritable);
        if (PassThru) WriteObject(new FileInfo(path));
    }
}
