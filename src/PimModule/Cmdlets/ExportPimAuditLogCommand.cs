using System.Management.Automation;
using PimModule.Errors;

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

    /// <summary>Writes only the records after the previous archive up to this snapshot (what New-PimSnapshot returned, or its Sequence): an archive.</summary>
    [Parameter, Transforms.SnapshotTransformation]
    public long? Until { get; set; }

    /// <summary>With -Until: then removes that range from the store (a root key's sealed ArchiveLog record carrying the file's SHA-256).</summary>
    [Parameter]
    public SwitchParameter Remove { get; set; }

    protected override void ProcessPim()
    {
        var path = ResolveFilePath(Path);
        if (Remove && Until is null)
            throw PimErrors.InputValueInvalid("-Remove needs -Until: a range of the log is removed only up to a snapshot, into an archive. Nothing was written.", "Remove",
                "Give -Until <snapshot> (New-PimSnapshot returns one).");
        if (Until is { } until)
        {
            // Removing history asks first, unless -Confirm says otherwise (-Confirm:$false in a scheduled job); an export of a
            // range is like any export.
            var confirmGiven = MyInvocation.BoundParameters.ContainsKey("Confirm");
            var archived = Store.Audit.Archive(path, Force, until, Remove,
                c => ShouldProcess(c) && (!Remove || confirmGiven || ShouldContinue(c.Action + "?", "Remove audit history from the store")));
            if (archived is not { } a) return;
            WriteVerbose($"Wrote {a.Records} records and {a.Seals} seals to '{path}' (SHA-256 {a.Sha256})" + (Remove ? $"; removed {a.Removed} records from the store." : "."));
            if (PassThru) WriteObject(new FileInfo(path));
            return;
        }
        if (!ShouldProcess(path, "Export the audit log with its seals")) return;
        var (records, seals) = Store.Audit.Export(path, Force);
        WriteVerbose($"Wrote {records} records and {seals} seals to '{path}'.");
        if (PassThru) WriteObject(new FileInfo(path));
    }
}
