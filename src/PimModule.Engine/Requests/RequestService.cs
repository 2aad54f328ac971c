using PimModule.Storage;
using PimModule.Identity;
using PimModule.Interop;
using PimModule.Policy;
using PimModule.Validation;

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

/// <summary>The request records: reading them (what changes them is ActivationService's).</summary>
public sealed partial class RequestService
{
    private readonly StoreSession _store;
    private readonly Roles.RoleService _roles;

    internal RequestService(StoreSession store, Roles.RoleService roles)
    {
        _store = store;
        _roles = roles;
    }

    /// <summary>A request as Get-PimRequest shows it, with its decisions and (pending) who may still decide.</summary>
    internal static PimRequest ToOutput(UnitOfWork work, RequestRow q, string? roleName, DateTime now)
        => ToOutput(work, q, roleName, now, RequestApprovalsTable.Of(work, q));

    internal static PimRequest ToOutput(UnitOfWork work, RequestRow q, string? roleName, DateTime now, IReadOnlyList<RequestApprovalsTable.Row> decisions)
    {
        var status = RequestsTable.StatusAt(q, now);
        return new()
        {
            RequestId = q.Id, Action = q.Action, Status = status, Principal = q.Principal, Role = roleName ?? q.RoleId.ToString(),
            RoleId = q.RoleId, Scope = q.Scope, AssignmentType = q.AssignmentType, Duration = q.Duration, StartDateTime = q.Start,
            EndDateTime = q.End, Justification = q.Justification, TicketNumber = q.TicketNumber, TicketSystem = q.TicketSystem,
            CreatedBy = q.CreatedBy, CreatedDateTime = q.Created, ApprovedBy = q.ApprovedBy, DecisionJustification = q.DecisionJustification,
            DecidedDateTime = q.Decided, AssignmentId = q.AssignmentId ?? q.TargetAssignmentId, AuthenticationContextId = q.AuthenticationContext,
            Stage = (int)q.Stage,
            Approvals = new PimApprovalDecisionList(decisions.Select(d => new PimApprovalDecision
            {
                Stage = (int)d.Stage, Approver = d.Approver, Decision = d.Decision, Justification = d.Justification, DateTime = d.Decided,
            }).ToList()),
            PendingApprovers = status == PimRequestStatus.PendingApproval ? new PimPrincipalList(Approvals.MayDecide(work, q, now, decisions)) : new(),
        };
    }

    public IEnumerable<PimRequest> Query(PimRequestQuery q)
    {
        // Role names first, on their own read: the rows below stream on a connection that runs nothing else meanwhile.
        var names = _roles.List().ToDictionary(r => r.Id, r => r.Name);
        foreach (var request in _store.Stream(work => QueryCore(work, q, names))) yield return request;
    }

    private static IEnumerable<PimRequest> QueryCore(UnitOfWork work, PimRequestQuery q, Dictionary<Guid, string> names)
    {
        var now = q.AsOf is { } asOf ? Times.Utc(asOf, "AsOf") : work.Now;
        // Who may decide a pending request is asked of the policies and the administrators: read them before the rows
        // stream on the connection (PostgreSQL runs one command at a time on it).
        SettingsService.LoadAllOnce(work);
        _ = Authorization.Administrators(work);
        // Everyone reads their own requests (as the principal or who made them), approvers those pending their approval and
        // those they decided; the roles that read PIM read all (docs/security.md, "Who may read what").
        var all = Authorization.ReadsEverything(work);
        bool Readable(PimRequest r) => all || Principal.Same(r.Principal, work.Actor) || Principal.Same(r.CreatedBy, work.Actor)
                                       || r.PendingApprovers.Contains(work.Actor, Principal.Comparer)
                                       || r.Approvals.Any(d => Principal.Same(d.Approver, work.Actor)) || Principal.Same(r.ApprovedBy, work.Actor);
        var rows = RequestsTable.List(work, now, q.RequestId, q.Principal is { } p ? DirectoryMap.Canonical(work, p, "Principal") : null, q.RoleIds, q.Action,
            q.PendingMyApproval ? [PimRequestStatus.PendingApproval] : q.Status);
        string? Name(RequestRow r) => names.GetValueOrDefault(r.RoleId);
        if (q.PendingMyApproval)
        {
            // Who may approve is asked of the store: read the rows to the end first.
            foreach (var row in rows.ToList())
                if (ToOutput(work, row, Name(row), now) is var request && request.PendingApprovers.Contains(work.Actor, Principal.Comparer))
                    yield return request;
            yield break;
        }
        foreach (var row in rows)
            if (ToOutput(work, row, Name(row), now) is var request && Readable(request))
                yield return request;
    }
}
