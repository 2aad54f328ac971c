using Dapper;
using Microsoft.Data.Sqlite;
using PimModule.Kernel;
using View = PimModule.Checkpoint.VerifiedAssignment;
using RequestState = PimModule.Checkpoint.VerifiedState.RequestState;

namespace PimModule.Checkpoint;

/// <summary>
/// The checkpoint's tables as the state replay reads and moves them, inside its transaction: what the verified log has
/// made of assignments, requests and their decisions (here), and of settings, the directory, notices and access reviews
/// (CheckpointTables.Settings.cs). No rule is decided here — the replay asks the kernel, then applies what counts.
/// </summary>
internal sealed partial class CheckpointTables(SqliteConnection db, SqliteTransaction tx) : IDisposable
{
    private Storage.Sqlite.SqliteStatement? _put;
    private Storage.Sqlite.SqliteStatement? _notice;

    public void Dispose()
    {
        _put?.Dispose();
        _notice?.Dispose();
    }

    // ---- assignments ---------------------------------------------------------------------------------------

    public View? Assignment(string id) => db.QueryFirstOrDefault<View>(View.Select + " WHERE id = @id", new { id = id.ToLowerInvariant() }, tx);

    /// <summary>Writes a verified assignment (one statement prepared once, bound by position: a million-row import replays a million of them).</summary>
    public void Put(View a)
    {
        var put = _put ??= new Storage.Sqlite.SqliteStatement(db,
            "INSERT INTO verified_assignments (id, principal_key, role_id, type, scope, member_type, start_ticks, end_ticks, digest) VALUES " +
            "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (id) DO UPDATE SET principal_key = excluded.principal_key, " +
            "role_id = excluded.role_id, type = excluded.type, scope = excluded.scope, member_type = excluded.member_type, start_ticks = excluded.start_ticks, " +
            "end_ticks = excluded.end_ticks, digest = excluded.digest");
        put.Text(1, a.Id);
        put.Text(2, a.PrincipalKey);
        put.Text(3, a.RoleId);
        put.Text(4, a.Type);
        put.Text(5, a.Scope);
        put.Text(6, a.MemberType);
        put.Long(7, a.Start);
        put.Long(8, a.End);
        Span<byte> digest = stackalloc byte[VerifiedState.DigestSize];
        VerifiedState.DigestOf(a.Json, digest);
        put.Blob(9, digest);
        put.Run();
    }

    public void RemoveAssignment(string id) => db.Execute("DELETE FROM verified_assignments WHERE id = @id", new { id = id.ToLowerInvariant() }, tx);

    /// <summary>A principal's assignments of a role (eligible and active; only the eligible ones when <paramref name="eligibleOnly"/>).</summary>
    public List<View> Held(string principalKey, string roleId, bool eligibleOnly = false)
        => db.Query<View>(View.Select + " WHERE principal_key = @principalKey AND role_id = @roleId" + (eligibleOnly ? " AND type = 'Eligible'" : ""),
            new { principalKey, roleId }, tx).AsList();

    /// <summary>The administrator assignments (<see cref="Administrators.Sql"/>), whatever their time; of one principal when named.</summary>
    public List<View> AdministratorAssignments(string? principalKey = null)
        => db.Query<View>(View.Select + " WHERE " + (principalKey is null ? "" : "principal_key = @p AND ") + Administrators.Sql,
            new { p = principalKey, pra = Administrators.Parameters.Pra, ga = Administrators.Parameters.Ga }, tx).AsList();

    /// <summary>Removes the assignments that ended before <paramref name="cut"/> (pruned history).</summary>
    public void RemoveEndedBefore(long cut) => db.Execute("DELETE FROM verified_assignments WHERE end_ticks IS NOT NULL AND end_ticks < @cut", new { cut }, tx);

    /// <summary>Removes every assignment of a role other than <paramref name="keepRoles"/> (a protection starts from what it endorses).</summary>
    public void KeepOnlyAssignmentsOf(IReadOnlyCollection<string> keepRoles)
    {
        foreach (var row in db.Query<(string Id, string RoleId)>("SELECT id, role_id FROM verified_assignments", transaction: tx).ToList())
            if (!keepRoles.Contains(row.RoleId, StringComparer.OrdinalIgnoreCase))
                RemoveAssignment(row.Id);
    }

    // ---- requests and their decisions ----------------------------------------------------------------------

    public RequestState? Request(string id) => db.QueryFirstOrDefault<RequestState>(
        "SELECT " + VerifiedState.RequestColumns + " FROM verified_requests WHERE id = @id", new { id = id.ToLowerInvariant() }, tx);

    /// <summary>A principal's activation requests of a role stored as pending (whether or not their 24 hours passed).</summary>
    public List<RequestState> PendingActivations(string principalKey, string roleId) => db.Query<RequestState>(
        "SELECT " + VerifiedState.RequestColumns + " FROM verified_requests WHERE principal_key = @principalKey AND role_id = @roleId " +
        "AND action = 'SelfActivate' AND status = 'PendingApproval'", new { principalKey, roleId }, tx).AsList();

    /// <summary>A new request, in its first stage from when it was made.</summary>
    public void AddRequest(string id, string action, string status, string principalKey, string roleId, string? scope, string? targetId, string? assignmentId,
        long created, long? durationTicks, string? justification, string? ticketNumber, bool textsSealed)
        => db.Execute("INSERT INTO verified_requests (id, action, status, principal_key, role_id, scope, target_id, assignment_id, created_ticks, duration_ticks, " +
                      "stage, stage_started_ticks, justification, ticket_number, texts_sealed) " +
                      "VALUES (@id, @action, @status, @principalKey, @roleId, @scope, @targetId, @assignmentId, @created, @durationTicks, 1, @created, @justification, " +
                      "@ticketNumber, @sealed)",
            new { id, action, status, principalKey, roleId, scope, targetId, assignmentId, created, durationTicks, justification, ticketNumber, @sealed = textsSealed ? 1L : 0L }, tx);

    /// <summary>The decisions on a request (every stage), by the approver's key.</summary>
    public List<(string Key, long Stage, string Decision)> Decisions(string id)
        => db.Query<(string Key, long Stage, string Decision)>("SELECT approver_key, stage, decision FROM verified_decisions WHERE request_id = @id", new { id }, tx).AsList();

    public void AddDecision(string id, string approverKey, long stage, string decision, long at)
        => db.Execute("INSERT INTO verified_decisions (request_id, approver_key, stage, decision, decided_ticks) VALUES (@id, @approverKey, @stage, @decision, @at)",
            new { id, approverKey, stage, decision, at }, tx);

    /// <summary>The request moves to its next approval stage, whose 24 hours start at <paramref name="at"/>.</summary>
    public void NextStage(string id, long at) => db.Execute("UPDATE verified_requests SET stage = stage + 1, stage_started_ticks = @at WHERE id = @id", new { id, at }, tx);

    /// <summary>The request ends with <paramref name="status"/> (an approved activation names the assignment it provisioned).</summary>
    public void Close(string id, string status, string? provisioned, long at)
        => db.Execute("UPDATE verified_requests SET status = @status, assignment_id = COALESCE(@provisioned, assignment_id), decided_ticks = @at WHERE id = @id",
            new { id, status, provisioned, at }, tx);

    // ---- what the replay notes -----------------------------------------------------------------------------

    /// <summary>Who acted last, and when (StaleSignIn, access review recommendations).</summary>
    public void NoteActivity(IEnumerable<KeyValuePair<string, long>> acted)
    {
        foreach (var (actor, ticks) in acted)
            db.Execute("INSERT INTO verified_activity (actor_key, last_ticks) VALUES (@actor, @ticks) " +
                       "ON CONFLICT (actor_key) DO UPDATE SET last_ticks = MAX(last_ticks, excluded.last_ticks)", new { actor, ticks }, tx);
    }

    /// <summary>A record that counts for nothing, and why (Test-PimAuditLog reports it).</summary>
    public void Refused(long sequence, string kind, string? id, string reason, string problem)
        => db.Execute("INSERT INTO verified_refused (sequence, kind, id, reason, problem) VALUES (@sequence, @kind, @id, @reason, @problem) ON CONFLICT (sequence) DO NOTHING",
            new { sequence, kind, id, reason, problem }, tx);
}
