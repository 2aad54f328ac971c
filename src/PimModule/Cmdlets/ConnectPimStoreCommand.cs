using System.Management.Automation;
using PimModule.Hosting;

namespace PimModule.Cmdlets;

/// <summary>Opens (creates, migrates) a store and sets the acting principal for this session.</summary>
[Cmdlet(VerbsCommunications.Connect, "PimStore", DefaultParameterSetName = ParameterSets.Default)]
[OutputType(typeof(PimStoreInfo))]
public sealed class ConnectPimStoreCommand : StoreConnectionCommandBase
{
    /// <summary>For a new store: Verified (the default) or Lab. For an existing one: the mode expected (another is refused).</summary>
    [Parameter]
    public PimIdentityMode IdentityMode { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessPim()
    {
        // A failure anywhere from here (a path that does not resolve, a principal that is not one, a store that
        // cannot be opened) leaves the session with no store: nothing falls back to the one open before, nor to the default.
        var store = Opened(PimSession.Connect(() => StoreOptions(MyInvocation.BoundParameters.ContainsKey(nameof(IdentityMode)) ? IdentityMode : null)));
        WriteVerbose($"Connected to the {store.Provider} store '{store.Location}' ({store.IdentityMode}) as '{store.Principal}'" +
                     (store.CredentialThumbprint is { } t ? $" with key {t}" : "") + (store.Created ? " (created it)." : "."));
        if (PassThru) WriteObject(store.GetInfo());
    }
}
