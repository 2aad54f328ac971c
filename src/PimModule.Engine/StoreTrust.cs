using PimModule.Identity.Keys;
using PimModule.Identity;
using PimModule.Storage;
using PimModule.Audit.Events;
using PimModule.Audit;
using PimModule.Errors;
using PimModule.Validation;

namespace PimModule;

/// <summary>Changes of a store's trust: a restore confirmed, a Lab store protected (made Verified).</summary>
internal static class StoreTrust
{
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
        var store = StoreOpening.Open(new PimStoreOptions
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
            var (sequence, hash) = store.Session.Identity.Point!.Current;
            var done = store.Session.Change(work =>
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
            var known = StoreOpening.KnownStoresOf(options);
            known.Forget(store.Location);
            var (at, atHash) = store.Session.Identity.Point!.Current;
            store.Session.Read(work =>
            {
                var restores = AuditLogTable.Query(work, null, null, null, null, [Seals.RestoreAction], null).Select(x => x.Sequence).ToList();
                known.CheckAndAdvance(store.Location, store.StoreId, store.Session.RootThumbprint!, at, atHash, seq => AuditLogTable.BySequence(work, seq)?.Hash, null, restores);
                return 0;
            });
            store.Session.Identity.Point.Saved();
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
        using (var lab = StoreOpening.Open(new PimStoreOptions
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
                var done = lab.Session.Change(work =>
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
                    key ??= StoreOpening.CreatorKey(options, lab.Principal);
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
        return StoreOpening.Open(options.WithIdentity(PimIdentityMode.Verified, null, null, null, null));
    }

    /// <summary>Writes what <paramref name="session"/> verified and wrote into the user's known-stores file (SaveTrust).</summary>
    public static void Save(StoreSession session, PimStoreOptions options)
    {
        if (session.Identity.Point is not { Moved: true } point || session.RootThumbprint is not { } root) return;
        var (sequence, hash) = point.Current;
        session.Read(work =>
        {
            StoreOpening.KnownStoresOf(options).Advance(session.Location, session.StoreId, root, sequence, hash, seq => AuditLogTable.BySequence(work, seq)?.Hash);
            return 0;
        });
        point.Saved();
    }
}
