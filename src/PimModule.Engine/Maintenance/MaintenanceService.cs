using PimModule.Storage;
using PimModule.Audit.Events;
using PimModule.Audit;
using PimModule.Identity;
using PimModule.Notifications;
using PimModule.Reviews;

namespace PimModule.Maintenance;

/// <summary>
/// What a scheduler runs: expires stale pending requests, queues expiring-soon and expired notices and escalation notices (each once), queues
/// the weekly digest to administrators (once per ISO week), completes and applies the -AutoApply access reviews that
/// ended, starts the next occurrence of recurring access reviews (once), and prunes history past its retention (requests, expired assignments and delivered notifications after
/// 30 days). Each step is its own transaction and idempotent, so runs at any interval — or two at once — are safe.
/// The audit log is never pruned; a pruning run is itself audited. It needs an administrator (it deletes history),
/// checked inside each step's transaction.
/// </summary>
public sealed class MaintenanceService
{
    private readonly StoreSession _store;
    internal MaintenanceService(StoreSession store) => _store = store;

    private const string What = "run maintenance (it expires requests and prunes history)";

    /// <summary>
    /// Who may expire what is due and queue expiry notices: in a Verified store any registered principal (a scheduler needs
    /// no administrator key: the verifier checks that each was due), in a Lab store an administrator.
    /// </summary>
    private static void RequireMaintainer(UnitOfWork work)
    {
        if (work.Verified is null) Authorization.RequireRoleAdministrator(work, What);
    }

    public PimMaintenanceResult Run(Action<string, int>? progress = null)
    {
        progress?.Invoke("Expiring undecided requests", 0);
        var expired = _store.Write(work =>
        {
            RequireMaintainer(work);
            var stale = RequestsTable.ExpiredUndecidedAt(work, work.Now);
            foreach (var q in stale)
            {
                RequestsTable.Expire(work, q);
                AuditLog.Append(work, new RequestExpired(q.Id, q.RoleId, q.Principal, q.Stage));
            }
            return stale.Count;
        });

        progress?.Invoke("Queuing expiry notices", 33);
        var notices = _store.Write(work =>
        {
            RequireMaintainer(work);
            var before = NotificationsTable.Count(work);
            var soon = AssignmentsTable.DirectEndingBetween(work, Kernel.RetentionRules.Cut(work.Now), work.Now + TimeSpan.FromDays(14));
            var roles = new Dictionary<Guid, PimRole?>();
            foreach (var a in soon)
            {
                if (!roles.TryGetValue(a.RoleId, out var role)) roles[a.RoleId] = role = RolesTable.ById(work, a.RoleId);
                if (role is null) continue; // an ended assignment of a custom role removed since: no one to tell about it
                var left = a.End!.Value - work.Now;
                var notice = left <= TimeSpan.Zero ? "Expired" : left <= TimeSpan.FromDays(1) ? "Expiring1d" : "Expiring14d";
                Events.Expiry(work, a, role, notice);
            }
            // Stages that went their EscalationAfter without a quorum: their escalation approvers hear it, once per stage.
            foreach (var q in RequestsTable.List(work, work.Now, actions: [PimRequestAction.SelfActivate], statuses: [PimRequestStatus.PendingApproval]).ToList())
            {
                if (Requests.Approvals.EscalationOpensAt(work, q) is not { } opens || opens > work.Now) continue;
                if (!roles.TryGetValue(q.RoleId, out var role)) roles[q.RoleId] = role = RolesTable.ById(work, q.RoleId);
                if (role is not null) Events.Escalated(work, q, role);
            }
            Outbox.Flush(work);
            return (int)(NotificationsTable.Count(work) - before);
        });

        progress?.Invoke("Queuing the weekly digest", 50);
        var digests = _store.Write(work =>
        {
            // What administrators read as the week's account is theirs to queue: in a Verified store a scheduler without an
            // administrator's key skips it (anyone could otherwise queue the week's digest first, or early, and so stop it).
            if (work.Verified is not null && !Authorization.IsRoleAdministrator(work, work.Actor)) return 0;
            RequireMaintainer(work);
            var before = NotificationsTable.Count(work);
            Events.Digest(work);
            Outbox.Flush(work); // once per ISO week and administrator: the dedupe key skips what an earlier run queued
            return (int)(NotificationsTable.Count(work) - before);
        });

        progress?.Invoke("Completing access reviews that ended", 55);
        // Applying a review removes assignments, and starting one is an administrator's change: in a Verified store a
        // scheduler without an administrator's key skips both (the verified log would count its records for nothing).
        var reviewsCompleted = _store.Write(work =>
        {
            if (work.Verified is not null && !Authorization.IsRoleAdministrator(work, work.Actor)) return 0;
            Authorization.RequireRoleAdministrator(work, What);
            return AccessReviewService.CompleteDue(work);
        });

        progress?.Invoke("Starting recurring access reviews", 60);
        var reviewsStarted = _store.Write(work =>
        {
            if (work.Verified is not null && !Authorization.IsRoleAdministrator(work, work.Actor)) return 0;
            Authorization.RequireRoleAdministrator(work, What);
            return AccessReviewService.StartRecurrences(work);
        });

        progress?.Invoke("Pruning history past retention", 66);
        var (requests, assignments, notifications) = _store.Write(work =>
        {
            // Pruning deletes history: an administrator's change. A Verified store's scheduler without one skips it.
            if (work.Verified is not null && !Authorization.IsRoleAdministrator(work, work.Actor)) return (0, 0, 0);
            Authorization.RequireRoleAdministrator(work, What);
            var cut = Kernel.RetentionRules.Cut(work.Now);
            var r = RequestsTable.PruneDecidedBefore(work, cut);
            var a = AssignmentsTable.DeleteEndedBefore(work, cut);
            var n = NotificationsTable.Prune(work, cut);
            if (r + a + n > 0)
                AuditLog.Append(work, new HistoryPruned(new Pruning(cut, r, a, n)));
            return (r, a, n);
        });
        progress?.Invoke("Done", 100);
        return new PimMaintenanceResult
        {
            AsOf = _store.UtcNow, RequestsExpired = expired, NoticesQueued = notices, RequestsPruned = requests,
            AssignmentsPruned = assignments, NotificationsPruned = notifications, DigestsQueued = digests,
            AccessReviewsCompleted = reviewsCompleted, AccessReviewsStarted = reviewsStarted,
        };
    }
}
