using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>
/// Seals a snapshot of a Verified store's verified state with a root key: a user with no checkpoint then verifies it and
/// only the records after it, instead of the whole log.
/// </summary>
[Cmdlet(VerbsCommon.New, "PimSnapshot", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(PimSnapshot))]
public sealed class NewPimSnapshotCommand : PimCmdlet
{
    protected override void ProcessPim()
    {
        if (Store.Snapshots.New(ShouldProcess) is { } snapshot) WriteObject(snapshot);
    }
}
