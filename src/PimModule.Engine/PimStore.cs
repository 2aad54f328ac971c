using PimModule.Alerts;
using PimModule.Assignments;
using PimModule.Audit;
using PimModule.Identity;
using PimModule.Interop;
using PimModule.Maintenance;
using PimModule.MultiFactor;
using PimModule.Notifications;
using PimModule.Policy;
using PimModule.Reports;
using PimModule.Requests;
using PimModule.Reviews;
using PimModule.Roles;
using PimModule.Snapshots;

namespace PimModule;

/// <summary>
/// An open PIM store and the principal acting on it: the entry point of the engine, a facade over a session
/// (<see cref="StoreSession"/>: who acts, the store's identity and verified state, and the command runner), the opening of
/// a store (<see cref="StoreOpening"/>), changes of its trust (<see cref="StoreTrust"/>) and the services. Each operation runs
/// in one unit of work (one connection from the pool; one transaction for a change, retried on transient conflicts); a
/// refusal throws <see cref="PimException"/> before anything is committed.
/// </summary>
public sealed class PimStore : IDisposable
{
    private readonly PimStoreOptions _options;
    private int _creationWarningTaken;

    internal PimStore(StoreSession session, PimStoreOptions options, int schemaVersion, bool created)
    {
        Session = session;
        _options = options;
        SchemaVersion = schemaVersion;
        Created = created;
        Roles = new RoleService(session);
        Audit = new AuditService(session);
        Settings = new SettingsService(session);
        Directory = new DirectoryService(session);
        Groups = new Groups.GroupService(session);
        Comparison = new SettingsComparison(session);
        Configuration = new ConfigurationService(session);
        Assignments = new AssignmentService(session);
        Mfa = new MfaService(session);
        Requests = new RequestService(session, Roles);
        Activations = new ActivationService(session);
        Notifications = new NotificationService(session);
        Alerts = new AlertService(session);
        Reviews = new AccessReviewService(session);
        Maintenance = new MaintenanceService(session);
        Credentials = new CredentialService(session);
        Reports = new ReportService(session, Alerts, Audit);
        Snapshots = new SnapshotService(session);
    }

    /// <summary>Opens a store (creating it when there is none): see <see cref="StoreOpening"/>.</summary>
    public static PimStore Open(PimStoreOptions options) => StoreOpening.Open(options);

    /// <inheritdoc cref="StoreTrust.ConfirmRestore"/>
    public static PimStore? ConfirmRestore(PimStoreOptions options, string reason, Func<PimChange, bool>? confirm) => StoreTrust.ConfirmRestore(options, reason, confirm);

    /// <inheritdoc cref="StoreTrust.Protect"/>
    public static PimStore? Protect(PimStoreOptions options, Func<PimChange, bool>? confirm) => StoreTrust.Protect(options, confirm);

    /// <summary>The audit action of a Verified store's schema migration (sealed by an administrator).</summary>
    public const string MigrateAction = "MigrateSchema";

    /// <summary>Transient conflicts (busy, locked, serialization failures) retried inside the engine by this process.</summary>
    public static long RetriedConflicts => StoreSession.RetriedConflicts;

    /// <summary>The session the services run on: who acts, the store's identity, and the command runner.</summary>
    internal StoreSession Session { get; }

    public string Principal => Session.Principal;
    public string StoreId => Session.StoreId;
    public PimIdentityMode IdentityMode => Session.IdentityMode;
    /// <summary>"&lt;StoreId&gt;:&lt;root thumbprint&gt;" of a Verified store; null for a Lab store.</summary>
    public string? TrustAnchor => Session.RootThumbprint is { } root ? $"{StoreId}:{root}" : null;
    /// <summary>The acting principal's key thumbprint (Verified stores).</summary>
    public string? CredentialThumbprint => Session.CredentialThumbprint;
    public TimeProvider Clock => Session.Clock;
    public DateTime UtcNow => Session.UtcNow;
    public int SchemaVersion { get; }
    /// <summary>True when opening this store created it.</summary>
    public bool Created { get; }
    public PimStoreProvider Provider => Session.Provider.Kind;
    public string Location => Session.Location;

    public RoleService Roles { get; }
    public ReportService Reports { get; }
    public AuditService Audit { get; }
    public SettingsService Settings { get; }
    public DirectoryService Directory { get; }
    public Groups.GroupService Groups { get; }
    public SettingsComparison Comparison { get; }
    public ConfigurationService Configuration { get; }
    public AssignmentService Assignments { get; }
    public MfaService Mfa { get; }
    public RequestService Requests { get; }
    public ActivationService Activations { get; }
    public NotificationService Notifications { get; }
    public AlertService Alerts { get; }
    public AccessReviewService Reviews { get; }
    public MaintenanceService Maintenance { get; }
    public CredentialService Credentials { get; }
    public SnapshotService Snapshots { get; }
    /// <summary>What verifying the store found and did not stop for (a snapshot refused, or disagreeing with the log): each told once.</summary>
    public IReadOnlyList<PimException> TakeNotices() { var list = new List<PimException>(); while (Session.Verified?.Notices.TryDequeue(out var n) == true) list.Add(n); return list; }

    /// <summary>
    /// Once, when opening this store created it as a principal who is not a mail address: what to do (the command that opened
    /// the store writes it as a warning). Null otherwise, and after the first call.
    /// </summary>
    public string? TakeCreationWarning()
        => Created && StoreFacts.CreationWarning(Principal, IdentityMode) is { } warning && Interlocked.Exchange(ref _creationWarningTaken, 1) == 0 ? warning : null;

    /// <summary>
    /// Writes what this session verified and wrote into the user's known-stores file (after each cmdlet, and when the
    /// store is closed), so that cutting off the records it wrote is a rollback to this user too.
    /// </summary>
    public void SaveTrust() => StoreTrust.Save(Session, _options);

    /// <summary>The options to open this same store as another principal (same provider, location and clock; the same principal keeps their key).</summary>
    public PimStoreOptions OptionsFor(string? principal)
    {
        var same = Identity.Principal.Same(principal ?? Principal, Principal);
        return new()
        {
            Provider = _options.Provider, Path = _options.Path, ConnectionString = _options.ConnectionString, Principal = principal, Clock = _options.Clock,
            UserFolder = _options.UserFolder, Certificate = same ? _options.Certificate : null, CredentialPath = same ? _options.CredentialPath : null,
            CredentialPassphrase = same ? _options.CredentialPassphrase : null,
        };
    }

    public PimStoreInfo GetInfo() => StoreFacts.Info(this);
    /// <summary>The principals the store knows (for completion): holders of assignments and requesters.</summary>
    public IReadOnlyList<string> KnownPrincipals() => StoreFacts.KnownPrincipals(Session);
    /// <summary>The scopes assignments use (for completion).</summary>
    public IReadOnlyList<string> KnownScopes() => StoreFacts.KnownScopes(Session);

    /// <summary>Copies this whole store into a new one (another provider, or another file), audit chain intact.</summary>
    public (int Tables, long Rows) CopyTo(PimStoreOptions destination, Action<string, long>? progress = null) => StoreFacts.Copy(this, destination, _options.UserFolder, progress);

    public void Dispose()
    {
        try { SaveTrust(); }
        catch (PimException) { } // closing never fails; the next connect checks the store against the pin as it was
        Session.Dispose();
    }
}
