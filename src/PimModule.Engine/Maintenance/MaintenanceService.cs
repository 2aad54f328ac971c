using PimModule.Storage;

namespace PimModule.Maintenance;

/// <summary>
/// What a scheduler runs: expires stale pending requests, queues expiring-soon and expired notices (each once),
/// and prunes history past its retention (requests, expired assignments and delivered notifications after
/// 30 days). Each step is its own transaction and idempotent, so runs at any interval — or two at once — are safe.
/// The audit log is never pruned; a pruning run is itself audited. It needs an administrator (it deletes history),
/// checked inside each step's transaction.
/// </summary>
public sealed class MaintenanceService
{
    public static readonly TimeSpan Retention = TimeSpan.FromDays(30);
    private readonly PimStore _store;
    internal MaintenanceService(PimStore store) => _store = store;

    private const string What = "run maintenance (it expires requests and prunes history)";

    public PimMaintenanceResult Run(Action<string, int>? progress = null)
    {
        progress?.Invoke("Expiring undecided requests", 0);
        var expired = _store.Write(work =>
        {
            Authorization.RequireRoleAdministrator(work, What);
            var stale = work.Query(RequestService.Select + " WHERE q.status = 'PendingApproval' AND q.created_utc <= @cut",
                RequestService.MapRow, ("@cut", work.Now - Limits.PendingRequestLifetime));
            foreach (var q in stale)
            {
                work.Execute("UPDATE requests SET status = 'Expired', decided_utc = @t WHERE request_id = @id AND status = 'PendingApproval'",
                    ("@t", q.Created + Limits.PendingRequestLifetime), ("@id", q.Id));
                AuditLog.Append(work, "ExpireRequest", "Request", q.Id.ToString("D"), q.RoleId, q.Principal,
                    new { Status = nameof(PimRequestStatus.PendingApproval) }, new { Status = nameof(PimRequestStatus.Expired) });
            }
            return stale.Count;
        });

        progress?.Invoke("Queuing expiry notices", 33);
        var notices = _store.Write(work =>
        {
            Authorization.RequireRoleAdministrator(work, What);
            var before = work.ScalarLong("SELECT COUNT(*) FROM notifications");
            var soon = work.Query(AssignmentService.Select + " WHERE a.member_type = 'Direct' AND a.end_utc IS NOT NULL " +
                                  "AND a.end_utc > @from AND a.end_utc <= @to",
                AssignmentService.MapRow, ("@from", work.Now - Retention), ("@to", work.Now + TimeSpan.FromDays(14)));
            var roles = new Dictionary<Guid, PimRole>();
            foreach (var a in soon)
            {
                if (!roles.TryGetValue(a.RoleId, out var role)) roles[a.RoleId] = role = RoleService.Resolve(work, new PimRoleReference(a.RoleId));
                var left = a.End!.Value - work.Now;
                var notice = left <= TimeSpan.Zero ? "Expired" : left <= TimeSpan.FromDays(1) ? "Expiring1d" : "Expiring14d";
                Events.Expiry(work, a, role, notice);
            }
            Outbox.Flush(work);
            return (int)(work.ScalarLong("SELECT COUNT(*) FROM notifications") - before);
        });

        progress?.Invoke("Pruning history past retention", 66);
        var (requests, assignments, notifications) = _store.Write(work =>
        {
            Authorization.RequireRoleAdministrator(work, What);
            var cut = work.Now - Retention;
            var r = work.Execute("DELETE FROM requests WHERE status <> 'PendingApproval' AND created_utc < @cut " +
                                 "AND (decided_utc IS NULL OR decided_utc < @cut)", ("@cut", cut));
            var a = work.Execute("DELETE FROM assignments WHERE end_utc IS NOT NULL AND end_utc < @cut", ("@cut", cut));
            var n = work.Execute("DELETE FROM notifications WHERE status <> 'Pending' AND created_utc < @cut", ("@cut", cut));
            if (r + a + n > 0)
                AuditLog.Append(work, "PruneHistory", "Store", null, null, null, null,
                    new { Before = cut, Requests = r, Assignments = a, Notifications = n });
            return (r, a, n);
        });
        progress?.Invoke("Done", 100);
        return new PimMaintenanceResult
        {
            AsOf = _store.UtcNow, RequestsExpired = expired, NoticesQueued = notices, RequestsPruned = requests,
            AssignmentsPruned = assignments, NotificationsPruned = notifications,
        };
    }
}
