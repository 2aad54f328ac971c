using PimModule.Requests;
using PimModule.Identity;

namespace PimModule.Storage;

/// <summary>
/// The requests table: its SQL, its row (<see cref="RequestRow"/>, which Dapper fills through its constructor) and its
/// named predicates. No other file writes SQL against requests. Statements name the table <c>q</c>; the predicates
/// bind <c>@now</c>, the time the question is asked for.
/// </summary>
internal static partial class RequestsTable
{
    /// <summary>The columns in the order of RequestRow's constructor, named as its parameters.</summary>
    private const string Columns =
        "q.request_id AS id, q.action, q.status, q.principal, q.role_id, q.scope, q.assignment_type, q.duration_ticks AS duration, " +
        "q.start_utc AS start, q.end_utc AS \"end\", q.justification, q.ticket_number, q.ticket_system, q.created_by, " +
        "q.created_utc AS created, q.approved_by, q.decision_justification, q.decided_utc AS decided, q.assignment_id, " +
        "q.target_assignment_id, q.authentication_context, q.mfa_verified, q.stage, q.stage_started_utc AS stage_started";

    /// <summary>The row with its decisions (one text, see <see cref="RequestApprovalsTable.Aggregate"/>): no second query per request.</summary>
    private static string Select(UnitOfWork work) => "SELECT " + Columns + ", " + RequestApprovalsTable.Aggregate(work) + " AS decisions FROM requests q";

    /// <summary>
    /// A row as Dapper reads it: the enum columns as the text they hold, read strictly into <see cref="RequestRow"/>
    /// (<see cref="StoredValue"/>: Dapper's own enum reading folds case and takes numbers).
    /// </summary>
    private sealed record StoredRequest(
        Guid Id, string Action, string Status, string Principal, Guid RoleId, string Scope,
        string AssignmentType, TimeSpan? Duration, DateTime? Start, DateTime? End,
        string? Justification, string? TicketNumber, string? TicketSystem, string CreatedBy, DateTime Created,
        string? ApprovedBy, string? DecisionJustification, DateTime? Decided,
        Guid? AssignmentId, Guid? TargetAssignmentId, string? AuthenticationContext, bool MfaVerified,
        long Stage, DateTime? StageStarted, SqlTypes.AggregateText? Decisions)
    {
        public RequestRow ToRow() => new(Id, StoredValue.Enum<PimRequestAction>(Action, "requests", "action", Id),
            StoredValue.Enum<PimRequestStatus>(Status, "requests", "status", Id), Principal, RoleId, Scope,
            StoredValue.Enum<PimAssignmentType>(AssignmentType, "requests", "assignment_type", Id), Duration, Start, End,
            Justification, TicketNumber, TicketSystem, CreatedBy, Created, ApprovedBy, DecisionJustification, Decided,
            AssignmentId, TargetAssignmentId, AuthenticationContext, MfaVerified, Stage, StageStarted, Decisions);
    }

    private static List<RequestRow> Rows(UnitOfWork work, string sql, object? param = null) => work.Query<StoredRequest>(sql, param).ConvertAll(r => r.ToRow());

    private static RequestRow? FirstRow(UnitOfWork work, string sql, object? param = null) => work.QueryFirstOrDefault<StoredRequest>(sql, param)?.ToRow();

    private static IEnumerable<RequestRow> StreamRows(UnitOfWork work, string sql, object? param = null) => work.Stream<StoredRequest>(sql, param).Select(r => r.ToRow());

    // ---- named predicates -------------------------------------------------------------------------------

    /// <summary>Pending at @now (<see cref="Kernel.RequestLifetime"/>, as SQL).</summary>
    public static readonly string PendingAtNow = Kernel.RequestLifetime.PendingSql;

    /// <summary>
    /// Expired undecided at @now: still stored as PendingApproval, but past its lifetime (<see cref="Kernel.RequestLifetime"/>).
    /// It reads as Expired (<see cref="StatusAt"/>) until Invoke-PimMaintenance marks it so (<see cref="Expire"/>).
    /// </summary>
    public static readonly string ExpiredUndecidedAtNow = Kernel.RequestLifetime.ExpiredUndecidedSql;

    /// <summary>Whether a request row is pending at <paramref name="now"/> (<see cref="Kernel.RequestLifetime"/>).</summary>
    public static bool IsPendingAt(RequestRow q, DateTime now) => Kernel.RequestLifetime.IsPending(q.Status, q.StageStart, now);

    /// <summary>The status a request has at <paramref name="now"/>: a pending one nobody decided in time reads as Expired.</summary>
    public static PimRequestStatus StatusAt(RequestRow q, DateTime now)
        => q.Status == PimRequestStatus.PendingApproval && !IsPendingAt(q, now) ? PimRequestStatus.Expired : q.Status;

    /// <summary>When a request expires if nobody decides it (for messages; the rule is <see cref="PendingAtNow"/>).</summary>
    public static DateTime ExpiresAt(RequestRow q) => Kernel.RequestLifetime.ExpiresAt(q.StageStart);

    // ---- reads -------------------------------------------------------------------------------------------

    /// <summary>
    /// Whether a request row counts: in a Verified store a self-service request (activation, extension, renewal: what
    /// approvers decide) only as the verified log has it; administrators' requests are their assignments' history.
    /// </summary>
    public static bool Counts(UnitOfWork work, RequestRow q)
        => work.Verified is null
           || (q.Action is not (PimRequestAction.SelfActivate or PimRequestAction.SelfExtend or PimRequestAction.SelfRenew)
               ? q.Status != PimRequestStatus.PendingApproval // an administrator's change is never pending: a pending one was written around the module
               : work.Believes(q));

    private static List<RequestRow> Counted(UnitOfWork work, List<RequestRow> rows) => work.Verified is null ? rows : rows.FindAll(q => Counts(work, q));

    /// <summary>Every self-service request as stored (Test-PimAuditLog compares them with the verified log).</summary>
    public static List<RequestRow> SelfService(UnitOfWork work)
        => Rows(work, Select(work) + " WHERE q.action IN ('SelfActivate', 'SelfExtend', 'SelfRenew') ORDER BY q.created_utc, q.request_id");

    public static RequestRow? Find(UnitOfWork work, Guid id)
        => FirstRow(work, Select(work) + " WHERE q.request_id = @id", new { id }) is { } q && Counts(work, q) ? q : null;

    /// <summary>The activation requests (SelfActivate) of one principal for one role, at any scope, pending at <paramref name="now"/>.</summary>
    public static List<RequestRow> PendingActivationsAt(UnitOfWork work, string principal, Guid roleId, DateTime now)
        => Counted(work, Rows(work, Select(work) + " WHERE q.principal_key = @key AND q.role_id = @roleId AND q.action = 'SelfActivate' AND " +
                                  PendingAtNow + " ORDER BY q.created_utc, q.request_id",
            new { key = Principal.Fold(principal), roleId, now })).FindAll(q => Principal.Same(q.Principal, principal));

    /// <summary>Every request of one role (any principal, any action) pending at <paramref name="now"/>: the approvers' queue.</summary>
    public static List<RequestRow> PendingForRoleAt(UnitOfWork work, Guid roleId, DateTime now)
        => Counted(work, Rows(work, Select(work) + " WHERE q.role_id = @roleId AND " + PendingAtNow + " ORDER BY q.created_utc, q.request_id",
            new { roleId, now }));

    /// <summary>How many requests are pending at <paramref name="now"/> (Get-PimStore).</summary>
    public static long CountPendingAt(UnitOfWork work, DateTime now)
        => work.Scalar<long>("SELECT COUNT(*) FROM requests q WHERE " + PendingAtNow, new { now });

    /// <summary>How many extension or renewal requests (SelfExtend, SelfRenew) of one assignment are pending at <paramref name="now"/>.</summary>
    public static long CountPendingExtensionsAt(UnitOfWork work, Guid assignmentId, DateTime now) => work.Verified is not null
        ? Counted(work, Rows(work, Select(work) + " WHERE q.target_assignment_id = @assignmentId AND q.action IN ('SelfExtend', 'SelfRenew') AND " +
                                               PendingAtNow, new { assignmentId, now })).Count
        : work.Scalar<long>("SELECT COUNT(*) FROM requests q WHERE q.target_assignment_id = @assignmentId " +
                             "AND q.action IN ('SelfExtend', 'SelfRenew') AND " + PendingAtNow, new { assignmentId, now });

    /// <summary>The requests that expired undecided at <paramref name="now"/> and are not marked Expired yet (Invoke-PimMaintenance).</summary>
    public static List<RequestRow> ExpiredUndecidedAt(UnitOfWork work, DateTime now)
        => Counted(work, Rows(work, Select(work) + " WHERE " + ExpiredUndecidedAtNow + " ORDER BY q.created_utc, q.request_id", new { now }));

    /// <summary>The principals that made or were given requests (for completion), at most <paramref name="limit"/>.</summary>
    public static List<string> Principals(UnitOfWork work, int limit)
        => work.Query<string>("SELECT DISTINCT q.principal FROM requests q ORDER BY 1 LIMIT @limit", new { limit });

    /// <summary>
    /// Get-PimRequest's rows in the order they were made, streamed while the caller enumerates. Every filter is optional;
    /// statuses are read as of <paramref name="now"/> (a PendingApproval row older than 24 hours is Expired).
    /// </summary>
    public static IEnumerable<RequestRow> List(UnitOfWork work, DateTime now, Guid? id = null, string? principal = null,
        IReadOnlyCollection<Guid>? roleIds = null, IReadOnlyCollection<PimRequestAction>? actions = null,
        IReadOnlyCollection<PimRequestStatus>? statuses = null)
    {
        var where = new List<string>();
        if (id is not null) where.Add("q.request_id = @id");
        if (principal is not null) where.Add("q.principal_key = @key");
        if (roleIds is { Count: > 0 }) where.Add(work.AnyOf("q.role_id", "roleIds"));
        if (actions is { Count: > 0 }) where.Add(work.AnyOf("q.action", "actions"));
        var stored = new List<string>();
        if (statuses is { Count: > 0 })
        {
            var parts = new List<string>();
            foreach (var s in statuses.Distinct())
            {
                if (s == PimRequestStatus.PendingApproval) parts.Add(PendingAtNow);
                else
                {
                    stored.Add(s.ToString());
                    if (s == PimRequestStatus.Expired) parts.Add(ExpiredUndecidedAtNow);
                }
            }
            if (stored.Count > 0) parts.Add(work.AnyOf("q.status", "stored"));
            where.Add("(" + string.Join(" OR ", parts) + ")");
        }
        var sql = Select(work) + (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "") + " ORDER BY q.created_utc, q.request_id";
        work.VerifiedNow(); // before the stream holds the connection
        return StreamRows(work, sql, new
        {
            now, id, key = principal is null ? null : Principal.Fold(principal),
            roleIds = roleIds is null ? null : work.TextList(roleIds.Select(r => r.ToString("D"))),
            actions = actions is null ? null : work.TextList(actions.Select(a => a.ToString())),
            stored = work.TextList(stored),
        }).Where(q => Counts(work, q) && (principal is null || Principal.Same(q.Principal, principal)));
    }

    // ---- writes ------------------------------------------------------------------------------------------

    /// <summary>Writes a new request (the bulk writer writes its batches' requests with <see cref="InsertMany"/>).</summary>
    public static void Insert(UnitOfWork work, RequestRow q) => work.Wrote(q.Id, () => work.Execute(
        "INSERT INTO requests (request_id, action, status, principal, principal_key, role_id, scope, assignment_type, duration_ticks, start_utc, " +
        "end_utc, justification, ticket_number, ticket_system, created_by, created_utc, approved_by, decision_justification, decided_utc, " +
        "assignment_id, target_assignment_id, authentication_context, mfa_verified, stage, stage_started_utc) VALUES (@Id, @Action, @Status, @Principal, @PrincipalKey, " +
        "@RoleId, @Scope, @AssignmentType, @DurationTicks, @Start, @End, @Justification, @TicketNumber, @TicketSystem, @CreatedBy, @Created, " +
        "@ApprovedBy, @DecisionJustification, @Decided, @AssignmentId, @TargetAssignmentId, @AuthenticationContext, @MfaVerified, @Stage, @StageStart)",
        new
        {
            q.Id, Action = q.Action.ToString(), Status = q.Status.ToString(), q.Principal, PrincipalKey = Principal.Fold(q.Principal), q.RoleId, q.Scope,
            AssignmentType = q.AssignmentType.ToString(), DurationTicks = q.Duration?.Ticks, q.Start, q.End, q.Justification, q.TicketNumber,
            q.TicketSystem, q.CreatedBy, q.Created, q.ApprovedBy, q.DecisionJustification, q.Decided, q.AssignmentId, q.TargetAssignmentId,
            q.AuthenticationContext, q.MfaVerified, q.Stage, q.StageStart,
        }));

    /// <summary>
    /// Ends a request that is pending at <paramref name="now"/>, in one statement: approved (Provisioned) or Denied by
    /// <paramref name="decidedBy"/>, or Canceled (no decider). An activation's assignment and its final window are recorded
    /// with the decision. False when the request was not pending any more: someone decided first, or it expired.
    /// </summary>
    public static bool Close(UnitOfWork work, Guid id, PimRequestStatus status, string? decidedBy, string? justification, DateTime now,
        Guid? assignmentId = null, DateTime? start = null, DateTime? end = null)
        => work.Wrote(id, () => work.Execute(
            "UPDATE requests AS q SET status = @status, approved_by = @decidedBy, decision_justification = @justification, decided_utc = @now, " +
            "assignment_id = COALESCE(@assignmentId, q.assignment_id), start_utc = COALESCE(@start, q.start_utc), end_utc = COALESCE(@end, q.end_utc) " +
            "WHERE q.request_id = @id AND " + PendingAtNow,
            new { id, status = status.ToString(), decidedBy, justification, now, assignmentId, start, end })) > 0;

    /// <summary>
    /// Takes a request pending at <paramref name="now"/> in <paramref name="stage"/> for a decision (its row is locked
    /// until the transaction ends, so deciders of one request queue up); false when it is not pending in that stage any more.
    /// </summary>
    public static bool TakeForDecision(UnitOfWork work, Guid id, long stage, DateTime now)
        => work.Execute("UPDATE requests AS q SET stage = q.stage WHERE q.request_id = @id AND q.stage = @stage AND " + PendingAtNow,
            new { id, stage, now }) > 0;

    /// <summary>Moves a request whose stage has its quorum to the next stage, whose 24 hours start now.</summary>
    public static bool Advance(UnitOfWork work, Guid id, long stage, DateTime now)
        => work.Wrote(id, () => work.Execute("UPDATE requests AS q SET stage = @next, stage_started_utc = @now WHERE q.request_id = @id AND q.stage = @stage AND " + PendingAtNow,
            new { id, stage, next = stage + 1, now })) > 0;

    /// <summary>Marks a request that expired undecided as Expired, at the time it expired; false when it was decided meanwhile.</summary>
    public static bool Expire(UnitOfWork work, RequestRow q)
        => work.Wrote(q.Id, () => work.Execute("UPDATE requests AS q SET status = 'Expired', decided_utc = @at WHERE q.request_id = @id AND q.status = 'PendingApproval'",
            new { id = q.Id, at = ExpiresAt(q) })) > 0;

    /// <summary>Deletes the requests made and decided before <paramref name="cut"/> (pending ones stay); returns how many.</summary>
    public static int PruneDecidedBefore(UnitOfWork work, DateTime cut)
        => work.Execute("DELETE FROM requests WHERE status <> 'PendingApproval' AND created_utc < @cut AND (decided_utc IS NULL OR decided_utc < @cut)",
            new { cut }); // their decisions go with them (request_approvals: ON DELETE CASCADE)

    // ---- the bulk writer's batches --------------------------------------------------------------------

    private static readonly string[] BulkColumns =
    [
        "request_id", "action", "status", "principal", "principal_key", "role_id", "scope", "assignment_type", "duration_ticks",
        "start_utc", "end_utc", "justification", "ticket_number", "ticket_system", "created_by", "created_utc", "approved_by",
        "decision_justification", "decided_utc", "assignment_id", "target_assignment_id", "authentication_context", "mfa_verified",
        "stage", "stage_started_utc",
    ];

    /// <summary>
    /// Writes the requests of a batch of new assignments (one AdminAssign each) together: binary COPY on PostgreSQL, a
    /// prepared INSERT on SQLite. The same columns and values as <see cref="RequestRow.Add"/> writes one at a time.
    /// </summary>
    public static void InsertMany(UnitOfWork work, IReadOnlyList<RequestRow> rows)
    {
        if (rows.Count == 0) return;
        using var bulk = work.Bulk("requests", BulkColumns);
        foreach (var q in rows)
        {
            bulk.Row();
            bulk.Id(q.Id);
            bulk.Text(q.Action.ToString());
            bulk.Text(q.Status.ToString());
            bulk.Text(q.Principal);
            bulk.Text(Principal.Fold(q.Principal));
            bulk.Id(q.RoleId);
            bulk.Text(q.Scope);
            bulk.Text(q.AssignmentType.ToString());
            bulk.Long(q.Duration?.Ticks);
            bulk.Time(q.Start);
            bulk.Time(q.End);
            bulk.Text(q.Justification);
            bulk.Text(q.TicketNumber);
            bulk.Text(q.TicketSystem);
            bulk.Text(q.CreatedBy);
            bulk.Time(q.Created);
            bulk.Text(q.ApprovedBy);
            bulk.Text(q.DecisionJustification);
            bulk.Time(q.Decided);
            bulk.Id(q.AssignmentId);
            bulk.Id(q.TargetAssignmentId);
            bulk.Text(q.AuthenticationContext);
            bulk.Flag(q.MfaVerified);
            bulk.Long(q.Stage);
            bulk.Time(q.StageStart);
        }
        bulk.Complete();
    }

    // ---- Export-PimReport: aggregates, computed by the database ------------------------------------------------

    /// <summary>The statuses of an activation that was provisioned (and may have ended since).</summary>
    private static readonly string[] ProvisionedStatuses = [nameof(PimRequestStatus.Provisioned), nameof(PimRequestStatus.Revoked)];

    private static readonly string[] AllStatuses = Enum.GetNames<PimRequestStatus>();

    /// <summary>
    /// The provisioned activation requests made in [@from, @to), by role and UTC day (ticks / ticks per day). Read through
    /// ix_requests_status (status, created_utc): one range per status.
    /// </summary>
    public static List<Reports.DailyCount> ActivationsPerDay(UnitOfWork work, DateTime from, DateTime to)
        => work.Query<Reports.DailyCount>(
            "SELECT q.role_id AS role, q.created_utc / " + Reports.DailyCount.TicksPerDay + " AS day, COUNT(*) AS count FROM requests q " +
            "WHERE " + work.AnyOf("q.status", "statuses") + " AND q.created_utc >= @from AND q.created_utc < @to AND q.action = 'SelfActivate' " +
            "GROUP BY q.role_id, q.created_utc / " + Reports.DailyCount.TicksPerDay,
            new { statuses = work.TextList(ProvisionedStatuses), from, to });

    /// <summary>
    /// Time from request to approval of the activations approved by someone and made in [@from, @to), per role: how many,
    /// the median and the 90th percentile (nearest rank: the ⌈p·n⌉-th wait in order), in ticks — window functions, the
    /// same SQL on SQLite and PostgreSQL.
    /// </summary>
    public static List<Reports.ApprovalWait> ApprovalWaits(UnitOfWork work, DateTime from, DateTime to)
        => work.Query<Reports.ApprovalWait>(
            "WITH w AS (SELECT q.role_id, q.decided_utc - q.created_utc AS wait FROM requests q " +
            "  WHERE " + work.AnyOf("q.status", "statuses") + " AND q.created_utc >= @from AND q.created_utc < @to AND q.action = 'SelfActivate' " +
            "  AND q.approved_by IS NOT NULL AND q.decided_utc IS NOT NULL), " +
            "r AS (SELECT role_id, wait, ROW_NUMBER() OVER (PARTITION BY role_id ORDER BY wait) AS k, COUNT(*) OVER (PARTITION BY role_id) AS n FROM w) " +
            "SELECT role_id AS role, MAX(n) AS count, MAX(CASE WHEN k = (n + 1) / 2 THEN wait END) AS median, " +
            "MAX(CASE WHEN k = (9 * n + 9) / 10 THEN wait END) AS p90 FROM r GROUP BY role_id",
            new { statuses = work.TextList(ProvisionedStatuses), from, to });

    /// <summary>The principals who made the most activation requests in [@from, @to) (any outcome), at most <paramref name="max"/>.</summary>
    public static List<Reports.RequesterCount> TopRequesters(UnitOfWork work, DateTime from, DateTime to, int max)
        => work.Query<Reports.RequesterCount>(
            "SELECT MIN(q.principal) AS principal, COUNT(*) AS count FROM requests q " +
            "WHERE " + work.AnyOf("q.status", "statuses") + " AND q.created_utc >= @from AND q.created_utc < @to AND q.action = 'SelfActivate' " +
            "GROUP BY q.principal_key ORDER BY COUNT(*) DESC, MIN(q.principal_key) LIMIT @max",
            new { statuses = work.TextList(AllStatuses), from, to, max = (long)max });

    /// <summary>The latest activation requests made in [@from, @to), newest first, at most <paramref name="max"/> (that count).</summary>
    public static List<RequestRow> LatestActivations(UnitOfWork work, DateTime from, DateTime to, int max)
        => Counted(work, Rows(work, Select(work) + " WHERE " + work.AnyOf("q.status", "statuses") +
                                                " AND q.created_utc >= @from AND q.created_utc < @to AND q.action = 'SelfActivate' " +
                                                "ORDER BY q.created_utc DESC, q.request_id LIMIT @max",
            new { statuses = work.TextList(AllStatuses), from, to, max = (long)max }));
}
