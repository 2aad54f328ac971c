using System.Data.Common;
using PimModule.Storage;

namespace PimModule.Requests;

/// <summary>Filters of Get-PimRequest; all optional.</summary>
public sealed class PimRequestQuery
{
    public Guid? RequestId { get; init; }
    public PimRequestStatus[]? Status { get; init; }
    public string? Principal { get; init; }
    public IReadOnlyCollection<Guid>? RoleIds { get; init; }
    public PimRequestAction[]? Action { get; init; }
    /// <summary>Only pending requests the acting principal may approve.</summary>
    public bool PendingMyApproval { get; init; }
    /// <summary>The time statuses are read for (default: now).</summary>
    public DateTime? AsOf { get; init; }
}

/// <summary>The request records: reading them (the self-service actions live in ActivationService).</summary>
public sealed partial class RequestService
{
    private readonly PimStore _store;
    internal RequestService(PimStore store) => _store = store;

    internal const string Select =
        "SELECT q.request_id, q.action, q.status, q.principal, q.role_id, r.name AS role_name, q.scope, q.assignment_type, q.duration_ticks, " +
        "q.start_utc, q.end_utc, q.justification, q.ticket_number, q.ticket_system, q.created_by, q.created_utc, q.approved_by, " +
        "q.decision_justification, q.decided_utc, q.assignment_id, q.target_assignment_id, q.authentication_context, q.mfa_verified " +
        "FROM requests q LEFT JOIN roles r ON r.role_id = q.role_id";

    internal static RequestRow MapRow(DbDataReader r) => new(
        r.GetGuid("request_id"), r.GetEnum<PimRequestAction>("action"), r.GetEnum<PimRequestStatus>("status"), r.GetText("principal"),
        r.GetGuid("role_id"), r.GetText("scope"), r.GetEnum<PimAssignmentType>("assignment_type"),
        r.GetLongOrNull("duration_ticks") is { } d ? TimeSpan.FromTicks(d) : null, r.GetDateTime("start_utc"), r.GetDateTime("end_utc"),
        r.GetStringOrNull("justification"), r.GetStringOrNull("ticket_number"), r.GetStringOrNull("ticket_system"),
        r.GetText("created_by"), r.GetUtc("created_utc"), r.GetStringOrNull("approved_by"), r.GetStringOrNull("decision_justification"),
        r.GetDateTime("decided_utc"), r.GetGuidOrNull("assignment_id"), r.GetGuidOrNull("target_assignment_id"),
        r.GetStringOrNull("authentication_context"), r.GetFlag("mfa_verified"));

    /// <summary>The status as of now: a pending request nobody decided within 24 hours reads as Expired.</summary>
    internal static PimRequestStatus EffectiveStatus(RequestRow q, DateTime now)
        => q.Status == PimRequestStatus.PendingApproval && now - q.Created >= Limits.PendingRequestLifetime ? PimRequestStatus.Expired : q.Status;

    internal static PimRequest ToOutput(RequestRow q, string? roleName, DateTime now) => new()
    {
        RequestId = q.Id, Action = q.Action, Status = EffectiveStatus(q, now), Principal = q.Principal, Role = roleName ?? q.RoleId.ToString(),
        RoleId = q.RoleId, Scope = q.Scope, AssignmentType = q.AssignmentType, Duration = q.Duration, StartDateTime = q.Start,
        EndDateTime = q.End, Justification = q.Justification, TicketNumber = q.TicketNumber, TicketSystem = q.TicketSystem,
        CreatedBy = q.CreatedBy, CreatedDateTime = q.Created, ApprovedBy = q.ApprovedBy, DecisionJustification = q.DecisionJustification,
        DecidedDateTime = q.Decided, AssignmentId = q.AssignmentId ?? q.TargetAssignmentId, AuthenticationContextId = q.AuthenticationContext,
    };

    public IEnumerable<PimRequest> Query(PimRequestQuery q) => _store.Stream(work => QueryCore(work, q));

    private static IEnumerable<PimRequest> QueryCore(UnitOfWork work, PimRequestQuery q)
    {
        var now = q.AsOf is { } asOf ? Times.Utc(asOf, "AsOf") : work.Now;
        var cut = now - Limits.PendingRequestLifetime;
        var where = new List<string>();
        var ps = new List<(string, object?)> { ("@cut", cut) };
        if (q.RequestId is { } id) { where.Add("q.request_id = @id"); ps.Add(("@id", id)); }
        if (q.Principal is { } p) { where.Add("q.principal_key = @pk"); ps.Add(("@pk", Principal.Key(p))); }
        if (q.RoleIds is { Count: > 0 } roles)
            where.Add($"q.role_id IN ({string.Join(", ", roles.Select((r, i) => { ps.Add(("@r" + i, r)); return "@r" + i; }))})");
        if (q.Action is { Length: > 0 } actions)
            where.Add($"q.action IN ({string.Join(", ", actions.Select((a, i) => { ps.Add(("@a" + i, a)); return "@a" + i; }))})");
        var statuses = q.PendingMyApproval ? [PimRequestStatus.PendingApproval] : q.Status;
        if (statuses is { Length: > 0 })
        {
            var parts = new List<string>();
            foreach (var s in statuses.Distinct())
            {
                parts.Add(s switch
                {
                    PimRequestStatus.PendingApproval => "(q.status = 'PendingApproval' AND q.created_utc > @cut)",
                    PimRequestStatus.Expired => "(q.status = 'Expired' OR (q.status = 'PendingApproval' AND q.created_utc <= @cut))",
                    _ => $"q.status = '{s}'",
                });
            }
            where.Add("(" + string.Join(" OR ", parts) + ")");
        }
        var sql = Select + (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "") + " ORDER BY q.created_utc, q.request_id";
        var rows = work.Stream(sql, r => (Row: MapRow(r), Role: r.GetStringOrNull("role_name")), ps.ToArray());
        if (q.PendingMyApproval)
        {
            var list = rows.ToList();
            foreach (var x in list)
                if (Approvals.MayApprove(work, x.Row, work.Actor))
                    yield return ToOutput(x.Row, x.Role, now);
            yield break;
        }
        foreach (var x in rows) yield return ToOutput(x.Row, x.Role, now);
    }
}
