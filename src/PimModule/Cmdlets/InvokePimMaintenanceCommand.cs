using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>Expires stale requests, queues expiring-soon notices once, applies ended -AutoApply access reviews and starts recurring ones, prunes history past retention. Safe from any scheduler.</summary>
[Cmdlet(VerbsLifecycle.Invoke, "PimMaintenance", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(PimMaintenanceResult))]
public sealed class InvokePimMaintenanceCommand : PimCmdlet
{
    /// <summary>Also seals a snapshot of the verified state (a root key's session: New-PimSnapshot).</summary>
    [Parameter]
    public SwitchParameter Snapshot { get; set; }

    protected override void ProcessPim()
    {
        if (!ShouldProcess(Store.Location, "Expire stale requests, queue expiry notices and the weekly digest, apply ended -AutoApply access reviews, start recurring ones, prune history older than 30 days")) return;
        var result = Store.Maintenance.Run((activity, percent) =>
            WriteProgress(new ProgressRecord(1, "Invoke-PimMaintenance", activity)
            {
                PercentComplete = percent, RecordType = percent >= 100 ? ProgressRecordType.Completed : ProgressRecordType.Processing,
            }));
        if (Snapshot) result.Snapshot = Store.Snapshots.New(null);
        WriteObject(result);
    }
}
