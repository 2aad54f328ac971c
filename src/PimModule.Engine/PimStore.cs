using PimModule.Storage;
using PimModule.Storage.Postgres;
using PimModule.Storage.Sqlite;

namespace PimModule;

/// <summary>How to open a store.</summary>
public sealed class PimStoreOptions
{
    public PimStoreProvider Provider { get; init; } = PimStoreProvider.Sqlite;
    /// <summary>The SQLite file (Provider = Sqlite).</summary>
    public string? Path { get; init; }
    /// <summary>The connection string (Provider = PostgreSql; Npgsql's syntax: Host=…;Port=…;Database=…;Username=…;Password=…).</summary>
    public string? ConnectionString { get; init; }
    /// <summary>The acting principal; the operating-system user when null.</summary>
    public string? Principal { get; init; }
    /// <summary>
    /// The clock the engine reads; null = the system clock. Internal: only xunit (FakeTimeProvider) sets it — nothing in
    /// the module users load can move its clock.
    /// </summary>
    internal TimeProvider? Clock { get; init; }
}

/// <summary>
/// An open PIM store and the principal acting on it: the entry point of the engine. Each operation runs in
/// one unit of work (one connection from the pool; one transaction for a change, retried on transient
/// conflicts); a refusal throws <see cref="PimException"/> before anything is committed.
/// </summary>
public sealed class PimStore : IDisposable
{
    private const int MaxAttempts = 12;
    private static long _retries;

    /// <summary>Transient conflicts (busy, locked, serialization failures) retried inside the engine by this process.</summary>
    public static long RetriedConflicts => Interlocked.Read(ref _retries);
    private readonly IStoreProvider _provider;
    private readonly PimStoreOptions _options;

    private PimStore(IStoreProvider provider, PimStoreOptions options, string principal, TimeProvider clock, int schemaVersion, bool created)
    {
        _provider = provider;
        _options = options;
        Principal = principal;
        Clock = clock;
        SchemaVersion = schemaVersion;
        Created = created;
        Roles = new RoleService(this);
        Audit = new AuditService(this);
        Settings = new SettingsService(this);
        Assignments = new AssignmentService(this);
        Mfa = new MfaService(this);
        Requests = new RequestService(this);
        Activations = new ActivationService(this);
        Notifications = new NotificationService(this);
        Alerts = new AlertService(this);
        Maintenance = new MaintenanceService(this);
    }

    public string Principal { get; }
    public TimeProvider Clock { get; }
    public int SchemaVersion { get; }
    /// <summary>True when opening this store created it.</summary>
    public bool Created { get; }
    public PimStoreProvider Provider => _provider.Kind;
    public string Location => _provider.Location;

    public RoleService Roles { get; }
    public AuditService Audit { get; }
    public SettingsService Settings { get; }
    public AssignmentService Assignments { get; }
    public MfaService Mfa { get; }
    public RequestService Requests { get; }
    public ActivationService Activations { get; }
    public NotificationService Notifications { get; }
    public AlertService Alerts { get; }
    public MaintenanceService Maintenance { get; }

    public DateTime UtcNow => Clock.GetUtcNow().UtcDateTime;

    public static PimStore Open(PimStoreOptions options)
    {
        var principal = options.Principal is null ? global::PimModule.Identity.Principal.Current() : global::PimModule.Identity.Principal.Validate(options.Principal);
        Input.Text(options.ConnectionString, "ConnectionString", Input.ConnectionStringLength, secret: true);
        var clock = options.Clock ?? StoreClock.Default;
        IStoreProvider provider = options.Provider switch
        {
            PimStoreProvider.Sqlite => new SqliteStoreProvider(options.Path
                ?? throw PimErrors.StorePathRequired("A SQLite store needs a path.", null, "Give -Path.")),
            PimStoreProvider.PostgreSql => new PostgresStoreProvider(string.IsNullOrWhiteSpace(options.ConnectionString)
                ? throw PimErrors.StoreConnectionStringRequired("A PostgreSQL store needs a connection string.", null,
                    "Give -ConnectionString 'Host=…;Database=…;Username=…;Password=…' -Provider PostgreSql.")
                : options.ConnectionString),
            _ => throw PimErrors.ProviderNotSupported($"The {options.Provider} provider is not available in this version of PimModule.", options.Provider,
                "Use -Provider Sqlite or -Provider PostgreSql."),
        };
        try
        {
            provider.CheckTarget();
            var (version, created) = Run(provider, () => Migrator.Migrate(provider, principal, clock, SeedNewStore, UpgradeStore));
            return new PimStore(provider, options, principal, clock, version, created);
        }
        catch
        {
            provider.Dispose();
            throw;
        }
    }

    /// <summary>A new store: the role catalogue, and the creator's permanent active Privileged Role Administrator assignment.</summary>
    private static void SeedNewStore(UnitOfWork work)
    {
        StoreInfoTable.Insert(work, StoreInfoTable.StoreId, Guid.NewGuid().ToString("D"));
        StoreInfoTable.Insert(work, StoreInfoTable.CreatedBy, work.Actor);
        StoreInfoTable.Insert(work, StoreInfoTable.CreatedUtc, SqlTypes.Ticks(work.Now).ToString(System.Globalization.CultureInfo.InvariantCulture));
        RoleCatalog.Seed(work);
        AuditLog.Append(work, "CreateStore", "Store", null, null, work.Actor, null,
            new { CreatedBy = work.Actor, BuiltInRoles = RoleCatalog.BuiltIn.Count });

        var requestId = Guid.NewGuid();
        var assignment = new AssignmentRow(Guid.NewGuid(), work.Actor, RoleCatalog.PrivilegedRoleAdministrator, "/",
            PimAssignmentType.Active, PimMemberType.Direct, work.Now, null,
            "Creator of the store: PIM governs itself.", null, null, work.Actor, work.Now, requestId, null);
        new RequestRow(requestId, PimRequestAction.AdminAssign, PimRequestStatus.Provisioned, work.Actor,
            RoleCatalog.PrivilegedRoleAdministrator, "/", PimAssignmentType.Active, null, work.Now, null,
            assignment.Justification, null, null, work.Actor, work.Now, Decided: work.Now, AssignmentId: assignment.Id).Add(work);
        assignment.Add(work);
        StoreInfoTable.Insert(work, StoreInfoTable.BootstrapAssignmentId, assignment.Id.ToString("D"));
        AuditLog.Append(work, nameof(PimRequestAction.AdminAssign), "Assignment", assignment.Id.ToString("D"),
            assignment.RoleId, assignment.Principal, null, AuditView.Of(assignment));
    }

    /// <summary>What migrating an existing store from <paramref name="from"/> needs of the domain (schema 5 binds secrets to their row and store).</summary>
    private static void UpgradeStore(UnitOfWork work, int from)
    {
        if (from < Migrator.BoundSecretsVersion) MultiFactor.Mfa.BindLegacySecrets(work);
    }

    /// <summary>The options to open this same store as another principal (same provider, location and clock).</summary>
    public PimStoreOptions OptionsFor(string? principal) => new()
    {
        Provider = _options.Provider, Path = _options.Path, ConnectionString = _options.ConnectionString,
        Principal = principal, Clock = _options.Clock,
    };

    /// <summary>
    /// A change with a -WhatIf/-Confirm point: <paramref name="plan"/> validates (authorization, policy) and
    /// describes the change; with a <paramref name="confirm"/> callback it runs first on a read, so a refusal
    /// or a "no" changes nothing and holds no lock while a person answers; then plan and apply run together
    /// in one write transaction.
    /// </summary>
    internal T? Change<TPlan, T>(Func<UnitOfWork, TPlan> plan, Func<TPlan, PimChange> describe,
        Func<UnitOfWork, TPlan, T> apply, Func<PimChange, bool>? confirm) where T : class
    {
        if (confirm is not null && !confirm(describe(Read(plan)))) return null;
        return Write(work => apply(work, plan(work)));
    }

    /// <summary>Runs a read in its own unit of work (no transaction).</summary>
    internal T Read<T>(Func<UnitOfWork, T> read) => Run(_provider, () =>
    {
        using var connection = _provider.OpenConnection();
        return read(new UnitOfWork(connection, null, Principal, UtcNow));
    });

    /// <summary>Runs a change in one write transaction; a refusal (exception) rolls everything back.</summary>
    internal T Write<T>(Func<UnitOfWork, T> change) => Run(_provider, () =>
    {
        using var connection = _provider.OpenConnection();
        var (transaction, now) = _provider.BeginWrite(connection, Clock);
        using var tx = transaction;
        var work = new UnitOfWork(connection, tx, Principal, now);
        T result;
        try
        {
            result = change(work);
        }
        catch (MfaFailure failure)
        {
            // The one refusal that changes the store: the refused MFA code is counted and audited (written before
            // anything else of the call), committed, and then the call is refused.
            work.Commit();
            throw failure.Refusal;
        }
        work.Commit();
        return result;
    });

    /// <summary>Streams a query's rows on one connection held while the caller enumerates.</summary>
    internal IEnumerable<T> Stream<T>(Func<UnitOfWork, IEnumerable<T>> query)
    {
        using var connection = Run(_provider, _provider.OpenConnection);
        var work = new UnitOfWork(connection, null, Principal, UtcNow);
        foreach (var item in query(work)) yield return item;
    }

    internal System.Data.Common.DbConnection OpenConnectionWithRetry() => Run(_provider, _provider.OpenConnection);

    /// <summary>Begins a write transaction on a held connection (bulk paths), retrying while the store is busy.</summary>
    internal (System.Data.Common.DbTransaction, UnitOfWork) BeginWithRetry(System.Data.Common.DbConnection connection, CommandCache? cache = null)
        => Run(_provider, () =>
        {
            var (tx, now) = _provider.BeginWrite(connection, Clock);
            return (tx, new UnitOfWork(connection, tx, Principal, now, cache));
        });

    internal PimException? TranslateError(Exception e) => _provider.Translate(e);

    internal static T Run<T>(IStoreProvider provider, Func<T> action)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return action();
            }
            catch (PimException)
            {
                throw;
            }
            catch (Exception e) when (provider.IsTransient(e) && attempt < MaxAttempts)
            {
                Interlocked.Increment(ref _retries);
                Thread.Sleep(Random.Shared.Next(5, 20) * attempt); // back off; a bounded number of tries
            }
            catch (Exception e) when (provider.Translate(e) is { } translated)
            {
                throw translated;
            }
        }
    }

    public PimStoreInfo GetInfo() => Read(work =>
    {
        var now = work.Now;
        string? Info(string key) => StoreInfoTable.Get(work, key);
        return new PimStoreInfo
        {
            Provider = Provider,
            Location = Location,
            SchemaVersion = Migrator.ReadVersion(_provider, work),
            Principal = Principal,
            RoleCount = (int)RolesTable.Count(work),
            CustomRoleCount = (int)RolesTable.CustomCount(work),
            AssignmentCount = AssignmentsTable.CountNotEnded(work, now),
            EligibleAssignmentCount = AssignmentsTable.CountNotEnded(work, now, PimAssignmentType.Eligible),
            ActiveAssignmentCount = AssignmentsTable.CountNotEnded(work, now, PimAssignmentType.Active),
            PendingRequestCount = RequestsTable.CountPendingAt(work, now),
            AuditRecordCount = AuditLogTable.Count(work),
            RetriedConflicts = RetriedConflicts,
            CreatedBy = Info(StoreInfoTable.CreatedBy) ?? "",
            CreatedDateTime = long.TryParse(Info(StoreInfoTable.CreatedUtc), out var t) ? SqlTypes.FromTicks(t) : default,
        };
    });

    /// <summary>The principals the store knows (for completion): holders of assignments and requesters.</summary>
    public IReadOnlyList<string> KnownPrincipals() => Read(work =>
        AssignmentsTable.KnownPrincipals(work, KnownLimit).Concat(RequestsTable.Principals(work, KnownLimit))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Take(KnownLimit).ToList());

    private const int KnownLimit = 5000;

    /// <summary>Copies this whole store into a new one (another provider, or another file), audit chain intact.</summary>
    public (int Tables, long Rows) CopyTo(PimStoreOptions destination, Action<string, long>? progress = null)
    {
        using var target = Open(new PimStoreOptions
        {
            Provider = destination.Provider, Path = destination.Path, ConnectionString = destination.ConnectionString,
            Principal = Principal, Clock = Clock,
        });
        if (SchemaVersion != target.SchemaVersion)
            throw PimErrors.StoreSchemaMismatch($"The stores have different schema versions ({SchemaVersion} and {target.SchemaVersion}).",
                target.Location, "Open both with the same PimModule version.");
        // The source is read on one connection held while the destination is written in one transaction.
        return Read(source => target.Write(destination => StoreCopier.Copy(source, destination, target.Location, progress)));
    }

    /// <summary>The scopes assignments use (for completion).</summary>
    public IReadOnlyList<string> KnownScopes() => Read(work => AssignmentsTable.KnownScopes(work, KnownLimit));

    public void Dispose() => _provider.Dispose();
}
