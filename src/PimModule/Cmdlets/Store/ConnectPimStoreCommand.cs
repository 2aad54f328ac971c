using System.Management.Automation;
using PimModule.Hosting;

namespace PimModule.Cmdlets;

/// <summary>Opens (creates, migrates) a store and sets the acting principal for this session.</summary>
[Cmdlet(VerbsCommunications.Connect, "PimStore", DefaultParameterSetName = DefaultSet)]
[OutputType(typeof(PimStoreInfo))]
public sealed class ConnectPimStoreCommand : PimCmdlet
{
    private const string DefaultSet = "Default";
    private const string PathSet = "Path";
    private const string ConnectionSet = "ConnectionString";

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    [Parameter(Mandatory = true, ParameterSetName = ConnectionSet)]
    [ValidateNotNullOrEmpty]
    public string ConnectionString { get; set; } = "";

    [Parameter(ParameterSetName = ConnectionSet)]
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
        var options = ParameterSetName switch
        {
            PathSet => new PimStoreOptions
            {
                Provider = PimStoreProvider.Sqlite,
                Path = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path),
                Principal = Principal,
            },
            ConnectionSet => new PimStoreOptions
            {
                Provider = Provider,
                Path = Provider == PimStoreProvider.Sqlite ? ConnectionString : null,
                ConnectionString = ConnectionString,
                Principal = Principal,
            },
            _ => CurrentOrDefault(Principal),
        };
        var store = PimSession.Connect(options);
        WriteVerbose($"Connected to the {store.Provider} store '{store.Location}' as '{store.Principal}'" +
                     (store.Created ? " (created it)." : "."));
        if (PassThru) WriteObject(store.GetInfo());
    }

    /// <summary>Without a path: the store already open (or the default one), as another principal.</summary>
    private static PimStoreOptions CurrentOrDefault(string? principal)
        => PimSession.Current?.OptionsFor(principal) ?? PimSession.DefaultOptions(principal);
}
