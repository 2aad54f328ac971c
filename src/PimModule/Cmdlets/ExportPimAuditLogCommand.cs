using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>Writes the audit log with its seals as JSON lines (RFC 8785 canonical JSON), for verification elsewhere.</summary>
[Cmdlet(VerbsData.Export, "PimAuditLog", SupportsShouldProcess = true)]
[OutputType(typeof(FileInfo))]
public sealed class ExportPimAuditLogCommand : PimCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>Replaces a file that exists.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessPim()
    {
        var path = ResolveFilePath(Path);
        if (!ShouldProcess(path, "Export the audit log with its seals")) return;
        var (records, seals) = Store.Audit.Export(path, Force);
        WriteVerbose($"Wrote {records} records and {seals} seals to '{path}'.");
        if (PassThru) WriteObject(new FileInfo(path));
    }
}
