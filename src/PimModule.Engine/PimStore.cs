using PimModule.Identity.Keys;
using PimModule.Identity;
using PimModule.Storage;
using PimModule.Storage.Postgres;
using PimModule.Storage.Sqlite;
using PimModule.Audit.Events;

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

    /// <summary>
    /// The identity mode: for a new store, what it is created as (null = Verified); for an existing store, what the caller
    /// expects (null = whatever it is; another mode is refused with PimIdentityModeMismatch).
    /// </summary>
    public PimIdentityMode? IdentityMode { get; init; }

    /// <summary>Verified stores: the private key's file (PEM), else the principal's key in their PimModule key folder.</summary>
    public string? CredentialPath { get; init; }

    /// <summary>The passphrase of an encrypted key file (and of the key made for a store's creator).</summary>
    public System.Security.SecureString? CredentialPassphrase { get; init; }

    /// <summary>Verified stores: a certificate with its private key (ECDSA P-256/P-384, or RSA of 2048 bits or more) to act with.</summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2? Certificate { get; init; }

    /// <summary>"&lt;storeId&gt;:&lt;root thumbprint&gt;" (or the thumbprint alone): the store must be this one, whatever this user pinned before.</summary>
    public string? TrustAnchor { get; init; }

    /// <summary>The per-user PimModule folder (keys, known stores); null = the platform's. Internal: xunit gives each test its own.</summary>
    internal string? UserFolder { get; init; }

    /// <summary>Told the last record verified, every 10,000 records, while a store's log is verified (the first connect verifies all of it).</summary>
    public Action<long>? VerificationProgress { get; init; }

    /// <summary>Opened by Confirm-PimStoreRestore: a log that does not extend the pin is let in, and only the confirmation writes.</summary>
    internal bool AcceptingRestore { get; init; }

    /// <summary>These options with the identity parameters a caller gave (each null keeps what is there).</summary>
    public PimStoreOptions WithIdentity(PimIdentityMode? mode, string? credentialPath, System.Security.SecureString? passphrase,
        System.Security.Cryptography.X509Certificates.X509Certificate2? certificate, string? trustAnchor) => new()
    {
        Provider = Provider, Path = Path, ConnectionString = ConnectionString, Principal = Principal, Clock = Clock, UserFolder = UserFolder,
        VerificationProgress = VerificationProgress,
        IdentityMode = mode ?? IdentityMode,
        CredentialPath = credentialPath ?? (certificate is null ? CredentialPath : null),
        CredentialPassphrase = passphrase ?? CredentialPassphrase,
        Certificate = certificate ?? (credentialPath is null ? Certificate : null),
        TrustAnchor = trustAnchor ?? TrustAnchor,
    };
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
        PimKey? key = null;
        try
        {
            var anchor = options.TrustAnchor is { } ta ? StoreIdentity.ParseAnchor(ta) : ((string? StoreId, string Root)?)null;
            var knownStores = KnownStoresOf(options);
            var pin = knownStores.Find(provider.Location);
            // No file where this user verified a store (removed, even while a session had it open): refused before anything
            // is made there, rather than a new store in its place.
            if (provider.NothingThere()) RefuseToCreate(provider.Location, anchor, pin, knownStores.FilePath);
            provider.CheckTarget();
            var creating = options.IdentityMode ?? PimIdentityMode.Verified;
            var preparedOnly = false;
            var (version, created) = Run(provider, () => Migrator.Migrate(provider, principal, clock, work =>
            {
                RefuseToCreate(provider.Location, anchor, pin, knownStores.FilePath);
                // The schema's owner (or a superuser) makes the tables of a Verified store, not the store: it could drop the
                // checks that keep the store's time and history, so a login that does not own them creates and uses it.
                if (creating == PimIdentityMode.Verified && provider.LoginOwnsStore(work.Connection)) { preparedOnly = true; return; }
                SeedNewStore(work, creating, () => key ??= CreatorKey(options, principal));
            }, UpgradeStore, work => StoreIdentity.Resolve(StoreIdentity.Read(work), pin is not null, anchor is not null) == PimIdentityMode.Verified));
            if (preparedOnly)
                throw PimErrors.StoreOwnerLogin(
                    $"The store's tables are ready at '{provider.Location}' (schema version {version}). This login owns them (or is a superuser), so it does not " +
                    "create the Verified store itself: it could drop the checks that keep the store's time and history. Nothing else was written.",
                    provider.Location, "Connect with a login that does not own the tables (the writer login: SELECT, INSERT, UPDATE, DELETE on them; see the README's " +
                    "PostgreSQL section). The first principal to connect with it becomes the store's root of trust and first administrator.");
            var identity = Establish(provider, options, principal, clock, anchor, ref key);
            var store = new PimStore(provider, options, principal, clock, version, created, identity);
            if (version < Migrator.LatestVersion(provider))
            {
                try { return store.MigrateSealed(version); }
                catch { store.Dispose(); throw; }
            }
            return store;
        }
        catch
        {
            key?.Dispose();
            provider.Dispose();
            throw;
        }
    }

    /// <summary>
    /// No store where one is expected: a -TrustAnchor names a store, and a pin says this user verified one there. Making a
    /// new store in its place (with a new root) would hide that it is gone: refused, before anything is created.
    /// </summary>
    private static void RefuseToCreate(string location, (string? StoreId, string Root)? anchor, KnownStore? pin, string knownStoresFile)
    {
        if (anchor is { } a)
            throw PimErrors.StoreTrustChanged($"There is no store at {location}, and -TrustAnchor names one ({a.StoreId ?? "root"} {a.Root}). Nothing was created.",
                location, "Check the -Path or -ConnectionString: a runbook never creates the store it is anchored to.");
        if (pin is not null)
            throw PimErrors.StoreRolledBack(
                $"There is no store at {location} any more, but you verified store {pin.StoreId} there (up to record {pin.Sequence}). Nothing was created.",
                location, $"Restore the store from its backup (Copy-PimStore makes one) and connect again. If it was removed on purpose, remove its entry " +
                $"(\"location\": \"{location}\") from your known-stores file '{knownStoresFile}', then connect again to create a new store there.");
    }

    private static string Passphrase(PimStoreOptions options)
        => options.CredentialPassphrase is { } p ? new System.Net.NetworkCredential("", p).Password : "";

    /// <summary>The acting principal's own key: the certificate, the file, or their key folder (PimCredentialNotFound when none).</summary>
    private static PimKey ActingKey(PimStoreOptions options, string principal)
    {
        if (options.Certificate is { } certificate) return PimKey.FromCertificate(certificate, requirePrivateKey: true);
        return CredentialFolder.Load(principal, options.CredentialPath, Passphrase(options),
            options.UserFolder is { } root ? System.IO.Path.Combine(root, "keys") : null);
    }

    /// <summary>The key of a new Verified store's creator: theirs if they have one, else made now in their key folder (its root of trust).</summary>
    private static PimKey CreatorKey(PimStoreOptions options, string principal)
    {
        if (options.Certificate is not null) return ActingKey(options, principal);
        var folder = options.UserFolder is { } root ? System.IO.Path.Combine(root, "keys") : null;
        if (!File.Exists(options.CredentialPath ?? CredentialFolder.PathFor(principal, folder)))
            CredentialFolder.Create(principal, options.CredentialPath, Passphrase(options), root: folder);
        return ActingKey(options, principal);
    }

    /// <summary>
    /// What a principal whose key this store does not bind does next: both onboarding steps (theirs and the
    /// administrator's), for the key they connected with; a key bound to someone else is never theirs to use.
    /// </summary>
    private static string NotRegisteredAction(PimStoreOptions options, string principal, bool someoneElses)
    {
        var p = PimErrors.Argument(principal);
        if (options.Certificate is not null)
            return $"Hand the certificate's public part to an administrator of the store (Export-Certificate writes it), who registers it: Register-PimCredential -Principal {p} -PublicKey <the certificate>. Then connect again.";
        return (someoneElses ? "Act with your own key, not another principal's. " : "")
            + PimErrors.OnboardingSteps(principal, someoneElses ? null : options.CredentialPath, hasKey: !someoneElses)
            + $" Then connect again: Connect-PimStore -Principal {p}" + (options.CredentialPath is { } file && !someoneElses ? $" -CredentialPath {PimErrors.Argument(file)}." : ".");
    }

    /// <summary>The hash of a record as the store holds it now (a connection of its own, outside any snapshot); null when it has none.</summary>
    private static string? LatestHash(IStoreProvider provider, UnitOfWork like, long sequence)
    {
        using var connection = provider.OpenConnection();
        return AuditLogTable.BySequence(new UnitOfWork(connection, null, like.Actor, like.Now), sequence)?.Hash;
    }

    private static KnownStores KnownStoresOf(PimStoreOptions options)
        => new(options.UserFolder is { } root ? System.IO.Path.Combine(root, "known-stores.json") : null);

    /// <summary>
    /// After migrating: the store's mode (another one asked for is refused), and in a Verified store the proof of who acts:
    /// the whole log verifies, the acting key is bound to the principal by it, and the store extends what this user pinned.
    /// All of it is read in one snapshot of the store, and nothing is written to it.
    /// </summary>
    private static StoreIdentityState Establish(IStoreProvider provider, PimStoreOptions options, string principal, TimeProvider clock,
        (string? StoreId, string Root)? anchor, ref PimKey? key)
    {
        var known = KnownStoresOf(options);
        var pinned = known.Find(provider.Location) is not null;
        var acting = key;
        VerifiedState? verified = null;
        try
        {
        var result = Run(provider, () =>
        {
            for (var attempt = 1; ; attempt++)
            {
                try { return Once(attempt < VerifiedState.SnapshotAttempts); }
                catch (CheckpointAheadException) when (attempt < VerifiedState.SnapshotAttempts) { }
            }
        });
        key = acting;
        return result;

        // One snapshot of the store. Another session of this user may have verified (and pinned) records committed after it
        // began: the checkpoint ahead of it asks for a new snapshot; a pin ahead of it is judged by the store as it is now.
        StoreIdentityState Once(bool snapshotMayLag)
        {
            verified?.Dispose();
            verified = null;
            using var connection = provider.OpenConnection();
            using var snapshot = provider.BeginSnapshot(connection);
            var work = new UnitOfWork(connection, snapshot, principal, clock.GetUtcNow().UtcDateTime) { SnapshotMayLag = snapshotMayLag };
            var evidence = StoreIdentity.Read(work);
            var mode = StoreIdentity.Resolve(evidence, pinned, anchor is not null);
            if (options.IdentityMode is { } asked && asked != mode)
                throw PimErrors.IdentityModeMismatch(
                    $"The store '{provider.Location}' is a {mode} store; it cannot be opened as {asked}. Nothing was changed.", provider.Location,
                    mode == PimIdentityMode.Verified
                        ? "Connect without -IdentityMode (or with -IdentityMode Verified), acting with your own key; a Verified store never becomes Lab."
                        : "Connect without -IdentityMode; an administrator turns a Lab store into a Verified one with Protect-PimStore.");
            if (mode == PimIdentityMode.Lab) return new StoreIdentityState(evidence.StoreId, mode, null, null, null, null);

            acting ??= ActingKey(options, principal);
            work.IdentityMode = PimIdentityMode.Verified;
            // The user's verified checkpoint of this store: only the records after it are verified (all of them the first time).
            verified = VerifiedState.Open(options.UserFolder, evidence.StoreId, provider.Location, provider.BeginSnapshot);
            var check = verified.Sync(work, options.VerificationProgress);
            var verdict = check.IsValid ? verified.State : null;
            var head = check.IsValid && verified.Head.Sequence > 0 ? new AuditLogTable.HeadRow(verified.Head.Sequence, verified.Head.Hash) : null;
            if (!check.IsValid || verdict is null || head is null || verdict.RootThumbprint is null)
                throw PimErrors.StoreTampered(
                    $"The store '{provider.Location}' is a Verified store whose log does not verify: {check.Reason ?? "it holds no genesis record (it was emptied)."} Nothing was changed, and nothing in it is trusted.",
                    provider.Location, "Restore the store from a backup, and find out who changed it outside PimModule.");
            // Which store this is comes first: another store than the anchor or the pin names is refused as such, whatever the key.
            if (anchor is { } given && (!string.Equals(given.StoreId ?? evidence.StoreId, evidence.StoreId, StringComparison.OrdinalIgnoreCase) ||
                                        !string.Equals(given.Root, verdict.RootThumbprint, StringComparison.OrdinalIgnoreCase)))
                throw PimErrors.StoreTrustChanged(
                    $"The store at {provider.Location} is {evidence.StoreId} with root key {verdict.RootThumbprint}, not the trust anchor {given.StoreId ?? "(any store)"}:{given.Root} that was given. Nothing was changed.",
                    provider.Location, "Check that -TrustAnchor names this store and its root, and that the store was not replaced.");
            if (anchor is null && known.Find(provider.Location) is { } pinnedStore &&
                (!string.Equals(pinnedStore.StoreId, evidence.StoreId, StringComparison.OrdinalIgnoreCase) || !string.Equals(pinnedStore.Root, verdict.RootThumbprint, StringComparison.OrdinalIgnoreCase)))
                throw PimErrors.StoreTrustChanged(
                    $"The store at {provider.Location} is {evidence.StoreId}, but you trusted store {pinnedStore.StoreId} (another root key) there. Nothing was changed.",
                    provider.Location, "If the store was replaced on purpose, connect with -TrustAnchor <storeId>:<thumbprint> given by its administrator.");
            var principalKey = Identity.Principal.Fold(principal);
            var bindings = verdict.Bindings.Where(b => !verdict.Revoked.Contains(b.Key, StringComparer.OrdinalIgnoreCase))
                .ToDictionary(b => b.Key, b => b.Value.Principal, StringComparer.OrdinalIgnoreCase);
            if (!bindings.TryGetValue(acting.Thumbprint, out var boundTo) || boundTo != principalKey)
                throw PimErrors.CredentialNotRegistered(boundTo is null
                        ? $"The key {acting.Thumbprint} is not registered (or was revoked) for {principal} in the store '{provider.Location}'. Nothing was changed."
                        : $"The key {acting.Thumbprint} is registered to another principal, not to {principal}. Nothing was changed.",
                    principal, NotRegisteredAction(options, principal, boundTo is not null));
            var anchorPin = anchor is { } a ? (a.StoreId ?? evidence.StoreId, a.Root) : ((string, string)?)null;
            if (options.AcceptingRestore)
            {
                // Confirm-PimStoreRestore: the log verifies and the acting key is bound, but it need not extend the pin; it must
                // still be the store (id and root) this user trusts. The pin moves once the restore is confirmed.
                if (known.Find(provider.Location) is { } trusted &&
                    (!string.Equals(trusted.StoreId, evidence.StoreId, StringComparison.OrdinalIgnoreCase) || !string.Equals(trusted.Root, verdict.RootThumbprint, StringComparison.OrdinalIgnoreCase)))
                    throw PimErrors.StoreTrustChanged($"The store at {provider.Location} is {evidence.StoreId} with root key {verdict.RootThumbprint}, not the store you trusted there ({trusted.StoreId}): a restore is confirmed only on the same store.",
                        provider.Location, "Restore the backup of the store you trusted, or connect with -TrustAnchor if the store was replaced on purpose.");
            }
            else
                known.CheckAndAdvance(provider.Location, evidence.StoreId, verdict.RootThumbprint, head.Sequence, head.Hash,
                    seq => AuditLogTable.BySequence(work, seq)?.Hash, anchorPin, verdict.Restores, seq => LatestHash(provider, work, seq));
            return new StoreIdentityState(evidence.StoreId, mode, verdict.RootThumbprint, verdict.RootPrincipal, acting,
                new VerifiedPoint(head.Sequence, head.Hash), verified);
        }
        }
        catch
        {
            verified?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Confirm-PimStoreRestore: opens a Verified store that was restored from a backup (its log verifies, but it does not
    /// extend what this user verified), and — when the acting principal is the root or a direct administrator, and
    /// <paramref name="confirm"/> agrees — seals a ConfirmRestore record on it. Users whose pins the restore gave up
    /// are then let in (the log holds a restore they had not seen, to before what they saw); nothing else is excused.
    /// Returns the store, or null when the confirmation was declined (nothing written, the store closed).
    /// </summary>
    public static PimStore? ConfirmRestore(PimStoreOptions options, string reason, Func<PimChange, bool>? confirm)
    {
        var why = Input.Text(reason, "Reason", Input.JustificationLength) is { Length: > 0 } r ? r
            : throw PimErrors.InputValueInvalid("-Reason is empty: say why the store was restored.", null, "Give -Reason, e.g. 'Restored from the backup of 2026-12-01 after the disk failed'.");
        var store = Open(new PimStoreOptions
        {
            Provider = options.Provider, Path = options.Path, ConnectionString = options.ConnectionString, Principal = options.Principal, Clock = options.Clock,
            IdentityMode = options.IdentityMode, CredentialPath = options.CredentialPath, CredentialPassphrase = options.CredentialPassphrase,
            Certificate = options.Certificate, TrustAnchor = options.TrustAnchor, UserFolder = options.UserFolder, AcceptingRestore = true,
        });
        try
        {
            if (store.IdentityMode != PimIdentityMode.Verified)
                throw PimErrors.IdentityModeMismatch($"The store '{store.Location}' is a Lab store: there is no verified log whose restore could be confirmed.",
                    store.Location, "A Lab store is restored by copying the file or database back; nothing needs confirming.");
            var (sequence, hash) = store._identity.Point!.Current;
            var done = store.Change(work =>
            {
                store.Credentials.RequireKeyAdministrator(work, "confirm a restore of the store");
                return sequence;
            },
            _ => new PimChange(store.Location, $"Confirm the store was restored from a backup (its log ends at record {sequence}): {why}"),
            (work, _) =>
            {
                AuditLog.Append(work, new RestoreConfirmed(store.StoreId, sequence, hash, why));
                return (object)sequence;
            }, confirm);
            if (done is null)
            {
                store.Dispose();
                return null;
            }
            // The pin starts again from the confirmed restore.
            var known = KnownStoresOf(options);
            known.Forget(store.Location);
            var (at, atHash) = store._identity.Point!.Current;
            store.Read(work =>
            {
                var restores = AuditLogTable.Query(work, null, null, null, null, [Seals.RestoreAction], null).Select(x => x.Sequence).ToList();
                known.CheckAndAdvance(store.Location, store.StoreId, store.RootThumbprint!, at, atHash, seq => AuditLogTable.BySequence(work, seq)?.Hash, null, restores);
                return 0;
            });
            store._identity.Point.Saved();
            return store; // handed out only now: before the confirmation nothing but it could write to this store
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Protect-PimStore: turns a Lab store into a Verified one, once. The acting administrator's key (theirs, or made now)
    /// becomes the root of trust; <paramref name="confirm"/> is shown what they endorse — every privileged assignment not
    /// ended — and a ProtectStore record, sealed by them, names the root key and carries that endorsement as the starting
    /// point of the verified log. Every MFA method is removed (secrets kept under the shared key are not read in a
    /// Verified store): each principal registers theirs again. Returns the store, reopened as Verified (null: declined).
    /// </summary>
    public static PimStore? Protect(PimStoreOptions options, Func<PimChange, bool>? confirm)
    {
        PimKey? key = null;
        using (var lab = Open(new PimStoreOptions
        {
            Provider = options.Provider, Path = options.Path, ConnectionString = options.ConnectionString, Principal = options.Principal,
            Clock = options.Clock, UserFolder = options.UserFolder,
        }))
        {
            if (lab.IdentityMode == PimIdentityMode.Verified)
                throw PimErrors.IdentityModeMismatch($"The store '{lab.Location}' is a Verified store already; it is protected once.", lab.Location,
                    "Connect to it with your own key (Connect-PimStore); nothing needs protecting.");
            try
            {
                var done = lab.Change(work =>
                {
                    Authorization.RequireRoleAdministrator(work, "protect the store (make it a Verified store)");
                    var names = RolesTable.Names(work);
                    var listing = new AssignmentsTable.Listing(null, null, null, null, work.Now, work.Now);
                    // What the Lab past says counts only as endorsed here: the assignments of privileged and custom roles.
                    return RolesTable.All(work).Where(r => r.IsPrivileged || !r.IsBuiltIn)
                        .SelectMany(r => AssignmentsTable.ListOfRole(work, r.Id, listing).Select(a => (Row: a, Role: r.Name))).ToList();
                },
                endorsed => new PimChange(lab.Location, $"Protect the store: make it Verified, with {Identity.Principal.Fold(lab.Principal)}'s key as its root, endorsing " +
                    $"{endorsed.Count} privileged or custom-role assignment(s)" + (endorsed.Count == 0 ? "" : ": " + string.Join("; ", endorsed.Take(20).Select(e =>
                        $"{e.Row.Principal} {e.Row.Type} {e.Role} at {e.Row.Scope}")) + (endorsed.Count > 20 ? $"; and {endorsed.Count - 20} more" : "")) +
                    ". Every MFA method is removed: each principal registers theirs again."),
                (work, endorsed) =>
                {
                    key ??= CreatorKey(options, lab.Principal);
                    var head = AuditLogTable.Head(work);
                    work.IdentityMode = PimIdentityMode.Verified;
                    work.Sealer = new Sealer(key, lab.StoreId, new VerifiedPoint(0, AuditLog.Genesis));
                    StoreInfoTable.Put(work, StoreInfoTable.IdentityMode, nameof(PimIdentityMode.Verified));
                    StoreInfoTable.Put(work, StoreInfoTable.RootThumbprint, key.Thumbprint);
                    StoreInfoTable.Put(work, StoreInfoTable.VerifiedFromSequence, ((head?.Sequence ?? 0) + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
                    if (CredentialsTable.ByThumbprint(work, key.Thumbprint) is null)
                        CredentialsTable.Insert(work, new CredentialsTable.Row(key.Thumbprint, work.Actor, Identity.Principal.Fold(work.Actor), key.Algorithm, key.PublicKeyPem(),
                            CredentialsTable.Active, work.Actor, work.Now, null, null, null, IsRoot: true));
                    var removed = MfaMethodsTable.DeleteAll(work);
                    var views = endorsed.Select(e => System.Text.Json.Nodes.JsonNode.Parse(AssignmentView.Of(e.Row).Json) as System.Text.Json.Nodes.JsonObject).ToList();
                    // The settings endorsed as they are: every role's policy rules, and the mail settings.
                    AuditLog.Append(work, new StoreProtected(lab.StoreId, work.Actor, new StoreProtection(lab.StoreId, work.Actor, nameof(PimIdentityMode.Verified),
                        key.PublicKeyPem(), key.Thumbprint, views, removed, Endorsement.Policies(work), Endorsement.Mail(work))));
                    return (object)endorsed.Count;
                }, confirm);
                if (done is null) return null;
            }
            finally
            {
                key?.Dispose();
            }
        }
        // Reopened as what it is now: the whole log verifies, from its Lab beginning to the sealed protection, and is pinned.
        return Open(options.WithIdentity(PimIdentityMode.Verified, null, null, null, null));
    }

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

    /// <summary>A new store: the role catalogue, and the creator's permanent active Privileged Role Administrator assignment.</summary>
    private static void SeedNewStore(UnitOfWork work, PimIdentityMode mode, Func<PimKey> creatorKey)
    {
        var storeId = Guid.NewGuid().ToString("D");
        StoreInfoTable.Insert(work, StoreInfoTable.StoreId, storeId);
        StoreInfoTable.Insert(work, StoreInfoTable.CreatedBy, work.Actor);
        StoreInfoTable.Insert(work, StoreInfoTable.CreatedUtc, SqlTypes.Ticks(work.Now).ToString(System.Globalization.CultureInfo.InvariantCulture));
        RoleCatalog.Seed(work);
        StoreGenesis genesis;
        if (mode == PimIdentityMode.Verified)
        {
            work.IdentityMode = PimIdentityMode.Verified;
            genesis = StoreIdentity.SeedVerified(work, storeId, creatorKey());
        }
        else
        {
            StoreIdentity.SeedLab(work);
            genesis = new StoreGenesis(null, work.Actor, null, null, null, RoleCatalog.BuiltIn.Count);
        }
        AuditLog.Append(work, new StoreCreated(work.Actor, genesis));

        var requestId = Guid.NewGuid();
        var assignment = new AssignmentRow(Guid.NewGuid(), work.Actor, RoleCatalog.PrivilegedRoleAdministrator, "/",
            PimAssignmentType.Active, PimMemberType.Direct, work.Now, null,
            "Creator of the store: PIM governs itself.", null, null, work.Actor, work.Now, requestId, null);
        new RequestRow(requestId, PimRequestAction.AdminAssign, PimRequestStatus.Provisioned, work.Actor,
            RoleCatalog.PrivilegedRoleAdministrator, "/", PimAssignmentType.Active, null, work.Now, null,
            assignment.Justification, null, null, work.Actor, work.Now, Decided: work.Now, AssignmentId: assignment.Id).Add(work);
        assignment.Add(work);
        StoreInfoTable.Insert(work, StoreInfoTable.BootstrapAssignmentId, assignment.Id.ToString("D"));
        AuditLog.Append(work, new AdminAssigned(assignment));
    }

    /// <summary>What migrating an existing store from <paramref name="from"/> needs of the domain (schema 5 binds secrets to their row and store).</summary>
    /// <summary>The audit action of a Verified store's schema migration (sealed by an administrator).</summary>
    public const string MigrateAction = "MigrateSchema";

    /// <summary>
    /// A Verified store whose schema is older than this module's: migrated as an administrator's sealed change (the acting
    /// principal's, verified as an administrator inside the transaction; a MigrateSchema record names the versions and the
    /// migrations). Anyone else is refused, and nothing is changed: an administrator opens it with this version first.
    /// </summary>
    internal PimStore MigrateSealed(int from) => MigrateSealed(from, null);

    /// <summary>As <see cref="MigrateSealed(int)"/>, with the migrations to run given (xunit runs one of its own).</summary>
    internal PimStore MigrateSealed(int from, IReadOnlyList<Migration>? migrations)
    {
        _migrating = true;
        try { return MigrateSealedAs(from, migrations); }
        finally { _migrating = false; }
    }

    /// <summary>True while this session migrates the schema (the owner's job, let through by the owner-login check).</summary>
    private bool _migrating;

    private bool? _ownerLogin;

    /// <summary>Whether this session's login owns the store (asked once, on the first write's connection).</summary>
    private bool OwnerLogin(System.Data.Common.DbConnection connection) => _ownerLogin ??= _provider.LoginOwnsStore(connection);

    private PimStore MigrateSealedAs(int from, IReadOnlyList<Migration>? migrations)
    {
        Write(work =>
        {
            Authorization.RequireRoleAdministrator(work, $"migrate this Verified store's schema from version {from} (an administrator's sealed change)");
            _provider.LockForMigration(work);
            var current = Migrator.ReadVersion(_provider, work);
            var ran = migrations ?? Migrator.Apply(_provider, work, current);
            if (migrations is not null)
                foreach (var m in migrations.Where(m => m.Version > current))
                {
                    work.Execute(m.Sql, new { });
                    SchemaVersionTable.Insert(work, m.Version, m.Description);
                }
            if (ran.Count == 0) return 0;
            UpgradeStore(work, current);
            AuditLog.Append(work, new SchemaMigrated(StoreId, current, new SchemaMigration(ran.Max(m => m.Version), ran.Select(m => $"{m.Version:0000} {m.Description}").ToArray())));
            return ran.Count;
        });
        return this;
    }

    private static void UpgradeStore(UnitOfWork work, int from)
    {
        if (from < Migrator.BoundSecretsVersion) MultiFactor.Mfa.BindLegacySecrets(work);
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

    /// <summary>A unit of work of this store: its mode, and in a Verified store the acting key that seals what it writes.</summary>
    private UnitOfWork NewWork(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction? tx, DateTime now, CommandCache? cache = null,
        bool verify = true)
    {
        var work = new UnitOfWork(connection, tx, Principal, now, cache)
        {
            IdentityMode = _identity.Mode,
            Verified = _identity.Verified,
            Sealer = tx is not null && _identity.Key is { } key ? new Sealer(key, _identity.StoreId, _identity.Point!) : null,
        };
        // A Verified store makes no day-to-day change with a login that owns its schema or is a superuser (PostgreSQL): it
        // could drop the store's own checks. Migrations are the owner's job, and are let through.
        if (tx is not null && _identity.Mode == PimIdentityMode.Verified && !_migrating && OwnerLogin(connection))
            throw PimErrors.StoreOwnerLogin(
                $"This PostgreSQL login owns the store's schema (or is a superuser): in a Verified store it could drop the checks that keep the store's time " +
                "and history, so it makes no day-to-day change. Nothing was changed.", Location,
                "Connect with a login that does not own the store (the writer login: SELECT, INSERT, UPDATE, DELETE on its tables; see the README's PostgreSQL " +
                "section). Keep the owner login for creating the tables and for migrations.");
        // A Verified store's unit of work first verifies what was appended since this session last looked (one query when
        // nothing was), whatever it goes on to read: an answer never rests on a head the session has not verified, and
        // what it verified is pinned at the command's end — a later rollback is refused.
        if (verify) work.VerifiedNow();
        return work;
    }

    /// <summary>
    /// A read that does not verify the log first (Get-PimAuditLog, Test-PimAuditLog, Export-PimAuditLog): the log is read as
    /// it is, to show and check it — including a log that no longer verifies. Nothing read this way is believed.
    /// </summary>
    internal T ReadLog<T>(Func<UnitOfWork, T> read) => Run(_provider, _identity.Mode, () =>
    {
        using var connection = _provider.OpenConnection();
        return read(NewWork(connection, null, UtcNow, verify: false));
    });

    /// <summary>Runs a read in its own unit of work (no transaction).</summary>
    internal T Read<T>(Func<UnitOfWork, T> read) => Run(_provider, _identity.Mode, () =>
    {
        using var connection = _provider.OpenConnection();
        return read(NewWork(connection, null, UtcNow));
    });

    /// <summary>Runs a change in one write transaction; a refusal (exception) rolls everything back.</summary>
    internal T Write<T>(Func<UnitOfWork, T> change) => Run(_provider, _identity.Mode, () =>
    {
        using var connection = _provider.OpenConnection();
        var (transaction, now) = _provider.BeginWrite(connection, Clock);
        using var tx = transaction;
        var work = NewWork(connection, tx, now);
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
        catch (Policy.RecordedRefusal recorded)
        {
            // A self-service write over its limit: the one RateLimited record of the window is committed, then refused.
            work.Commit();
            throw recorded.Refusal;
        }
        work.Commit();
        return result;
    });

    /// <summary>Streams a query's rows on one connection held while the caller enumerates.</summary>
    internal IEnumerable<T> Stream<T>(Func<UnitOfWork, IEnumerable<T>> query)
    {
        using var connection = Run(_provider, _provider.OpenConnection);
        var work = NewWork(connection, null, UtcNow);
        using var items = Told(() => query(work).GetEnumerator());
        while (Told(items.MoveNext)) yield return items.Current;
    }

    /// <summary>
    /// A step of a stream the caller enumerates (no retry: a reader is not read twice), with a stored value that does not
    /// read told as <see cref="Run{T}(IStoreProvider, PimIdentityMode, Func{T})"/> tells it.
    /// </summary>
    private T Told<T>(Func<T> step)
    {
        try
        {
            return step();
        }
        catch (PimStoreException e) when (_identity.Mode == PimIdentityMode.Verified && StoredValue.IsInvalid(e) && e.ErrorId == PimErrors.IdOf(nameof(PimErrors.StoreCorrupt)))
        {
            throw StoredValue.Tampered(e);
        }
        catch (System.Data.DataException e) when (StoredValue.FromReader(e) is { } unread)
        {
            throw _identity.Mode == PimIdentityMode.Verified ? StoredValue.Tampered(unread) : unread;
        }
        catch (InvalidOperationException e) when (StoredValue.FromMaterialization(e) is { } unread)
        {
            throw _identity.Mode == PimIdentityMode.Verified ? StoredValue.Tampered(unread) : unread;
        }
    }

    internal System.Data.Common.DbConnection OpenConnectionWithRetry() => Run(_provider, _provider.OpenConnection);

    /// <summary>Begins a write transaction on a held connection (bulk paths), retrying while the store is busy.</summary>
    internal (System.Data.Common.DbTransaction, UnitOfWork) BeginWithRetry(System.Data.Common.DbConnection connection, CommandCache? cache = null)
        => Run(_provider, () =>
        {
            var (tx, now) = _provider.BeginWrite(connection, Clock);
            return (tx, NewWork(connection, tx, now, cache));
        });

    internal PimException? TranslateError(Exception e) => _provider.Translate(e);

    internal static T Run<T>(IStoreProvider provider, Func<T> action) => Run(provider, PimIdentityMode.Lab, action);

    /// <summary>
    /// Runs <paramref name="action"/>, retrying while the store is busy. A stored value that does not read
    /// (<see cref="StoredValue"/>) is PimStoreCorrupt in a Lab store and PimStoreTampered in a Verified one: never a raw
    /// .NET exception (Dapper's own conversions included).
    /// </summary>
    internal static T Run<T>(IStoreProvider provider, PimIdentityMode mode, Func<T> action)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return action();
            }
            catch (PimStoreException e) when (mode == PimIdentityMode.Verified && StoredValue.IsInvalid(e) && e.ErrorId == PimErrors.IdOf(nameof(PimErrors.StoreCorrupt)))
            {
                throw StoredValue.Tampered(e);
            }
            catch (PimException)
            {
                throw;
            }
            catch (System.Data.DataException e) when (StoredValue.FromReader(e) is { } unread)
            {
                throw mode == PimIdentityMode.Verified ? StoredValue.Tampered(unread) : unread;
            }
            catch (InvalidOperationException e) when (StoredValue.FromMaterialization(e) is { } unread)
            {
                throw mode == PimIdentityMode.Verified ? StoredValue.Tampered(unread) : unread;
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
