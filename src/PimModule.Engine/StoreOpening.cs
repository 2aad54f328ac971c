using PimModule.Checkpoint;
using PimModule.Identity.Keys;
using PimModule.Identity;
using PimModule.Storage;
using PimModule.Storage.Postgres;
using PimModule.Storage.Sqlite;
using PimModule.Audit.Events;
using PimModule.Audit;
using PimModule.Errors;
using PimModule.Requests;
using PimModule.Roles;
using PimModule.Validation;
using PimModule.Verification;

namespace PimModule;

/// <summary>Opening a store: who acts, with which key, on which store (its identity established and pinned); a new store seeded; an older schema migrated.</summary>
internal static class StoreOpening
{
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
            var (version, created) = StoreSession.Run(provider, () => Migrator.Migrate(provider, principal, clock, work =>
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
            var store = new PimStore(new StoreSession(provider, principal, clock, identity), options, version, created);
            if (version < Migrator.LatestVersion(provider))
            {
                try { store.Session.MigrateSealed(version); return store; }
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
    internal static PimKey CreatorKey(PimStoreOptions options, string principal)
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

    internal static KnownStores KnownStoresOf(PimStoreOptions options)
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
        var result = StoreSession.Run(provider, () =>
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
            verified = VerifiedState.Open(options.UserFolder, evidence.StoreId, provider.Location, CheckpointSync.Instance, provider.BeginSnapshot);
            var check = verified.Sync(work, options.VerificationProgress);
            var verdict = check.IsValid ? verified.State : null;
            var head = check.IsValid && verified.Head.Sequence > 0 ? new AuditLogTable.HeadRow(verified.Head.Sequence, verified.Head.Hash) : null;
            if (!check.IsValid || verdict is null || head is null || verdict.RootThumbprint is null)
                throw PimErrors.StoreTampered(
                    $"The store '{provider.Location}' is a Verified store whose log does not verify: {check.Reason ?? "it holds no genesis record (it was emptied)."} Nothing was changed, and nothing in it is trusted." +
                    (verified.Notices.TryPeek(out var snapshotRefused) ? " (" + snapshotRefused.Message + ")" : ""),
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
            {
                // A pin in a range a root archived (verified: an ArchiveLog record of a root key) cannot be read any more: the
                // root's snapshot at the archive's end, which this user verified the log from, stands for it.
                var pin = known.Find(provider.Location);
                string? HashAt(long seq) => AuditLogTable.BySequence(work, seq)?.Hash
                    ?? (pin is not null && seq == pin.Sequence && seq <= verdict.ArchivedUntil ? pin.HeadHash : null);
                known.CheckAndAdvance(provider.Location, evidence.StoreId, verdict.RootThumbprint, head.Sequence, head.Hash,
                    HashAt, anchorPin, verdict.Restores, seq => LatestHash(provider, work, seq) ?? HashAt(seq));
            }
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

    internal static void UpgradeStore(UnitOfWork work, int from)
    {
        if (from < Migrator.BoundSecretsVersion) MultiFactor.Mfa.BindLegacySecrets(work);
    }
}
