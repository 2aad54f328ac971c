using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>Applies role settings from a file written by Export-PimRoleSetting: every role is validated first; all or nothing.</summary>
[Cmdlet(VerbsData.Import, "PimRoleSetting", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(PimRoleSetting))]
public sealed class ImportPimRoleSettingCommand : PimCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessPim()
    {
        var path = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PimException(e is FileNotFoundException or DirectoryNotFoundException ? "PimSettingFileNotFound" : "PimSettingFileNotReadable",
                e is FileNotFoundException or DirectoryNotFoundException ? PimErrorCategory.ObjectNotFound : PimErrorCategory.ReadError,
                $"Cannot read '{path}': {e.Message}", path, "Give the -Path of a file written by Export-PimRoleSetting.", e);
        }
        var result = Store.Settings.Import(json, path, c => ShouldProcess(c.Target, c.Action));
        if (PassThru && result is not null) WriteObject(result, enumerateCollection: true);
    }
}
