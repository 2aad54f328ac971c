using PimModule.Audit.Events;
using PimModule.Checkpoint;
using PimModule.Identity.Keys;
using PimModule.Kernel;
using PimModule.Policy;
using RequestState = PimModule.Checkpoint.VerifiedState.RequestState;

namespace PimModule.Requests;

/// <summary>
/// The decisions on sealed request records, from the verified state so far (the state replay asks): a request made by its
/// principal, accepted as <see cref="RequestAcceptance"/> says; an approval, denial, cancel or expiry as the kernel's
/// <see cref="RequestDecisionRules.Decide"/> says on the request as the verified state has it.
/// </summary>
internal static class RequestRecords
{
    private const string Kind = "Request";

    /// <param name="verifierNow">The verifier's clock (an expiry is due by it too).</param>
    public static RecordVerdict Decide(SealedRecord r, SealContext ctx, CheckpointTables view, DateTime verifierNow)
    {
        if (r.TargetId is not { } id || !Guid.TryParse(id, out _)) return RecordVerdict.Refused(Kind, "it names no request");
        id = id.ToLowerInvariant();
        var current = view.Request(id);
        return r.Action switch
        {
            "SelfActivate" or "SelfExtend" or "SelfRenew" => current is not null ? RecordVerdict.Refused(Kind, "the request exists already") : Made(r, ctx, view, id),
            "ApproveRequest" or "DenyRequest" or "CancelRequest" or "ExpireRequest" => current is null
                ? RecordVerdict.Refused(Kind, "it decides no verified request") : Decided(r, ctx, view, current, verifierNow),
            _ => RecordVerdict.Refused(Kind, $"'{r.Action}' does not change requests"),
        };
    }

    private static RecordVerdict Made(SealedRecord r, SealContext ctx, CheckpointTables view, string id)
    {
        if (!ctx.Trusted && r.PrincipalKey != ctx.Actor) return RecordVerdict.Refused(Kind, $"{ctx.Actor} made a request for {r.PrincipalKey}");
        if (r.PrincipalKey is not { } principal || !Guid.TryParse(r.RoleId, out var role)) return RecordVerdict.Refused(Kind, "it names no principal or role");
        var roleId = role.ToString("D");
        // What the request asks, as its event type (Audit/Events/RequestEvents.cs) reads it.
        var activation = r.Action == "SelfActivate" ? EventJson.Read<ActivationRequest>(r.AfterJson) : null;
        var extension = r.Action == "SelfActivate" ? null : EventJson.Read<ExtensionRequest>(r.AfterJson);
        if (activation is null && extension is null) return RecordVerdict.Refused(Kind, "its request does not parse");
        var status = activation is null ? "PendingApproval" : activation.Status;
        if (status is not ("PendingApproval" or "Provisioned")) return RecordVerdict.Refused(Kind, "a new request is pending or provisioned");
        // An activation names the assignment it provisioned (none while pending); an extension the assignment it extends.
        var assignment = activation?.AssignmentId?.ToString("D");
        var target = extension?.AssignmentId?.ToString("D");
        var scope = activation is not null ? activation.Scope : target is null ? null : view.Assignment(target)?.Scope;
        // What the approver decides on: the duration asked (the activation's, or the extension's).
        long? duration = (activation?.Asked ?? extension?.Asked)?.Ticks;
        if (!ctx.Trusted && activation is not null)
        {
            // The request rules, under the settings it was made under, at the record's own time.
            var pending = view.PendingActivations(principal, roleId).Select(q => (new DateTime(q.StageStartedTicks, DateTimeKind.Utc), q.Scope));
            if (RequestAcceptance.WhyNot(activation, new DateTime(r.AtTicks, DateTimeKind.Utc), roleId, principal, scope, duration, SettingRecords.VerifiedPolicy(view, roleId),
                    view.Held(principal, roleId), pending) is { } bad) return RecordVerdict.Refused(Kind, bad);
        }
        // What the requester wrote, as sealed: the justification (and an activation's ticket number) the approver reads.
        var textsSealed = activation?.HasTexts ?? extension!.HasTexts;
        return RecordVerdict.Counts(Kind, new RequestAdded(new RequestState(id, r.Action, status, principal, roleId, scope, target, assignment, r.AtTicks, duration,
            1, r.AtTicks, textsSealed ? activation?.Justification ?? extension?.Justification : null, textsSealed ? activation?.TicketNumber : null, textsSealed ? 1 : 0)));
    }

    private static RecordVerdict Decided(SealedRecord r, SealContext ctx, CheckpointTables view, RequestState current, DateTime verifierNow)
    {
        var command = r.Action switch
        {
            "ApproveRequest" => RequestCommand.Approve, "DenyRequest" => RequestCommand.Deny, "CancelRequest" => RequestCommand.Cancel, _ => RequestCommand.Expire,
        };
        var decided = command is RequestCommand.Approve or RequestCommand.Deny ? EventJson.Read<RequestDecision>(r.AfterJson) : null;
        // The kernel's decision (RequestDecisionRules) on the request as the verified state has it, at the verified time
        // (an expiry: due by the chain's time and by the record's own). The genesis transaction is the root's and judged by
        // nothing but that the request waits and nobody decides twice; its approvals count towards the quorum.
        var t = ctx.VerifiedAtTicks;
        var stageStart = new DateTime(current.StageStartedTicks, DateTimeKind.Utc);
        var policy = SettingRecords.PolicyOf(view, current.RoleId);
        // The stage it waits in (none: an extension, decided by administrators in one stage); who could decide it then: the
        // stage's listed approvers, else the administrators, and its escalation approvers once escalation opened.
        var stage = current.Action == "SelfActivate" ? policy.Stage((int)current.Stage) : null;
        var entitled = ApprovalRules.Entitled(stage, view.AdministratorsAt(t), stageStart, new DateTime(t, DateTimeKind.Utc));
        if (ctx.Trusted) entitled.Add(ctx.Actor);
        var decisions = view.Decisions(current.Id);
        var waiting = new WaitingRequest(current.PrincipalKey, current.Status == "PendingApproval", stageStart,
            decisions.Select(d => d.Key).ToHashSet(StringComparer.Ordinal), entitled,
            decisions.Where(d => d.Stage == current.Stage && d.Decision == "Approve").Select(d => d.Key).ToList(),
            stage, stage is null || policy.IsLastStage((int)current.Stage));
        var at = new DateTime(command == RequestCommand.Expire ? Math.Min(t, r.AtTicks) : t, DateTimeKind.Utc);
        var verdict = !ctx.Trusted || command == RequestCommand.Expire
            ? RequestDecisionRules.Decide(command, waiting, ctx.Actor, decided?.Justification, policy, at)
            : !waiting.StillPending ? new RequestDecisionVerdict(RequestDecisionRefusal.NotPending, null)
            : command != RequestCommand.Cancel && waiting.DecidedBy.Contains(ctx.Actor) ? new RequestDecisionVerdict(RequestDecisionRefusal.DecidedAlready, null)
            : RequestDecisionRules.Outcome(command, waiting, ctx.Actor);
        if (verdict.Refusal is { } refused) return RecordVerdict.Refused(Kind, RequestRefusals.Reason(refused, ctx.Actor, current.Status, current.Stage));
        if (command == RequestCommand.Expire && !RequestLifetime.HasExpired(stageStart, verifierNow + TimeRule.Skew))
            return RecordVerdict.Refused(Kind, "it was not due: the request's 24 hours have not passed yet");
        var changes = new List<CheckpointChange>();
        if (command is RequestCommand.Approve or RequestCommand.Deny)
            changes.Add(new DecisionAdded(current.Id, ctx.Actor, current.Stage, command == RequestCommand.Approve ? "Approve" : "Deny", r.AtTicks));
        switch (verdict.Outcome)
        {
            case RequestOutcome.Recorded: break;
            case RequestOutcome.StageApproved: changes.Add(new StageAdvanced(current.Id, r.AtTicks)); break;
            default:
                // An approved activation names the assignment it provisions, which its transaction then writes.
                var provisioned = command == RequestCommand.Approve && current.Action == "SelfActivate" ? decided?.AssignmentId?.ToString("D") : null;
                changes.Add(new RequestClosed(current.Id, verdict.Outcome!.Value.ToString(), provisioned, r.AtTicks,
                    provisioned is null ? null : new ApprovedActivation(current.PrincipalKey, current.RoleId, current.Scope, current.DurationTicks)));
                break;
        }
        return RecordVerdict.Counts(Kind, [.. changes]);
    }
}
