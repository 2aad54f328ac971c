using System.Management.Automation;
using PimModule.Hosting;

namespace PimModule.Cmdlets;

/// <summary>Opens (creates, migrates) a store and sets the acting principal for this session.</summary>
[Cmdlet(VerbsCommunications.Connect, "PimStore", DefaultParameterSetName = ParameterSets.Default)]
[OutputType(typeof(PimStoreInfo))]
public sealed class ConnectPimStoreCommand : PimCmdlet
{

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ParameterSets.Path)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    [Parameter(Mandatory = true, ParameterSetName = ParameterSets.ConnectionString)]
    [ValidateNotNullOrEmpty]
    public string ConnectionString { get; set; } = "";

    [Parameter(ParameterSetName = ParameterSets.ConnectionString)]
    public PimStoreProvider Provider { get; set; } = PimStoreProvider.PostgreSql;

    /// <summary>Act as this principal (a UPN, account name or object id); the operating-system user by default.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(PrincipalCompleter))]
    public string? Principal { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessPim()
    {
        // A failure anywhere from here (a path that does not resolve, a principal that is not one, a store that
        // cannot be opened) leaves the session with no store: nothing falls back to the one open before, nor to the default.
        var store = PimSession.Connect(() => ParameterSetName switch
        {
            ParameterSets.Path => new PimStoreOptions
            {
                Provider = PimStoreProvider.Sqlite,
                Path = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path),
                Principal = Principal,
            },
            ParameterSets.ConnectionString => new PimStoreOptions
            {
                Provider = Provider,
                Path = Provider == PimStoreProvider.Sqlite ? ConnectionString : null,
                ConnectionString = ConnectionString,
                Principal = Principal,
            },
            _ => CurrentOrDefault(Principal),
        });
        WriteVerbose($"Connected to the {store.Provider} store '{store.Location}' as '{store.Principal}'" +
                     (store.Created ? " (created it)." : "."));
        if (PassThru) WriteObject(store.GetInfo());
    }

    /// <summary>
    /// Without a path: the store already open (or the default one), as another principal. After a failed connect
    /// there is no store to keep, and falling back to the default one is what must not happen: refused.
    /// </summary>
    private static PimStoreOptions CurrentOrDefault(string? principal)
    {
        if (PimSession.Current is { } current) return current.OptionsFor(principal);
        if (PimSession.ConnectFailed)
            throw PimErrors.NotConnected("This session has no store to act on as another principal: the last Connect-PimStore failed, and the default store is not opened in its place.",
                principal, "Give the store: Connect-PimStore -Path <file> or -ConnectionString <s> (with -Principal), or Disconnect-PimStore to go back to the default store.");
        return PimSession.DefaultOptions(principal);
    }
}
