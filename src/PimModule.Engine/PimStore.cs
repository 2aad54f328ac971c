using PimModule.Checkpoint;
using PimModule.Identity.Keys;
using PimModule.Identity;
using PimModule.Storage;
using PimModule.Audit.Events;
using PimModule.Alerts;
using PimModule.Assignments;
using PimModule.Audit;
using PimModule.Interop;
using PimModule.Maintenance;
using PimModule.MultiFactor;
using PimModule.Notifications;
using PimModule.Policy;
using PimModule.Reports;
using PimModule.Requests;
using PimModule.Reviews;
using PimModule.Roles;
using PimModule.Errors;

namespace PimModule;

/// <summary>
/// An open PIM store and the principal acting on it: the entry point of the engine. Each operation runs in
/// one unit of work (one connection from the pool; one transaction for a change, retried on transient
/// conflicts); a refusal throws <see cref="PimException"/> before anything is committed.
/// </summary>
public sealed partial class PimStore : IDisposable
{
    private const int MaxAttempts = 12;
    private static long _retries;

    /// <summary>Transient conflicts (busy, locked, serialization failures) retried inside the engine by this process.</summary>
    public static long RetriedConflicts => Interlocked.Read(ref _retries);
    private readonly IStoreProvider _provider;
    private readonly PimStoreOptions _options;

    private PimStore(IStoreProvider provider, PimStoreOptions options, string principal, TimeProvider clock, int schemaVersion, bool created,
        StoreIdentityState identity)
    {
        _identity = identity;
        // What the verified state verifies, the session has verified: the user's pin follows (SaveTrust, after each command).
        if (identity is { Verified: { } verified, Point: { } point }) verified.Advanced = point.Advance;
        _provider = provider;
        _options = options;
        Principal = principal;
        Clock = clock;
        SchemaVersion = schemaVersion;
        Created = created;
        Roles = new RoleService(this);
        Audit = new AuditService(this);
        Settings = new SettingsService(this);
        Directory = new DirectoryService(this);
        Comparison = new SettingsComparison(this);
        Configuration = new ConfigurationService(this);
        Assignments = new AssignmentService(this);
        Mfa = new MfaService(this);
        Requests = new RequestService(this);
        Activations = new ActivationService(this);
        Notifications = new NotificationService(this);
        Alerts = new AlertService(this);
        Reviews = new AccessReviewService(this);
        Maintenance = new MaintenanceService(this);
        Credentials = new CredentialService(this);
        Reports = new ReportService(this);
    }

    private readonly StoreIdentityState _identity;

    /// <summary>What opening the store established of its identity: its id, mode and root, and the acting principal's key (Verified).</summary>
    internal sealed record StoreIdentityState(string StoreId, PimIdentityMode Mode, string? RootThumbprint, string? RootPrincipalKey, PimKey? Key,
        VerifiedPoint? Point, VerifiedState? Verified = null);

    /// <summary>The verified state this session answers from (Verified stores; null in a Lab store).</summary>
    internal VerifiedState? Verified => _identity.Verified;

    /// <summary>The root key's thumbprint and its principal as the verified log names them (Verified stores; null in a Lab store).</summary>
    internal string? RootThumbprint => _identity.RootThumbprint;
    internal string? RootPrincipalKey => _identity.RootPrincipalKey;

    public string Principal { get; }
    public string StoreId => _identity.StoreId;
    public PimIdentityMode IdentityMode => _identity.Mode;
    /// <summary>"&lt;StoreId&gt;:&lt;root thumbprint&gt;" of a Verified store; null for a Lab store.</summary>
    public string? TrustAnchor => _identity.RootThumbprint is { } root ? $"{StoreId}:{root}" : null;
    /// <summary>The acting principal's key thumbprint (Verified stores).</summary>
    public string? CredentialThumbprint => _identity.Key?.Thumbprint;

    /// <summary>The acting principal's key (Verified stores): it reads what is encrypted to them (their MFA secret; the SMTP password, for the mailer).</summary>
    internal PimKey? CredentialKey => _identity.Key;
    public TimeProvider Clock { get; }
    public int SchemaVersion { get; }
    /// <summary>True when opening this store created it.</summary>
    public bool Created { get; }

    private int _creationWarningTaken;

    /// <summary>
    /// Once, when opening this store created it as a principal who is not a mail address (the operating-system user, say):
    /// that principal is the first administrator, and mail to administrators cannot reach them. Says what to do; the command
    /// that opened the store writes it as a warning. Null otherwise, and after the first call.
    /// </summary>
    public string? TakeCreationWarning()
    {
        if (!Created || RolePolicy.IsMailAddress(Principal) || Interlocked.Exchange(ref _creationWarningTaken, 1) != 0) return null;
        var key = IdentityMode == PimIdentityMode.Verified ? "New-PimCredential -Principal you@contoso.com | Register-PimCredential; " : "";
        return $"'{Principal}' created this store and is its first administrator, but '{Principal}' is not a mail address: notifications to " +
               "administrators cannot reach it (each is queued as Failed with the reason, and Get-PimAlert shows them as UndeliverableNotifications). " +
               "To have a first administrator with a mail address, create the store as that person: " +
               $"Connect-PimStore -Path <new file> -Principal you@contoso.com{(IdentityMode == PimIdentityMode.Lab ? " -IdentityMode Lab" : "")}. " +
               $"Or keep this store and make that person an administrator too: {key}" +
               "New-PimActiveAssignment -Principal you@contoso.com -Role 'Privileged Role Administrator' -Permanent -Justification 'administrator with a mail address'.";
    }
    public PimStoreProvider Provider => _provider.Kind;
    public string Location => _provider.Location;

    public RoleService Roles { get; }
    public ReportService Reports { get; }
    public AuditService Audit { get; }
    public SettingsService Settings { get; }
    public DirectoryService Directory { get; }
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

    public DateTime UtcNow => Clock.GetUtcNow().UtcDateTime;

    /// <summary>
    /// Writes what this session verified and wrote into the user's known-stores file (after each cmdlet, and when the
    /// store is closed), so that cutting off the records it wrote is a rollback to this user too.
    /// </summary>
    public void SaveTrust()
    {
        if (_identity.Point is not { Moved: true } point || _identity.RootThumbprint is not { } root) return;
        var (sequence, hash) = point.Current;
        Read(work =>
        {
            KnownStoresOf(_options).Advance(Location, StoreId, root, sequence, hash, seq => AuditLogTable.BySequence(work, seq)?.Hash);
            return 0;
        });
        point.Saved();
    }

    /// <summary>The options to open this same store as another principal (same provider, location and clock).</summary>
    public PimStoreOptions OptionsFor(string? principal) => new()
    {
        Provider = _options.Provider, Path = _options.Path, ConnectionString = _options.ConnectionString,
        Principal = principal, Clock = _options.Clock, UserFolder = _options.UserFolder,
        // The same principal keeps their key; another one brings their own (from their key folder).
        Certificate = Identity.Principal.Same(principal ?? Principal, Principal) ? _options.Certificate : null,
        CredentialPath = Identity.Principal.Same(principal ?? Principal, Principal) ? _options.CredentialPath : null,
        CredentialPassphrase = Identity.Principal.Same(principal ?? Principal, Principal) ? _options.CredentialPassphrase : null,
    };

    public PimStoreInfo GetInfo() => Read(work =>
    {
        var now = work.Now;
        string? Info(string key) => StoreInfoTable.Get(work, key);
        return new PimStoreInfo
        {
            Provider = Provider,
            Location = Location,
            SchemaVersion = Migrator.ReadVersion(_provider, work),
            StoreId = StoreId,
            IdentityMode = IdentityMode,
            TrustAnchor = TrustAnchor,
            Principal = Principal,
            RoleCount = (int)RolesTable.Count(work),
            CustomRoleCount = (int)RolesTable.CustomCount(work),
            AssignmentCount = AssignmentsTable.CountNotEnded(work, now),
            EligibleAssignmentCount = AssignmentsTable.CountNotEnded(work, now, PimAssignmentType.Eligible),
            ActiveAssignmentCount = AssignmentsTable.CountNotEnded(work, now, PimAssignmentType.Active),
            PendingRequestCount = RequestsTable.CountPendingAt(work, now),
            FailedNotificationCount = NotificationsTable.CountFailed(work),
            AuditRecordCount = AuditLogTable.Count(work),
            RetriedConflicts = RetriedConflicts,
            CreatedBy = Info(StoreInfoTable.CreatedBy) ?? "",
            CreatedDateTime = long.TryParse(Info(StoreInfoTable.CreatedUtc), out var t) ? StoredValue.Time(t, "store_info", "value", StoreInfoTable.CreatedUtc) : default,
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
        // A copy is the whole store, readable by whoever holds it: only a principal who reads everything makes one, and
        // before anything is made at the destination (issue 28, review of finding 13).
        Read(w => { Authorization.RequireReader(w, "copy the whole store"); return true; });
        using var target = Open(new PimStoreOptions
        {
            Provider = destination.Provider, Path = destination.Path, ConnectionString = destination.ConnectionString,
            Principal = Principal, Clock = Clock, IdentityMode = PimIdentityMode.Lab, UserFolder = _options.UserFolder,
        });
        if (SchemaVersion != target.SchemaVersion)
            throw PimErrors.StoreSchemaMismatch($"The stores have different schema versions ({SchemaVersion} and {target.SchemaVersion}).",
                target.Location, "Open both with the same PimModule version.");
        // The source is read on one connection held while the destination is written in one transaction.
        return Read(source => target.Write(destination => StoreCopier.Copy(source, destination, target.Location, progress)));
    }

    /// <summary>The scopes assignments use (for completion).</summary>
    public IReadOnlyList<string> KnownScopes() => Read(work => AssignmentsTable.KnownScopes(work, KnownLimit));

    public void Dispose()
    {
        try
        {
            SaveTrust();
        }
        catch (PimException)
        {
            // Closing never fails; the next connect checks the store against the pin as it was.
        }
        _identity.Key?.Dispose();
        _identity.Verified?.Dispose();
        _provider.Dispose();
    }
}
