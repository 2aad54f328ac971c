using System.Data.Common;
using PimModule.Audit.Events;
using PimModule.Requests;
using PimModule.Storage;
using PimModule.Audit;
using PimModule.Notifications;
using PimModule.Roles;

namespace PimModule.Assignments;

/// <summary>What a batch's overlap checks compare with: the store's assignments of the principals concerned, read once, and those decided since.</summary>
public sealed partial class AssignmentWriter
{
    /// <summary>
    /// The assignments of the writer's type that the overlap checks of one unit of work compare with: those the store
    /// holds for the principals concerned — read in one query when first asked, for every principal
    /// <c>principalKeys</c> names (a batch's rows), or for one principal not among them — and those decided since.
    /// </summary>
    private sealed class Holdings(UnitOfWork work, PimAssignmentType type, Func<IEnumerable<string>> principalKeys)
    {
        private Dictionary<string, List<AssignmentsTable.Held>>? _byPrincipal;

        private void Read(IEnumerable<string> keys)
        {
            var wanted = keys.Where(k => !_byPrincipal!.ContainsKey(k)).Distinct(StringComparer.Ordinal).ToList();
            foreach (var k in wanted) _byPrincipal![k] = [];
            if (wanted.Count == 0) return;
            foreach (var h in AssignmentsTable.HeldBy(work, wanted, type, work.Now)) _byPrincipal![h.PrincipalKey].Add(h);
        }

        private List<AssignmentsTable.Held> Of(string principalKey)
        {
            if (_byPrincipal is null)
            {
                _byPrincipal = new Dictionary<string, List<AssignmentsTable.Held>>(StringComparer.Ordinal);
                Read(principalKeys().Append(principalKey));
            }
            if (!_byPrincipal.TryGetValue(principalKey, out var held))
            {
                Read([principalKey]);
                held = _byPrincipal[principalKey];
            }
            return held;
        }

        /// <summary>An assignment of the role at the same scope (case-insensitive) whose time overlaps [start, end) and that has not ended.</summary>
        public AssignmentsTable.Held? Overlapping(string principalKey, Guid roleId, string scope, DateTime start, DateTime? end)
        {
            foreach (var a in Of(principalKey))
                if (a.RoleId == roleId && string.Equals(a.Scope, scope, StringComparison.OrdinalIgnoreCase)
                    && Schedules.Overlaps(a.Start, a.End, start, end) && (a.End is null || a.End > work.Now))
                    return a;
            return null;
        }

        public void Add(AssignmentRow a) => Of(a.PrincipalKey).Add(new AssignmentsTable.Held(a.Id, a.PrincipalKey, a.RoleId, a.Scope, a.Start, a.End));
    }

    /// <summary>
    /// The rows decided in one write transaction: what they write waits here and is written together (<see cref="Write"/>)
    /// just before the transaction commits — in one COPY per table on PostgreSQL — in the order the rows were decided.
    /// </summary>
    private sealed class Decided(UnitOfWork work, PimAssignmentType type, Func<IEnumerable<string>> principalKeys)
    {
        private readonly List<RequestRow> _requests = [];
        private readonly List<AssignmentRow> _assignments = [];

        public Holdings Holdings { get; } = new(work, type, principalKeys);

        /// <summary>Rows decided and not written yet.</summary>
        public int Count => _assignments.Count;

        /// <summary>Decides the row: its request, assignment, audit record and mails, in memory; returns what the caller is shown.</summary>
        public PimAssignment Add(AssignPlan p)
        {
            var input = p.Input;
            var requestId = Ids.New();
            var row = new AssignmentRow(Ids.New(), p.Principal, p.Role.Id, p.Scope, p.Type, PimMemberType.Direct, p.Start, p.End,
                Blank(input.Justification), Blank(input.TicketNumber), Blank(input.TicketSystem), work.Actor, work.Now, requestId, null);
            var request = new RequestRow(requestId, PimRequestAction.AdminAssign, PimRequestStatus.Provisioned, p.Principal, p.Role.Id, p.Scope, p.Type,
                p.End - p.Start, p.Start, p.End, row.Justification, row.TicketNumber, row.TicketSystem, work.Actor, work.Now,
                Decided: work.Now, AssignmentId: row.Id);
            Events.AssignmentCreated(work, row, p.Role); // queues the mails (written below, and the per-role summaries at commit)
            AuditLog.Append(work, new AdminAssigned(row)); // written with the others before commit (AuditChain)
            _requests.Add(request);
            _assignments.Add(row);
            Holdings.Add(row);
            return AssignmentService.ToOutput(row, p.Role.Name, work.Now);
        }

        /// <summary>Writes what the decided rows hold (requests, assignments, audit records, the assignees' mails).</summary>
        public void Write()
        {
            if (_assignments.Count == 0) return;
            RequestsTable.InsertMany(work, _requests);
            AssignmentsTable.InsertMany(work, _assignments);
            // The audit records and the mails are written by their commit participants (AuditChain, Outbox.Pending).
        }
    }

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    private static PimRole ResolveRole(UnitOfWork work, PimRoleReference reference, Dictionary<string, PimRole> roles)
    {
        // The role as the rows spell it first (a CSV repeats the same text), then by its canonical key.
        var given = reference.Id?.ToString("D") ?? reference.Name ?? "";
        if (roles.TryGetValue(given, out var role)) return role;
        var key = reference.Id?.ToString("D") ?? RoleName.Key(reference.Name);
        if (!roles.TryGetValue(key, out role)) roles[key] = role = RoleService.Resolve(work, reference);
        roles[given] = role;
        return role;
    }

    private static void Rollback(DbTransaction? tx)
    {
        try { tx?.Rollback(); } catch (Exception) { /* the connection may be gone; disposing rolls back too */ }
    }

    /// <summary>Drops the rows not yet written (the pipeline stopped; a batch in flight rolls back) and closes the connection.</summary>
    public void Dispose()
    {
        _stopping = true;
        try { _inFlight?.Wait(); }
        catch (AggregateException) { /* rolled back, or failed: nothing of it was committed */ }
        _inFlight = null;
        _buffer.Clear();
        _commands.Dispose();
        _connection?.Dispose();
        _connection = null;
    }
}
