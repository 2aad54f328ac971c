using PimModule.Identity;

namespace PimModule.Storage;

/// <summary>An assignment schedule as stored: who holds which role, where, of which type, from when until when.</summary>
internal sealed record AssignmentRow(
    Guid Id, string Principal, Guid RoleId, string Scope, PimAssignmentType Type, PimMemberType MemberType,
    DateTime Start, DateTime? End, string? Justification, string? TicketNumber, string? TicketSystem,
    string CreatedBy, DateTime Created, Guid? RequestId, Guid? EligibleId) : Kernel.IHeld
{
    /// <summary>The canonical key of <see cref="Principal"/> (the principal_key column).</summary>
    public string PrincipalKey => global::PimModule.Identity.Principal.Fold(Principal);

    public void Add(UnitOfWork work) => AssignmentsTable.Insert(work, this);
}

/// <summary>What the alerts need of an assignment: who holds which role, of which type, from when until when.</summary>
internal sealed record InForceRow(
    Guid Id, string Principal, string PrincipalKey, Guid RoleId, PimAssignmentType Type, PimMemberType MemberType, DateTime Start, DateTime? End)
{
    public static InForceRow Of(AssignmentRow a) => new(a.Id, a.Principal, a.PrincipalKey, a.RoleId, a.Type, a.MemberType, a.Start, a.End);
}

/// <summary>
/// The assignments table: its SQL, its row type (<see cref="AssignmentRow"/>) and its named predicates, one method per
/// question the services ask. No other file writes SQL against assignments. Times are UTC ticks, ids GUID text, types
/// text (see <see cref="SqlTypes"/>); principals are compared by their key (principal_key).
/// </summary>
internal static partial class AssignmentsTable
{
    /// <summary>The columns, in the order of <see cref="Stored"/>'s constructor (Dapper maps them by name, in order).</summary>
    public const string Columns =
        "assignment_id, principal, role_id, scope, type, member_type, start_utc, end_utc, justification, ticket_number, ticket_system, " +
        "created_by, created_utc, request_id, eligible_id";

    private const string SelectRows = "SELECT " + Columns + " FROM assignments";

    /// <summary>
    /// A row as the table holds it — text, and integer ticks — read by Dapper without conversions (no type handler, no
    /// Enum.Parse per value: the listing reads up to every row of the store), then made an <see cref="AssignmentRow"/>.
    /// </summary>
    internal sealed record Stored(
        string AssignmentId, string Principal, string RoleId, string Scope, string Type, string MemberType, long StartUtc, long? EndUtc,
        string? Justification, string? TicketNumber, string? TicketSystem, string CreatedBy, long CreatedUtc, string? RequestId, string? EligibleId)
    {
        public AssignmentRow ToRow()
        {
            const string T = "assignments";
            var id = StoredValue.Id(AssignmentId, T, "assignment_id", AssignmentId);
            return new(id, Principal, StoredValue.Id(RoleId, T, "role_id", id), Scope,
                Type == "Eligible" ? PimAssignmentType.Eligible : Type == "Active" ? PimAssignmentType.Active : StoredValue.Enum<PimAssignmentType>(Type, T, "type", id),
                MemberType == "Direct" ? PimMemberType.Direct : MemberType == "Activated" ? PimMemberType.Activated
                    : StoredValue.Enum<PimMemberType>(MemberType, T, "member_type", id),
                StoredValue.Time(StartUtc, T, "start_utc", id), StoredValue.OptionalTime(EndUtc, T, "end_utc", id), Justification, TicketNumber, TicketSystem,
                CreatedBy, StoredValue.Time(CreatedUtc, T, "created_utc", id), StoredValue.OptionalId(RequestId, T, "request_id", id), StoredValue.OptionalId(EligibleId, T, "eligible_id", id));
        }
    }

    // Every read below answers from rows that count: in a Verified store, those the verified log has as they are (a row
    // written, restored or changed around the module counts for nothing). The listing (ListOf*) and Test-PimAccess
    // (ForPrincipalAndRole) read the rows as they are and say which count themselves.

    private static AssignmentRow? One(UnitOfWork work, string sql, object param)
        => work.QueryFirstOrDefault<Stored>(sql, param)?.ToRow() is { } row && work.Believes(row) ? row : null;

    private static List<AssignmentRow> Many(UnitOfWork work, string sql, object param) => Believed(work, work.Query<Stored>(sql, param).ConvertAll(r => r.ToRow()));

    private static List<AssignmentRow> Believed(UnitOfWork work, List<AssignmentRow> rows)
        => work.Verified is null ? rows : rows.FindAll(work.Believes);

    private static List<AssignmentRow> Raw(UnitOfWork work, string sql, object param) => work.Query<Stored>(sql, param).ConvertAll(r => r.ToRow());

    // ---- named predicates (their parameters are named in them) ------------------------------------------

    /// <summary>In force at @at: started, not ended.</summary>
    public const string LiveAt = "start_utc <= @at AND (end_utc IS NULL OR end_utc > @at)";

    /// <summary>Not ended at @at: in force or still to start.</summary>
    public const string NotEndedAt = "(end_utc IS NULL OR end_utc > @at)";

    /// <summary>Starts after @at.</summary>
    public const string ScheduledAt = "start_utc > @at";

    /// <summary>Ended at or before @at.</summary>
    public const string EndedAt = "end_utc <= @at";

    /// <summary>Still listed: permanent, or ending after @visibleFrom (the listing shows expired assignments for 30 days).</summary>
    public const string VisibleFrom = "(end_utc IS NULL OR end_utc > @visibleFrom)";

    /// <summary>An administrator assignment (<see cref="Kernel.Administrators"/>): @pra and @ga are its roles.</summary>
    private const string Administrative = Kernel.Administrators.Sql;

    private static object AdministrativeAt(DateTime at)
        => new { at, pra = Kernel.Administrators.Parameters.Pra, ga = Kernel.Administrators.Parameters.Ga };

    // ---- questions ---------------------------------------------------------------------------------------

    public static AssignmentRow? Find(UnitOfWork work, Guid id)
        => One(work, SelectRows + " WHERE assignment_id = @id", new { id });

    /// <summary>The row of an assignment the verified log holds, as the row is (removal: see <see cref="UnitOfWork.Knows"/>).</summary>
    public static AssignmentRow? FindKnown(UnitOfWork work, Guid id)
        => work.QueryFirstOrDefault<Stored>(SelectRows + " WHERE assignment_id = @id", new { id })?.ToRow() is { } row && work.Knows(row) ? row : null;

    /// <summary>Every assignment (any type, time and scope) a principal holds of a role: Test-PimAccess's one index lookup.</summary>
    public static List<AssignmentRow> ForPrincipalAndRole(UnitOfWork work, string principalKey, Guid roleId)
        => Of(principalKey, Raw(work, ForPrincipalAndRoleSql, new { principalKey, roleId }));

    private const string ForPrincipalAndRoleSql = SelectRows + " WHERE principal_key = @principalKey AND role_id = @roleId";

    /// <summary><see cref="ForPrincipalAndRole"/>'s question, to send ahead (<see cref="AheadQuery"/>).</summary>
    public static AheadQuery ForPrincipalAndRoleAhead(string principalKey, Guid roleId) => AheadQuery.Rows<Stored>(ForPrincipalAndRoleSql, new { principalKey, roleId });

    /// <summary>
    /// The rows of a principal found through the principal_key column, kept only when their principal is that one: the
    /// column is not part of what the verified log holds (a row whose key was edited is someone else's, not theirs).
    /// </summary>
    /// <summary>The assignments of a role held by any of <paramref name="principalKeys"/> (the groups of a user: one query).</summary>
    public static List<AssignmentRow> ForPrincipalsAndRole(UnitOfWork work, IReadOnlyCollection<string> principalKeys, Guid roleId)
    {
        if (principalKeys.Count == 0) return [];
        var keys = principalKeys.ToHashSet(StringComparer.Ordinal);
        return Raw(work, SelectRows + $" WHERE {work.AnyOf("principal_key", "keys")} AND role_id = @roleId", new { keys = work.TextList(keys), roleId })
            .FindAll(a => keys.Contains(a.PrincipalKey));
    }

    private static List<AssignmentRow> Of(string principalKey, List<AssignmentRow> rows) => rows.FindAll(a => a.PrincipalKey == principalKey);

    /// <summary>The activations that came from an eligible assignment and have not ended by <paramref name="after"/>.</summary>
    public static List<AssignmentRow> ActivationsOf(UnitOfWork work, Guid eligibleId, DateTime after)
        => Many(work, SelectRows + " WHERE eligible_id = @eligibleId AND " + NotEndedAt, new { eligibleId, at = after });

    /// <summary>The administrator assignments in force at <paramref name="at"/> that count (of one principal, or of anyone).</summary>
    private static List<AssignmentRow> AdministratorRows(UnitOfWork work, string? principalKey, DateTime at)
    {
        var rows = Many(work, SelectRows + " WHERE " + (principalKey is null ? "" : "principal_key = @principalKey AND ") + Administrative + " AND " + LiveAt,
            new { principalKey, at, pra = Kernel.Administrators.Parameters.Pra, ga = Kernel.Administrators.Parameters.Ga });
        return principalKey is null ? rows : Of(principalKey, rows);
    }

    /// <summary>Which of the given principal keys any assignment row has (one query, through the principal index).</summary>
    public static List<string> PrincipalKeysPresent(UnitOfWork work, IReadOnlyCollection<string> keys)
        => keys.Count == 0 ? [] : work.Query<string>($"SELECT DISTINCT principal_key FROM assignments WHERE {work.AnyOf("principal_key", "keys")}",
            new { keys = work.TextList(keys) });

    /// <summary>Whether the principal holds an administrator assignment in force at <paramref name="at"/>.</summary>
    public static bool IsAdministrator(UnitOfWork work, string principalKey, DateTime at) => work.Verified is not null
        ? AdministratorRows(work, principalKey, at).Count > 0
        : work.Scalar<long>("SELECT COUNT(*) FROM assignments WHERE principal_key = @principalKey AND " + Administrative + " AND " + LiveAt,
            new { principalKey, at, pra = Kernel.Administrators.Parameters.Pra, ga = Kernel.Administrators.Parameters.Ga }) > 0;

    /// <summary>A principal's active assignments at '/' in force at <paramref name="at"/>, as they are (the caller judges them: Authorization).</summary>
    public static List<AssignmentRow> ActiveAtRootOf(UnitOfWork work, string principalKey, DateTime at)
        => Of(principalKey, Raw(work, SelectRows + " WHERE principal_key = @principalKey AND type = 'Active' AND scope = '/' AND " + LiveAt, new { principalKey, at }));

    /// <summary>
    /// <see cref="ForPrincipalAndRole"/> and <see cref="ActiveAtRootOf"/> of another principal (the actor) in one query:
    /// Test-PimAccess about someone else asks both, and the second must not cost a second round trip.
    /// </summary>
    public static (List<AssignmentRow> Rows, List<AssignmentRow> ActorRows) ForPrincipalAndRoleWithActor(UnitOfWork work, string principalKey, Guid roleId,
        string actorKey, DateTime at)
    {
        var rows = Raw(work, WithActorSql, new { principalKey, roleId, actorKey, at });
        return (Of(principalKey, rows).FindAll(a => a.RoleId == roleId), Of(actorKey, rows).FindAll(a => a.Type == PimAssignmentType.Active && a.Scope == "/"));
    }

    private const string WithActorSql = SelectRows + " WHERE (principal_key = @principalKey AND role_id = @roleId) OR (principal_key = @actorKey AND type = 'Active' AND scope = '/' AND "
                                        + LiveAt + ")";

    /// <summary><see cref="ForPrincipalAndRoleWithActor"/>'s question, to send ahead (<see cref="AheadQuery"/>).</summary>
    public static AheadQuery ForPrincipalAndRoleWithActorAhead(string principalKey, Guid roleId, string actorKey, DateTime at)
        => AheadQuery.Rows<Stored>(WithActorSql, new { principalKey, roleId, actorKey, at });

    /// <summary>Whether the principal holds a direct (assigned, not activated) administrator assignment in force at <paramref name="at"/>.</summary>
    public static bool IsDirectAdministrator(UnitOfWork work, string principalKey, DateTime at) => work.Verified is not null
        ? AdministratorRows(work, principalKey, at).Any(a => a.MemberType == PimMemberType.Direct)
        : work.Scalar<long>("SELECT COUNT(*) FROM assignments WHERE principal_key = @principalKey AND member_type = @direct AND " + Administrative + " AND " + LiveAt,
            new { principalKey, at, direct = nameof(PimMemberType.Direct), pra = Kernel.Administrators.Parameters.Pra, ga = Kernel.Administrators.Parameters.Ga }) > 0;

    /// <summary>The principals who hold an administrator assignment in force at <paramref name="at"/>, each once, in order.</summary>
    public static List<string> Administrators(UnitOfWork work, DateTime at) => work.Verified is not null
        ? AdministratorRows(work, null, at).Select(a => a.Principal).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList()
        : work.Query<string>("SELECT DISTINCT principal FROM assignments WHERE " + Administrative + " AND " + LiveAt + " ORDER BY principal",
            AdministrativeAt(at));

    /// <summary>An assignment's id and end (null = permanent).</summary>
    internal sealed record Schedule(Guid Id, DateTime? End);

    /// <summary>The administrator assignments in force at <paramref name="at"/> (any principal).</summary>
    public static List<Schedule> AdministratorAssignments(UnitOfWork work, DateTime at) => work.Verified is not null
        ? AdministratorRows(work, null, at).ConvertAll(a => new Schedule(a.Id, a.End))
        : work.Query<Schedule>("SELECT assignment_id AS id, end_utc AS \"end\" FROM assignments WHERE " + Administrative + " AND " + LiveAt,
            AdministrativeAt(at));

    // ---- Get-PimAssignment -----------------------------------------------------------------------------

    /// <summary>
    /// The filters of a listing as SQL applies them (the scope filter is applied by the caller: it compares
    /// case-insensitively). <see cref="State"/> null lists what has not ended at <see cref="AsOf"/>.
    /// </summary>
    internal sealed record Listing(
        string? PrincipalKey, PimAssignmentType? Type, PimMemberType? MemberType, PimAssignmentState? State,
        DateTime AsOf, DateTime VisibleFrom);

    private static string Where(Listing q)
    {
        var where = new List<string>(4);
        if (q.PrincipalKey is not null) where.Add("principal_key = @principalKey");
        if (q.Type is not null) where.Add("type = @type");
        if (q.MemberType is not null) where.Add("member_type = @memberType");
        where.Add(q.State switch
        {
            PimAssignmentState.Active => LiveAt,
            PimAssignmentState.Scheduled => ScheduledAt,
            PimAssignmentState.Expired => EndedAt + " AND " + VisibleFrom,
            PimAssignmentState.All => VisibleFrom,
            _ => NotEndedAt,
        });
        return string.Join(" AND ", where);
    }

    private static object Parameters(Listing q, Guid? roleId = null, Guid? id = null) => new
    {
        principalKey = q.PrincipalKey, type = q.Type?.ToString(), memberType = q.MemberType?.ToString(),
        at = q.AsOf, visibleFrom = q.VisibleFrom, roleId, id,
    };

    /// <summary>
    /// The listing's rows of one role, streamed in the listing's order within a role: principal key, type, start. The
    /// caller goes through the roles in name order, so the whole listing needs no JOIN and no sort outside the store.
    /// Read through the role index (a role without assignments costs one index probe; SQLite would otherwise walk the
    /// principal index for its order, all of it for every role).
    /// </summary>
    public static IEnumerable<AssignmentRow> ListOfRole(UnitOfWork work, Guid roleId, Listing q)
        => work.Stream<Stored>("SELECT " + Columns + " FROM " + work.Through("assignments", "ix_assignments_role") +
            " WHERE role_id = @roleId AND " + Where(q) + " ORDER BY principal_key, type, start_utc", Parameters(q, roleId)).Select(r => r.ToRow());

    /// <summary>The listing's rows of one principal (<see cref="Listing.PrincipalKey"/>: an index lookup, a few rows), any order.</summary>
    public static List<AssignmentRow> ListOfPrincipal(UnitOfWork work, Listing q)
        => Of(q.PrincipalKey!, Raw(work, SelectRows + " WHERE " + Where(q), Parameters(q)));

    /// <summary>The listing's row with this id, if the filters keep it.</summary>
    public static AssignmentRow? ListOne(UnitOfWork work, Guid id, Listing q)
        => work.QueryFirstOrDefault<Stored>(SelectRows + " WHERE assignment_id = @id AND " + Where(q), Parameters(q, id: id))?.ToRow();

    // ---- writes ----------------------------------------------------------------------------------------

    private const string InsertSql =
        "INSERT INTO assignments (assignment_id, principal, principal_key, role_id, scope, type, member_type, start_utc, end_utc, " +
        "justification, ticket_number, ticket_system, created_by, created_utc, request_id, eligible_id) VALUES (@Id, @Principal, " +
        "@PrincipalKey, @RoleId, @Scope, @Type, @MemberType, @Start, @End, @Justification, @TicketNumber, @TicketSystem, @CreatedBy, " +
        "@Created, @RequestId, @EligibleId)";

    public static void Insert(UnitOfWork work, AssignmentRow a) => work.Wrote(a.Id, () => work.Execute(InsertSql, new
    {
        a.Id, a.Principal, a.PrincipalKey, a.RoleId, a.Scope, Type = a.Type.ToString(), MemberType = a.MemberType.ToString(),
        a.Start, a.End, a.Justification, a.TicketNumber, a.TicketSystem, a.CreatedBy, a.Created, a.RequestId, a.EligibleId,
    }));

    /// <summary>An administrator's change of an assignment's schedule and texts, through request <paramref name="requestId"/>.</summary>
    public static void UpdateSchedule(UnitOfWork work, AssignmentRow after, Guid requestId) => work.Wrote(after.Id, () => work.Execute(
        "UPDATE assignments SET start_utc = @Start, end_utc = @End, justification = @Justification, ticket_number = @TicketNumber, " +
        "ticket_system = @TicketSystem, request_id = @requestId WHERE assignment_id = @Id",
        new { after.Id, after.Start, after.End, after.Justification, after.TicketNumber, after.TicketSystem, requestId }));

    /// <summary>Ends an assignment at <paramref name="end"/>, through request <paramref name="requestId"/>.</summary>
    public static void EndAt(UnitOfWork work, Guid id, DateTime end, Guid requestId)
        => work.Wrote(id, () => work.Execute("UPDATE assignments SET end_utc = @end, request_id = @requestId WHERE assignment_id = @id", new { id, end, requestId }));

    public static void Delete(UnitOfWork work, Guid id) => work.Execute("DELETE FROM assignments WHERE assignment_id = @id", new { id });

    // ---- the bulk path (Import-Csv | New-PimEligibleAssignment) ------------------------------------------

    /// <summary>What the bulk writer compares a new assignment with: the holder, role, scope and schedule of one already stored.</summary>
    internal sealed record Held(Guid Id, string PrincipalKey, Guid RoleId, string Scope, DateTime Start, DateTime? End);

    /// <summary>
    /// The assignments of <paramref name="type"/> not ended at <paramref name="at"/> that these principals hold (any role):
    /// one query for a whole batch's overlap checks (by the principal index), instead of one per row.
    /// </summary>
    public static List<Held> HeldBy(UnitOfWork work, IReadOnlyCollection<string> principalKeys, PimAssignmentType type, DateTime at)
        => work.Verified is not null
            // Verified stores: only what counts blocks a new assignment (a row planted around the module does not).
            ? Many(work, SelectRows + " WHERE " + work.AnyOf("principal_key", "keys") + " AND type = @type AND " + NotEndedAt,
                    new { keys = work.TextList(principalKeys), type = type.ToString(), at })
                .Where(a => principalKeys.Contains(a.PrincipalKey)).Select(a => new Held(a.Id, a.PrincipalKey, a.RoleId, a.Scope, a.Start, a.End)).ToList()
            : work.Query<Held>(
            "SELECT assignment_id AS id, principal_key, role_id, scope, start_utc AS start, end_utc AS \"end\" FROM assignments WHERE " +
            work.AnyOf("principal_key", "keys") + " AND type = @type AND " + NotEndedAt,
            new { keys = work.TextList(principalKeys), type = type.ToString(), at });

    private static readonly string[] BulkColumns =
    [
        "assignment_id", "principal", "principal_key", "role_id", "scope", "type", "member_type", "start_utc", "end_utc",
        "justification", "ticket_number", "ticket_system", "created_by", "created_utc", "request_id", "eligible_id",
    ];

    /// <summary>Writes a batch's new assignments together (binary COPY on PostgreSQL, a prepared INSERT on SQLite).</summary>
    public static void InsertMany(UnitOfWork work, IReadOnlyList<AssignmentRow> rows)
    {
        if (rows.Count == 0) return;
        if (work.Verified is not null) foreach (var a in rows) work.Wrote(a.Id);
        using var bulk = work.Bulk("assignments", BulkColumns);
        foreach (var a in rows)
        {
            bulk.Row();
            bulk.Id(a.Id);
            bulk.Text(a.Principal);
            bulk.Text(a.PrincipalKey);
            bulk.Id(a.RoleId);
            bulk.Text(a.Scope);
            bulk.Text(a.Type == PimAssignmentType.Eligible ? "Eligible" : "Active");
            bulk.Text(a.MemberType == PimMemberType.Direct ? "Direct" : "Activated");
            bulk.Time(a.Start);
            bulk.Time(a.End);
            bulk.Text(a.Justification);
            bulk.Text(a.TicketNumber);
            bulk.Text(a.TicketSystem);
            bulk.Text(a.CreatedBy);
            bulk.Time(a.Created);
            bulk.Id(a.RequestId);
            bulk.Id(a.EligibleId);
        }
        bulk.Complete();
    }

    // ---- activation requests ---------------------------------------------------------------------------------

    /// <summary>
    /// The assignment statements of the request paths (activation, approval, deactivation, extension), with their own
    /// mapping onto <see cref="AssignmentRow"/> (Dapper fills it through its constructor).
    /// </summary>
    internal static class ForRequests
    {
        /// <summary>The columns in the order of AssignmentRow's constructor, named as its parameters.</summary>
        private const string Columns =
            "a.assignment_id AS id, a.principal, a.role_id, a.scope, a.type, a.member_type, a.start_utc AS start, a.end_utc AS \"end\", " +
            "a.justification, a.ticket_number, a.ticket_system, a.created_by, a.created_utc AS created, a.request_id, a.eligible_id";

        private const string Select = "SELECT " + Columns + " FROM assignments a";

        public static AssignmentRow? Find(UnitOfWork work, Guid id)
            => work.QueryFirstOrDefault<AssignmentRow>(Select + " WHERE a.assignment_id = @id", new { id }) is { } a && work.Believes(a) ? a : null;

        /// <summary>Every assignment (any type, scope and time) one principal holds of one role (that counts).</summary>
        public static List<AssignmentRow> Held(UnitOfWork work, string principal, Guid roleId)
            => Of(Principal.Fold(principal), Believed(work, work.Query<AssignmentRow>(Select + " WHERE a.principal_key = @key AND a.role_id = @roleId",
                new { key = Principal.Fold(principal), roleId })));

        /// <summary>An activation ends at <paramref name="end"/> (deactivated).</summary>
        public static void End(UnitOfWork work, Guid id, DateTime end)
            => work.Wrote(id, () => work.Execute("UPDATE assignments SET end_utc = @end WHERE assignment_id = @id", new { id, end }));

        /// <summary>An activation that never started is deleted (deactivated before its start).</summary>
        public static void Delete(UnitOfWork work, Guid id)
            => work.Execute("DELETE FROM assignments WHERE assignment_id = @id", new { id });

        /// <summary>An approved extension or renewal: the assignment's new window, and the request that set it.</summary>
        public static void Reschedule(UnitOfWork work, Guid id, DateTime start, DateTime end, Guid requestId)
            => work.Wrote(id, () => work.Execute("UPDATE assignments SET start_utc = @start, end_utc = @end, request_id = @requestId WHERE assignment_id = @id",
                new { id, start, end, requestId }));
    }

}
