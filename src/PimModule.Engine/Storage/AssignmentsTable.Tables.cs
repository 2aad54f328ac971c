namespace PimModule.Storage;

// The assignments SQL of the store's overview, the alerts, maintenance, the role catalogue and the store copy
// (area "Tables"); the lead folds it into AssignmentsTable.cs.
internal static partial class AssignmentsTable
{
    /// <summary>An assignments row as read by the queries below (columns in the order of the constructor).</summary>
    private sealed record TablesRow(Guid AssignmentId, string Principal, Guid RoleId, string Scope, PimAssignmentType Type, PimMemberType MemberType,
        DateTime StartUtc, DateTime? EndUtc, string? Justification, string? TicketNumber, string? TicketSystem, string CreatedBy, DateTime CreatedUtc,
        Guid? RequestId, Guid? EligibleId)
    {
        public AssignmentRow ToAssignment() => new(AssignmentId, Principal, RoleId, Scope, Type, MemberType, StartUtc, EndUtc, Justification,
            TicketNumber, TicketSystem, CreatedBy, CreatedUtc, RequestId, EligibleId);
    }

    private const string TablesSelect =
        "SELECT assignment_id, principal, role_id, scope, type, member_type, start_utc, end_utc, justification, ticket_number, ticket_system, " +
        "created_by, created_utc, request_id, eligible_id FROM assignments";

    /// <summary>Not ended at @now (permanent, or ending after it).</summary>
    private const string NotEndedAt = "(end_utc IS NULL OR end_utc > @now)";

    private static List<AssignmentRow> TablesQuery(UnitOfWork work, string where, object param)
        => work.Query<TablesRow>(TablesSelect + " WHERE " + where, param).ConvertAll(r => r.ToAssignment());

    /// <summary>The assignments in force at <paramref name="at"/> (started, not ended).</summary>
    public static List<AssignmentRow> InForceAt(UnitOfWork work, DateTime at)
        => TablesQuery(work, "start_utc <= @now AND " + NotEndedAt, new { now = at });

    /// <summary>The activations that started after <paramref name="from"/> and by <paramref name="to"/>.</summary>
    public static List<AssignmentRow> ActivationsStartedBetween(UnitOfWork work, DateTime from, DateTime to)
        => TablesQuery(work, "member_type = 'Activated' AND start_utc > @from AND start_utc <= @to", new { from, to });

    /// <summary>The eligible assignments activated after <paramref name="since"/> (their ids, as stored).</summary>
    public static List<string> EligibleIdsActivatedSince(UnitOfWork work, DateTime since) => work.Query<string>(
        "SELECT DISTINCT eligible_id FROM assignments WHERE member_type = 'Activated' AND eligible_id IS NOT NULL AND start_utc > @since", new { since });

    /// <summary>Direct assignments with an end after <paramref name="from"/> and by <paramref name="to"/> (expiry notices).</summary>
    public static List<AssignmentRow> DirectEndingBetween(UnitOfWork work, DateTime from, DateTime to)
        => TablesQuery(work, "member_type = 'Direct' AND end_utc IS NOT NULL AND end_utc > @from AND end_utc <= @to", new { from, to });

    /// <summary>Deletes the assignments that ended before <paramref name="cut"/>.</summary>
    public static int DeleteEndedBefore(UnitOfWork work, DateTime cut)
        => work.Execute("DELETE FROM assignments WHERE end_utc IS NOT NULL AND end_utc < @cut", new { cut });

    /// <summary>Assignments not ended at <paramref name="now"/>, of one type or (null) both.</summary>
    public static long CountNotEnded(UnitOfWork work, DateTime now, PimAssignmentType? type = null) => type is { } t
        ? work.Scalar<long>("SELECT COUNT(*) FROM assignments WHERE type = @type AND " + NotEndedAt, new { type = t.ToString(), now })
        : work.Scalar<long>("SELECT COUNT(*) FROM assignments WHERE " + NotEndedAt, new { now });

    /// <summary>A role's assignments not ended at <paramref name="now"/> (a role in use cannot be removed).</summary>
    public static long CountNotEndedOfRole(UnitOfWork work, Guid roleId, DateTime now)
        => work.Scalar<long>("SELECT COUNT(*) FROM assignments WHERE role_id = @roleId AND " + NotEndedAt, new { roleId, now });

    /// <summary>Every assignment row, ended or not.</summary>
    public static long CountAll(UnitOfWork work) => work.Scalar<long>("SELECT COUNT(*) FROM assignments");

    /// <summary>The principals holding assignments, in order (completion), at most <paramref name="max"/>.</summary>
    public static List<string> KnownPrincipals(UnitOfWork work, int max)
        => work.Query<string>("SELECT DISTINCT principal FROM assignments ORDER BY 1 LIMIT @max", new { max = (long)max });

    /// <summary>The scopes assignments use, in order (completion), at most <paramref name="max"/>.</summary>
    public static List<string> KnownScopes(UnitOfWork work, int max)
        => work.Query<string>("SELECT DISTINCT scope FROM assignments ORDER BY 1 LIMIT @max", new { max = (long)max });
}
