using System.Management.Automation;
using PimModule.Hosting;

namespace PimModule.Cmdlets;

/// <summary>Copies the whole store (roles, settings, assignments, requests, outbox, audit log) into a new store.</summary>
[Cmdlet(VerbsCommon.Copy, "PimStore", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = ParameterSets.Path)]
[OutputType(typeof(PimStoreInfo))]
public sealed class CopyPimStoreCommand : PimCmdlet
{
    /// <summary>A new SQLite file.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ParameterSets.Path)]
    [Alias("Destination")]
    [ValidateNotNullOrEmpty]
    public string DestinationPath { get; set; } = "";

    /// <summary>A new (empty) PostgreSQL database.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ParameterSets.ConnectionString)]
    [ValidateNotNullOrEmpty]
    public string DestinationConnectionString { get; set; } = "";

    [Parameter(ParameterSetName = ParameterSets.ConnectionString)]
    public PimStoreProvider DestinationProvider { get; set; } = PimStoreProvider.PostgreSql;

    /// <summary>Connect this session to the copy afterwards.</summary>
    [Parameter]
    public SwitchParameter Switch { get; set; }

    protected override void ProcessPim()
    {
        var destination = ParameterSetName == ParameterSets.Path
            ? new PimStoreOptions { Provider = PimStoreProvider.Sqlite, Path = ResolveFilePath(DestinationPath, nameof(DestinationPath)) }
            : new PimStoreOptions { Provider = DestinationProvider, ConnectionString = DestinationConnectionString };
        var where = destination.Path ?? "the database";
        if (!ShouldProcess(where, $"Copy the store '{Store.Location}'")) return;
        var (tables, rows) = Store.CopyTo(destination, (table, done) =>
            WriteProgress(new ProgressRecord(1, "Copy-PimStore", $"{table} ({done:N0} rows so far)")));
        WriteVerbose($"Copied {rows:N0} rows of {tables} tables.");
        var options = new PimStoreOptions
        {
            Provider = destination.Provider, Path = destination.Path, ConnectionString = destination.ConnectionString,
            Principal = Store.Principal,
        };
        if (Switch)
        {
            WriteObject(PimSession.Connect(options).GetInfo());
            return;
        }
        using var copy = PimStore.Open(options);
        WriteObject(copy.GetInfo());
    }
}
