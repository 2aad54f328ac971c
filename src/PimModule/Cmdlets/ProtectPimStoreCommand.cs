using System.Management.Automation;
using PimModule.Hosting;

namespace PimModule.Cmdlets;

/// <summary>
/// Turns a Lab store into a Verified one, once: the administrator's key becomes its root of trust, and they endorse
/// (and the sealed ProtectStore record keeps) every privileged assignment as the starting point. Connects the session
/// to the store, now Verified.
/// </summary>
[Cmdlet(VerbsSecurity.Protect, "PimStore", DefaultParameterSetName = ParameterSets.Default, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(PimStoreInfo))]
public sealed class ProtectPimStoreCommand : StoreConnectionCommandBase
{
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessPim()
    {
        if (TrustAnchor is not null)
            throw PimErrors.InputValueInvalid("A Lab store has no trust anchor yet: Protect-PimStore gives it one (Get-PimStore shows it afterwards).", TrustAnchor,
                "Remove -TrustAnchor.");
        // On the session's store, the session's principal protects it (unless -Principal names another).
        if (ParameterSetName == ParameterSets.Default) Principal ??= PimSession.Current?.Principal;
        var options = StoreOptions(null);
        var store = PimSession.Connect(() => PimStore.Protect(options, ShouldProcess), keepOnFailure: true);
        if (store is null) return;
        WriteVerbose($"The store '{store.Location}' is Verified now; its trust anchor is {store.TrustAnchor}.");
        WriteWarning("Every MFA method was removed: each principal registers theirs again (Register-PimMfaMethod), and needs a key registered (Register-PimCredential) to act.");
        if (PassThru) WriteObject(store.GetInfo());
    }
}
