using PimModule.Kernel;
using PimModule.Storage;
using PimModule.Audit.Events;
using PimModule.Policy;
using PimModule.Audit;
using PimModule.Errors;
using PimModule.Identity;
using PimModule.Notifications;
using PimModule.Roles;
using PimModule.Validation;

namespace PimModule.Requests;

/// <summary>
/// Deciding pending requests: approving (which provisions an activation, or applies an extension), denying, and the
/// requester's cancel. The first decision wins: a request is closed only while it is still pending, in one statement.
/// </summary>
internal sealed class RequestDecisions
{
    private readonly StoreSession _store;
    public RequestDecisions(StoreSession store) => _store = store;

    private static RequestRow FindRequest(UnitOfWork work, Guid id)
        => RequestsTable.Find(work, id)
           ?? throw PimErrors.RequestNotFound($"There is no request with id {id}.", id, "List requests with Get-PimRequest.");

    /// <summary>The one telling of a request no longer waiting (decided, canceled or expired), with what happened to it.</summary>
    private static PimException NotPending(RequestRow q, DateTime now, string what)
        => PimErrors.RequestNotPending($"Request {q.Id} ({q.Action} '{q.Principal}') cannot be {what}: it is {RequestsTable.StatusAt(q, now)}" +
            (q.ApprovedBy is not null ? $" (decided by {q.ApprovedBy} at {q.Decided:u})" : "") + ". The first decision stands.",
            q.Id, "Only pending requests can be decided or canceled; see Get-PimRequest -Status PendingApproval.");

    /// <summary>Closes a request still pending now; when it is not (someone decided first), refuses with what happened to it.</summary>
    private static void Close(UnitOfWork work, RequestRow q, PimRequestStatus status, string? decidedBy, string? justification, string what,
        Guid? assignmentId = null, DateTime? start = null, DateTime? end = null)
    {
        if (!RequestsTable.Close(work, q.Id, status, decidedBy, RequestRow.Text(justification), work.Now, assignmentId, start, end))
            if (FindRequest(work, q.Id) is var now && RequestsTable.StatusAt(now, work.Now) != PimRequestStatus.PendingApproval) throw NotPending(now, work.Now, what);
    }

    private sealed record Plan(RequestRow Request, PimRole Role, RolePolicy Policy);

    private static Plan PlanDecision(UnitOfWork work, Guid requestId, string? justification, RequestCommand command)
    {
        Input.Text(justification, "Justification", Input.JustificationLength);
        var q = FindRequest(work, requestId);
        var role = RoleService.Resolve(work, new PimRoleReference(q.RoleId));
        var policy = SettingsService.Load(work, q.RoleId);
        Judge(work, q, role, policy, command, justification);
        return new Plan(q, role, policy);
    }

    /// <summary>
    /// The kernel's decision (<see cref="RequestDecisionRules"/>) on the request as the tables have it now, by the acting
    /// principal: what it does, or its refusal told as this cmdlet's error.
    /// </summary>
    private static RequestDecisionVerdict Judge(UnitOfWork work, RequestRow q, PimRole role, RolePolicy policy, RequestCommand command, string? justification)
    {
        var decisions = RequestApprovalsTable.For(work, q.Id);
        var waiting = new WaitingRequest(Principal.Fold(q.Principal), q.Status == PimRequestStatus.PendingApproval, q.StageStart,
            decisions.Select(d => d.Key).ToHashSet(StringComparer.Ordinal), Approvals.Entitled(work, q, work.Now),
            decisions.Where(d => d.Stage == q.Stage && d.Decision == RequestApprovalsTable.Approve).Select(d => d.Key).ToList(),
            Approvals.StageOf(work, q), Approvals.IsLastStage(work, q));
        var verdict = RequestDecisionRules.Decide(command, waiting, Principal.Fold(work.Actor), justification, policy, work.Now);
        if (verdict.Refusal is { } why) throw Refused(work, q, role, why, decisions, command);
        return verdict;
    }

    /// <summary>A refusal of <see cref="RequestDecisionRules"/>, as the ErrorRecord Approve-, Deny- and Stop-PimRequest give.</summary>
    private static PimException Refused(UnitOfWork work, RequestRow q, PimRole role, RequestDecisionRefusal why, IReadOnlyList<RequestApprovalsTable.Row> decisions,
        RequestCommand command)
    {
        var what = command switch { RequestCommand.Approve => "approved", RequestCommand.Deny => "denied", _ => "canceled" };
        switch (why)
        {
            case RequestDecisionRefusal.NotPending or RequestDecisionRefusal.Expired:
                return NotPending(q, work.Now, what);
            case RequestDecisionRefusal.NotRequester:
                return PimErrors.NotRequester($"Request {q.Id} was made by {q.Principal}; only the requester can cancel it.", q.Id,
                    "Approvers decide others' requests with Approve-PimRequest or Deny-PimRequest.");
            case RequestDecisionRefusal.OwnRequest:
                return PimErrors.CannotDecideOwnRequest($"{work.Actor} made request {q.Id} and cannot decide it; requesters never approve their own requests.", q.Id,
                    "Ask one of the role's approvers to decide it.");
            case RequestDecisionRefusal.DecidedAlready when decisions.FirstOrDefault(d => d.Key == Principal.Fold(work.Actor)) is { } mine:
                // Read again: a request that decision closed meanwhile (the same principal in another window) is not pending.
                if (FindRequest(work, q.Id) is var now && RequestsTable.StatusAt(now, work.Now) != PimRequestStatus.PendingApproval)
                    return NotPending(now, work.Now, what);
                return PimErrors.AlreadyDecided($"{work.Actor} already decided request {q.Id} ({mine.Decision} in stage {mine.Stage} at {mine.Decided:u}); no principal decides a request twice.",
                    q.Id, "Ask another approver of the stage to decide it; see Get-PimRequest -RequestId " + q.Id + " for who may still decide.");
            case RequestDecisionRefusal.JustificationRequired:
                return PimErrors.JustificationRequired($"The settings of '{role.Name}' require approvers to give a reason (RequireApproverJustification).", q.Id,
                    "Give -Justification with the reason for your decision.");
            case RequestDecisionRefusal.NotApprover or RequestDecisionRefusal.DecidedAlready:
                var deciders = Approvals.MayDecide(work, q, work.Now, decisions);
                var stages = Approvals.StageCount(work, q);
                var stage = stages > 1 ? $" in stage {q.Stage} of {stages}" : "";
                var escalation = Approvals.EscalationOpensAt(work, q) is { } opens && work.Now < opens
                                                                     && Approvals.EscalationApproversOf(work, q).Contains(work.Actor, Principal.Comparer)
                    ? $" {work.Actor} is an escalation approver of the stage and may decide from {opens:yyyy-MM-dd HH:mm} UTC, once the stage has waited that long without its quorum."
                    : "";
                return PimErrors.NotApprover($"{work.Actor} is not an approver of '{role.Name}' requests{stage} now. Who may decide: {(deciders.Count == 0 ? "(nobody now)" : string.Join(", ", deciders))}.{escalation}",
                    q.Id, "Ask one of them to decide it (when the role lists no approvers for the stage, a Privileged Role Administrator or Global Administrator).");
            default:
                throw new InvalidOperationException($"{command} of request {q.Id} was refused as {why}, which this cmdlet never asks.");
        }
    }

    /// <summary>
    /// Takes the request for this decision: its row is locked, so two deciders of one request queue up and the second one
    /// sees the first one's decision; refused when the request is no longer pending in the stage that was planned. Returns
    /// the kernel's decision on the request as it is now, locked.
    /// </summary>
    private static RequestDecisionVerdict Take(UnitOfWork work, Plan p, RequestCommand command, string? justification)
    {
        if (RequestsTable.TakeForDecision(work, p.Request.Id, p.Request.Stage, work.Now))
            return Judge(work, FindRequest(work, p.Request.Id), p.Role, p.Policy, command, justification);
        var now = FindRequest(work, p.Request.Id);
        if (RequestsTable.StatusAt(now, work.Now) != PimRequestStatus.PendingApproval) throw NotPending(now, work.Now, command == RequestCommand.Approve ? "approved" : "denied");
        throw PimErrors.RequestNotPending($"Request {now.Id} moved from stage {p.Request.Stage} to stage {now.Stage} while the decision was made; nothing was recorded.",
            now.Id, "Look at the request again (Get-PimRequest -RequestId " + now.Id + ") and decide it in its current stage.");
    }

    public PimRequest? Approve(Guid requestId, string? justification, Func<PimChange, bool>? confirm) => _store.Change(
        work => PlanDecision(work, requestId, justification, RequestCommand.Approve),
        p => new PimChange($"{p.Request.Action} '{p.Role.Name}' for {p.Request.Principal} ({p.Request.Id})", "Approve request"),
        (work, p) =>
        {
            var verdict = Take(work, p, RequestCommand.Approve, justification);
            var q = p.Request;
            RequestApprovalsTable.Insert(work, new RequestApprovalsTable.Row(q.Id, work.Actor, q.Stage, RequestApprovalsTable.Approve, RequestRow.Text(justification), work.Now));
            var (approvals, required) = (verdict.Counted, verdict.Required);
            if (verdict.Outcome != RequestOutcome.Provisioned)
            {
                // A stage approval: recorded; with the stage's quorum the request moves to the next stage.
                var advances = verdict.Outcome == RequestOutcome.StageApproved;
                if (advances) RequestsTable.Advance(work, q.Id, q.Stage, work.Now); // the row is ours since Take
                AuditLog.Append(work, new RequestApproved(q.Id, q.RoleId, q.Principal, q.Stage, new RequestDecision(nameof(PimRequestStatus.PendingApproval),
                    advances ? q.Stage + 1 : q.Stage, advances ? "StageApproved" : "Recorded", work.Actor, null, RequestRow.Text(justification), null, approvals, required)));
                var moved = FindRequest(work, q.Id);
                if (advances) Events.StageApproved(work, moved, p.Role, q.Stage);
                return RequestService.ToOutput(work, moved, p.Role.Name, work.Now);
            }
            Guid? assignmentId = null;
            AssignmentRow? activation = null;
            if (q.Action == PimRequestAction.SelfActivate) assignmentId = (activation = ProvisionActivation(work, q, p, justification)).Id;
            else if (q.Action is PimRequestAction.SelfExtend or PimRequestAction.SelfRenew)
            {
                Close(work, q, PimRequestStatus.Provisioned, work.Actor, justification, "decided", q.TargetAssignmentId);
                assignmentId = ApplyExtension(work, q);
            }
            else Close(work, q, PimRequestStatus.Provisioned, work.Actor, justification, "decided");
            AuditLog.Append(work, new RequestApproved(q.Id, q.RoleId, q.Principal, q.Stage, new RequestDecision(nameof(PimRequestStatus.Provisioned),
                q.Stage, "Provisioned", work.Actor, null, RequestRow.Text(justification), assignmentId, approvals, required)));
            // The activation the approval provisions, logged after the approval that entitles it.
            if (activation is not null)
                AuditLog.Append(work, new SelfActivated(activation));
            var decided = FindRequest(work, q.Id);
            Events.RequestDecided(work, decided, p.Role);
            return RequestService.ToOutput(work, decided, p.Role.Name, work.Now);
        },
        confirm);

    /// <summary>
    /// An approved activation: active from the approval (or the requested start, when later) for the requested duration,
    /// within the eligibility it comes from as it stands now.
    /// </summary>
    private static AssignmentRow ProvisionActivation(UnitOfWork work, RequestRow q, Plan p, string? justification)
    {
        var start = q.Start is { } s && s > work.Now ? s : work.Now;
        var eligible = Kernel.EligibilityRules.Source(Eligibility.Held(work, q.Principal, q.RoleId), q.Scope, start)
            ?? throw PimErrors.NotEligible($"{q.Principal} is no longer eligible for '{p.Role.Name}' at {q.Scope}, so the request cannot be approved.", q.Id,
                "Deny the request, or restore the eligible assignment first.");
        var end = Eligibility.End(eligible, start, q.Duration ?? p.Policy.ActivationMaxDuration);
        var row = new AssignmentRow(Ids.New(), q.Principal, q.RoleId, q.Scope, PimAssignmentType.Active, PimMemberType.Activated,
            start, end, q.Justification, q.TicketNumber, q.TicketSystem, q.Principal, work.Now, q.Id, eligible.Id);
        Close(work, q, PimRequestStatus.Provisioned, work.Actor, justification, "decided", row.Id, start, end);
        row.Add(work);
        return row;
    }

    /// <summary>An approved extension: the administrator's AdminExtend (or AdminRenew) of the assignment; it never shortens it.</summary>
    private static Guid ApplyExtension(UnitOfWork work, RequestRow q)
    {
        var a = SelfService.FindAssignment(work, q.TargetAssignmentId ?? Guid.Empty);
        if (a.End is not { } currentEnd) return a.Id;                // permanent meanwhile: nothing to extend
        var renew = currentEnd <= work.Now;
        var start = renew ? work.Now : a.Start;
        var asked = work.Now + (q.Duration ?? TimeSpan.FromDays(30));
        var end = !renew && currentEnd > asked ? currentEnd : asked;   // an approved extension never shortens
        var action = renew ? PimRequestAction.AdminRenew : PimRequestAction.AdminExtend;
        var adminRequest = Ids.New();
        RequestsTable.Insert(work, new RequestRow(adminRequest, action, PimRequestStatus.Provisioned, a.Principal, a.RoleId, a.Scope, a.Type,
            end - start, start, end, q.Justification, null, null, work.Actor, work.Now, Decided: work.Now, AssignmentId: a.Id, TargetAssignmentId: a.Id));
        AssignmentsTable.ForRequests.Reschedule(work, a.Id, start, end, adminRequest);
        AuditLog.Append(work, AssignmentChange.Of(action, a, a with { Start = start, End = end }));
        return a.Id;
    }

    public PimRequest? Deny(Guid requestId, string? justification, Func<PimChange, bool>? confirm) => _store.Change(
        work => PlanDecision(work, requestId, justification, RequestCommand.Deny),
        p => new PimChange($"{p.Request.Action} '{p.Role.Name}' for {p.Request.Principal} ({p.Request.Id})", "Deny request"),
        (work, p) =>
        {
            // Any one decider of the current stage ends the request.
            Take(work, p, RequestCommand.Deny, justification);
            RequestApprovalsTable.Insert(work, new RequestApprovalsTable.Row(p.Request.Id, work.Actor, p.Request.Stage, RequestApprovalsTable.Deny, RequestRow.Text(justification), work.Now));
            Close(work, p.Request, PimRequestStatus.Denied, work.Actor, justification, "decided");
            AuditLog.Append(work, new RequestDenied(p.Request.Id, p.Request.RoleId, p.Request.Principal, p.Request.Stage, work.Actor, RequestRow.Text(justification)));
            var decided = FindRequest(work, p.Request.Id);
            Events.RequestDecided(work, decided, p.Role);
            return RequestService.ToOutput(work, decided, p.Role.Name, work.Now);
        },
        confirm);

    /// <summary>Cancels one's own pending request.</summary>
    public PimRequest? Cancel(Guid requestId, Func<PimChange, bool>? confirm) => _store.Change(
        work =>
        {
            var q = FindRequest(work, requestId);
            var role = RoleService.Resolve(work, new PimRoleReference(q.RoleId));
            // Giving up access is never refused by the self-service limit: it is bounded by the activation or request it ends,
            // which the limit counted (issue 28, review of finding 5).
            Judge(work, q, role, SettingsService.LoadOnce(work, q.RoleId), RequestCommand.Cancel, null);
            return (Request: q, Role: role);
        },
        p => new PimChange($"{p.Request.Action} '{p.Role.Name}' ({p.Request.Id})", "Cancel request"),
        (work, p) =>
        {
            Close(work, p.Request, PimRequestStatus.Canceled, null, null, "canceled");
            AuditLog.Append(work, new RequestCanceled(p.Request.Id, p.Request.RoleId, p.Request.Principal));
            return RequestService.ToOutput(work, FindRequest(work, p.Request.Id), p.Role.Name, work.Now);
        },
        confirm);
}
