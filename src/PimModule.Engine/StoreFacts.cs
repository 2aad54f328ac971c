using PimModule.Policy;
using PimModule.Identity;
using PimModule.Storage;

namespace PimModule;

/// <summary>What Get-PimStore reports and completion offers of a store, and a copy of the whole store.</summary>
internal static class StoreFacts
{
    private const int KnownLimit = 5000;

    public static PimStoreInfo Info(PimStore store) => store.Session.Read(work =>
    {
        var now = work.Now;
        string? Info(string key) => StoreInfoTable.Get(work, key);
        return new PimStoreInfo
        {
            Provider = store.Provider,
            Location = store.Location,
            SchemaVersion = Migrator.ReadVersion(store.Session.Provider, work),
            StoreId = store.StoreId,
            IdentityMode = store.IdentityMode,
            TrustAnchor = store.TrustAnchor,
            Principal = store.Principal,
            RoleCount = (int)RolesTable.Count(work),
            CustomRoleCount = (int)RolesTable.CustomCount(work),
            AssignmentCount = AssignmentsTable.CountNotEnded(work, now),
            EligibleAssignmentCount = AssignmentsTable.CountNotEnded(work, now, PimAssignmentType.Eligible),
            ActiveAssignmentCount = AssignmentsTable.CountNotEnded(work, now, PimAssignmentType.Active),
            PendingRequestCount = RequestsTable.CountPendingAt(work, now),
            FailedNotificationCount = NotificationsTable.CountFailed(work),
            AuditRecordCount = AuditLogTable.Count(work),
            RetriedConflicts = PimStore.RetriedConflicts,
            CreatedBy = Info(StoreInfoTable.CreatedBy) ?? "",
            CreatedDateTime = long.TryParse(Info(StoreInfoTable.CreatedUtc), out var t) ? StoredValue.Time(t, "store_info", "value", StoreInfoTable.CreatedUtc) : default,
            NewestSnapshot = store.IdentityMode == PimIdentityMode.Verified && Snapshots.SnapshotStart.Available(work) ? SnapshotsTable.Newest(work, long.MaxValue)?.Sequence : null,
            VerifiedFromSnapshot = store.Session.Verified?.StartedAt,
        };
    });

    /// <summary>The principals the store knows (for completion): holders of assignments and requesters.</summary>
    public static IReadOnlyList<string> KnownPrincipals(StoreSession session) => session.Read(work =>
        AssignmentsTable.KnownPrincipals(work, KnownLimit).Concat(RequestsTable.Principals(work, KnownLimit))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Take(KnownLimit).ToList());

    /// <summary>The scopes assignments use (for completion).</summary>
    public static IReadOnlyList<string> KnownScopes(StoreSession session) => session.Read(work => AssignmentsTable.KnownScopes(work, KnownLimit));

    /// <summary>Copies the whole store into a new one (another provider, or another file), audit chain intact.</summary>
    public static (int Tables, long Rows) Copy(PimStore store, PimStoreOptions destination, string? userFolder, Action<string, long>? progress)
    {
        // A copy is the whole store, readable by whoever holds it: only a principal who reads everything makes one, and
        // before anything is made at the destination (issue 28, review of finding 13).
        store.Session.Read(w => { Authorization.RequireReader(w, "copy the whole store"); return true; });
        using var target = PimStore.Open(new PimStoreOptions
        {
            Provider = destination.Provider, Path = destination.Path, ConnectionString = destination.ConnectionString,
            Principal = store.Principal, Clock = store.Clock, IdentityMode = PimIdentityMode.Lab, UserFolder = userFolder,
        });
        if (store.SchemaVersion != target.SchemaVersion)
            throw Errors.PimErrors.StoreSchemaMismatch($"The stores have different schema versions ({store.SchemaVersion} and {target.SchemaVersion}).",
                target.Location, "Open both with the same PimModule version.");
        // The source is read on one connection held while the destination is written in one transaction.
        return store.Session.Read(source => target.Session.Write(w => StoreCopier.Copy(source, w, target.Location, progress)));
    }

    /// <summary>
    /// When opening a store created it as a principal who is not a mail address (the operating-system user, say): that
    /// principal is the first administrator, and mail to administrators cannot reach them. Says what to do.
    /// </summary>
    public static string? CreationWarning(string principal, PimIdentityMode mode)
    {
        if (RolePolicy.IsMailAddress(principal)) return null;
        var key = mode == PimIdentityMode.Verified ? "New-PimCredential -Principal you@contoso.com | Register-PimCredential; " : "";
        return $"'{principal}' created this store and is its first administrator, but '{principal}' is not a mail address: notifications to " +
               "administrators cannot reach it (each is queued as Failed with the reason, and Get-PimAlert shows them as UndeliverableNotifications). " +
               "To have a first administrator with a mail address, create the store as that person: " +
               $"Connect-PimStore -Path <new file> -Principal you@contoso.com{(mode == PimIdentityMode.Lab ? " -IdentityMode Lab" : "")}. " +
               $"Or keep this store and make that person an administrator too: {key}" +
               "New-PimActiveAssignment -Principal you@contoso.com -Role 'Privileged Role Administrator' -Permanent -Justification 'administrator with a mail address'.";
    }
}
