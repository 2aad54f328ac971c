namespace PimModule.Storage;

/// <summary>The assignments as the store overview, the alerts, maintenance, completion and Export-PimReport ask of them.</summary>
internal static partial class AssignmentsTable
{
    // ---- the store overview, alerts, maintenance and completion ----------------------------------------------

    private const string TablesSelect = SelectRows;


    private static List<AssignmentRow> TablesQuery(UnitOfWork work, string where, object param)
        => Believed(work, work.Query<Stored>(TablesSelect + " WHERE " + where, param).ConvertAll(r => r.ToRow()));

    /// <summary>The assignments in force at <paramref name="at"/> (started, not ended).</summary>
    public static List<AssignmentRow> InForceAt(UnitOfWork work, DateTime at) => Many(work, SelectRows + " WHERE " + LiveAt, new { at });

    /// <summary>The assignments in force at <paramref name="at"/>, as the alerts need them.</summary>
    /// <remarks>
    /// The alerts read every assignment in force (a million in a large store), so a Lab store reads only the columns they
    /// use; a Verified store reads whole rows, since a row counts only if its digest (of every column) is the verified one.
    /// </remarks>
    public static List<InForceRow> InForceSummaryAt(UnitOfWork work, DateTime at)
    {
        if (work.Verified is not null)
            return Many(work, "SELECT " + Columns + " FROM " + work.Scan("assignments") + " WHERE " + LiveAt, new { at }).ConvertAll(InForceRow.Of);
        var rows = new List<InForceRow>();
        var roleIds = new Dictionary<string, Guid>(StringComparer.Ordinal);
        using var r = work.Reader("SELECT assignment_id, principal, role_id, type, member_type, start_utc, end_utc FROM " + work.Scan("assignments") +
                                  " WHERE " + LiveAt, new { at });
        while (r.Read())
        {
            var principal = r.GetString(1);
            var role = r.GetString(2);
            var id = r.GetString(0);
            var assignmentId = StoredValue.Id(id, "assignments", "assignment_id", id);
            if (!roleIds.TryGetValue(role, out var roleId)) roleIds[role] = roleId = StoredValue.Id(role, "assignments", "role_id", assignmentId);
            var type = r.GetString(3);
            var member = r.GetString(4);
            rows.Add(new InForceRow(
                assignmentId, principal, global::PimModule.Identity.Principal.Fold(principal), roleId,
                type == "Eligible" ? PimAssignmentType.Eligible : type == "Active" ? PimAssignmentType.Active
                    : StoredValue.Enum<PimAssignmentType>(type, "assignments", "type", assignmentId),
                member == "Direct" ? PimMemberType.Direct : member == "Activated" ? PimMemberType.Activated
                    : StoredValue.Enum<PimMemberType>(member, "assignments", "member_type", assignmentId),
                StoredValue.Time(r, 5, "assignments", "start_utc", assignmentId), r.IsDBNull(6) ? null : StoredValue.Time(r, 6, "assignments", "end_utc", assignmentId)));
        }
        return rows;
    }

    /// <summary>The activations that started after <paramref name="from"/> and by <paramref name="to"/>.</summary>
    public static List<AssignmentRow> ActivationsStartedBetween(UnitOfWork work, DateTime from, DateTime to)
        => TablesQuery(work, "member_type = 'Activated' AND start_utc > @from AND start_utc <= @to", new { from, to });

    /// <summary>The eligible assignments activated after <paramref name="since"/> (their ids, as stored).</summary>
    public static List<string> EligibleIdsActivatedSince(UnitOfWork work, DateTime since) => work.Verified is not null
        ? TablesQuery(work, "member_type = 'Activated' AND eligible_id IS NOT NULL AND start_utc > @since", new { since })
            .Select(a => a.EligibleId!.Value.ToString("D")).Distinct(StringComparer.OrdinalIgnoreCase).ToList()
        : work.Query<string>(
            "SELECT DISTINCT eligible_id FROM assignments WHERE member_type = 'Activated' AND eligible_id IS NOT NULL AND start_utc > @since", new { since });

    /// <summary>A role's direct assignments in force at <paramref name="at"/> (an access review's items), through the role index.</summary>
    public static List<AssignmentRow> DirectOfRoleAt(UnitOfWork work, Guid roleId, DateTime at)
        => Many(work, SelectRows + " WHERE role_id = @roleId AND member_type = 'Direct' AND " + LiveAt + " ORDER BY principal_key, type, start_utc",
            new { roleId, at });

    /// <summary>Which of these principals activated any role after <paramref name="from"/> and by <paramref name="to"/> (one query).</summary>
    public static HashSet<string> ActivatorsBetween(UnitOfWork work, IReadOnlyCollection<string> principalKeys, DateTime from, DateTime to)
    {
        if (principalKeys.Count == 0) return new HashSet<string>(StringComparer.Ordinal);
        var where = $"{work.AnyOf("principal_key", "keys")} AND member_type = 'Activated' AND start_utc > @from AND start_utc <= @to";
        var param = new { keys = work.TextList(principalKeys), from, to };
        return work.Verified is not null
            ? Many(work, SelectRows + " WHERE " + where, param).Select(a => a.PrincipalKey).ToHashSet(StringComparer.Ordinal)
            : work.Query<string>("SELECT DISTINCT principal_key FROM assignments WHERE " + where, param).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Direct assignments with an end after <paramref name="from"/> and by <paramref name="to"/> (expiry notices).</summary>
    public static List<AssignmentRow> DirectEndingBetween(UnitOfWork work, DateTime from, DateTime to)
        => TablesQuery(work, "member_type = 'Direct' AND end_utc IS NOT NULL AND end_utc > @from AND end_utc <= @to", new { from, to });

    /// <summary>Deletes the assignments that ended before <paramref name="cut"/>.</summary>
    public static int DeleteEndedBefore(UnitOfWork work, DateTime cut)
        => work.Execute("DELETE FROM assignments WHERE end_utc IS NOT NULL AND end_utc < @cut", new { cut });

    /// <summary>Assignments not ended at <paramref name="now"/>, of one type or (null) both.</summary>
    public static long CountNotEnded(UnitOfWork work, DateTime now, PimAssignmentType? type = null) => type is { } t
        ? work.Scalar<long>("SELECT COUNT(*) FROM assignments WHERE type = @type AND " + NotEndedAt, new { type = t.ToString(), at = now })
        : work.Scalar<long>("SELECT COUNT(*) FROM assignments WHERE " + NotEndedAt, new { at = now });

    /// <summary>A role's assignments not ended at <paramref name="now"/> (a role in use cannot be removed).</summary>
    public static long CountNotEndedOfRole(UnitOfWork work, Guid roleId, DateTime now) => work.Verified is not null
        ? Many(work, SelectRows + " WHERE role_id = @roleId AND " + NotEndedAt, new { roleId, at = now }).Count
        : work.Scalar<long>("SELECT COUNT(*) FROM assignments WHERE role_id = @roleId AND " + NotEndedAt, new { roleId, at = now });

    /// <summary>Every assignment row as the store holds it, counted or not (Test-PimAuditLog compares them with the verified log).</summary>
    public static List<AssignmentRow> AllAsStored(UnitOfWork work) => Raw(work, SelectRows, new { });

    /// <summary>
    /// Every assignment row as stored, for Test-PimAuditLog: a row holding a value PimModule never writes is handed to
    /// <paramref name="unreadable"/> (its id as stored, and the refusal that says which column) instead of ending the check.
    /// </summary>
    public static List<AssignmentRow> AllAsStored(UnitOfWork work, Action<string, PimStoreException> unreadable)
    {
        var rows = new List<AssignmentRow>();
        foreach (var r in work.Query<Stored>(SelectRows))
        {
            try { rows.Add(r.ToRow()); }
            catch (PimStoreException e) when (StoredValue.IsInvalid(e)) { unreadable(r.AssignmentId, e); }
        }
        return rows;
    }

    /// <summary>Every assignment row, ended or not.</summary>
    public static long CountAll(UnitOfWork work) => work.Scalar<long>("SELECT COUNT(*) FROM assignments");

    /// <summary>The principals holding assignments, in order (completion), at most <paramref name="max"/>.</summary>
    public static List<string> KnownPrincipals(UnitOfWork work, int max)
        => work.Query<string>("SELECT DISTINCT principal FROM assignments ORDER BY 1 LIMIT @max", new { max = (long)max });

    /// <summary>The scopes assignments use, in order (completion), at most <paramref name="max"/>.</summary>
    public static List<string> KnownScopes(UnitOfWork work, int max)
        => work.Query<string>("SELECT DISTINCT scope FROM assignments ORDER BY 1 LIMIT @max", new { max = (long)max });


    // ---- Export-PimReport: aggregates, computed by the database ------------------------------------------------

    /// <summary>Every assignment by type, member type and state at @at (Active: in force; Scheduled; Expired), counted.</summary>
    public static List<Reports.AssignmentCount> CountByTypeAndState(UnitOfWork work, DateTime at)
        => work.Query<Reports.AssignmentCount>(
            "SELECT type, member_type, CASE WHEN start_utc > @at THEN 'Scheduled' WHEN end_utc IS NOT NULL AND end_utc <= @at THEN 'Expired' " +
            "ELSE 'Active' END AS state, COUNT(*) AS count FROM assignments GROUP BY type, member_type, " +
            "CASE WHEN start_utc > @at THEN 'Scheduled' WHEN end_utc IS NOT NULL AND end_utc <= @at THEN 'Expired' ELSE 'Active' END",
            new { at });

    /// <summary>
    /// The direct (not activated) assignments of the given roles not ended at @at, by role and type: how many are
    /// permanent, how many time-bound. Read through ix_assignments_role (role_id, type).
    /// </summary>
    public static List<Reports.PermanenceCount> PermanenceOfRoles(UnitOfWork work, IReadOnlyCollection<Guid> roles, DateTime at)
        => roles.Count == 0 ? [] : work.Query<Reports.PermanenceCount>(
            "SELECT role_id AS role, type, SUM(CASE WHEN end_utc IS NULL THEN 1 ELSE 0 END) AS permanent, " +
            "SUM(CASE WHEN end_utc IS NULL THEN 0 ELSE 1 END) AS time_bound FROM assignments " +
            "WHERE " + work.AnyOf("role_id", "roles") + " AND member_type = 'Direct' AND " + NotEndedAt + " GROUP BY role_id, type",
            new { roles = work.TextList(roles.Select(r => r.ToString("D"))), at });
}
