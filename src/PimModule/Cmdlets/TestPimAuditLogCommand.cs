using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>Walks the hash chain of the audit log and reports the first record changed, removed or inserted outside the module.</summary>
[Cmdlet(VerbsDiagnostic.Test, "PimAuditLog")]
[OutputType(typeof(PimAuditVerification))]
public sealed class TestPimAuditLogCommand : PimCmdlet
{
    /// <summary>Replays from this snapshot (what New-PimSnapshot returned, or its Sequence) instead of from the genesis; the snapshot must count.</summary>
    [Parameter, Transforms.SnapshotTransformation]
    public long? Since { get; set; }

    /// <summary>The archives of the log's beginning (Export-PimAuditLog -Until -Remove wrote them), oldest first: the replay reads across them from the genesis.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? ArchivePath { get; set; }

    protected override void ProcessPim()
    {
        var archives = ArchivePath?.Select(p => ResolveFilePath(p, nameof(ArchivePath))).ToList();
        var result = Store.Audit.Verify(n => WriteProgress(new ProgressRecord(8, "Verifying the audit log", $"{n:N0} records verified")), Since, archives);
        if (!result.IsValid) WriteWarning(result.Reason);
        WriteObject(result);
    }
}
