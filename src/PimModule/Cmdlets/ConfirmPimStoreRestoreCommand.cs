using System.Management.Automation;
using PimModule.Hosting;

namespace PimModule.Cmdlets;

/// <summary>
/// Accepts a Verified store restored from a backup: an administrator (the root or a direct administrator) seals a
/// ConfirmRestore record on it, and the users whose pins the restore gave up are let in again. Connects the session to it.
/// </summary>
[Cmdlet(VerbsLifecycle.Confirm, "PimStoreRestore", DefaultParameterSetName = ParameterSets.Default, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(PimStoreInfo))]
public sealed class ConfirmPimStoreRestoreCommand : StoreConnectionCommandBase
{
    /// <summary>Why the store was restored (recorded in the sealed record; at most 500 characters).</summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string Reason { get; set; } = "";

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessPim()
    {
        var options = StoreOptions(null);
        var store = PimSession.Connect(() => PimStore.ConfirmRestore(options, Reason, ShouldProcess));
        if (store is null) return;
        WriteVerbose($"Confirmed the restore of '{store.Location}' as '{store.Principal}'; the session is connected to it.");
        if (PassThru) WriteObject(store.GetInfo());
    }
}
