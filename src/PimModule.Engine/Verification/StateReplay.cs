using PimModule.Checkpoint;
using PimModule.Kernel;
using Dapper;
using Microsoft.Data.Sqlite;
using PimModule.Identity.Keys;
using PimModule.Audit.Events;
using PimModule.Policy;
using PimModule.Validation;

namespace PimModule.Verification;

/// <summary>
/// Applies verified records to a checkpoint's state, each only when its sealing actor was entitled to it at that point
/// of the chain (judged by the state replayed so far, never by the store's tables):
/// <list type="bullet">
/// <item>assignments: Admin* by an administrator (an active Privileged Role Administrator or Global Administrator at '/');
/// an activation by its eligible principal when the role's verified policy needs no approval, or by an approver of a
/// verified pending request; a deactivation by its holder (it only ends the activation);</item>
/// <item>requests: made by their principal; approved or denied by a listed (else default) approver who is not the
/// requester, while pending; canceled by the requester; expired by anyone once 24 hours passed without a decision;</item>
/// <item>role settings and mail settings: by an administrator; queued notices: by any registered principal;</item>
/// <item>pruning: by an administrator, of what ended 30 days before;</item>
/// <item>access reviews: started and completed by an administrator (each item a verified direct assignment of the role,
/// as it is verified); an item decided by a named reviewer who does not hold it, or in a self review by its holder,
/// while the review is open and before its end.</item>
/// </list>
/// The genesis transaction and the Lab past a Protect-PimStore endorsed are applied as they are. A change its actor was
/// not entitled to counts for nothing, and is noted (Test-PimAuditLog reports it).
/// </summary>
/// <param name="watchFrom">The first record of a session's own change (PrepareOwn): the first of those that counts for nothing is <see cref="OwnRefusal"/>.</param>
internal sealed partial class StateReplay(SqliteConnection db, SqliteTransaction tx, DateTime verifierNow, Action<long>? progress, long watchFrom = long.MaxValue)
    : IDisposable
{
    /// <summary>Why the first record from <c>watchFrom</c> on counts for nothing (null: each of them counts).</summary>
    public string? OwnRefusal { get; private set; }

    /// <summary>The checkpoint's tables, read and moved in the replay's transaction.</summary>
    private readonly CheckpointTables view = new(db, tx);

    public void Dispose() => view.Dispose();

    /// <summary>Who acted last, and when, by the verified records (StaleSignIn, access review recommendations): written by <see cref="Flush"/>.</summary>
    private readonly Dictionary<string, long> _acted = new(StringComparer.Ordinal);

    /// <summary>Writes what is kept in memory while records stream past (before the checkpoint's head moves, in its transaction).</summary>
    public void Flush()
    {
        view.NoteActivity(_acted);
        _acted.Clear();
    }

    /// <summary>How far clocks may differ: the time rule's (Kernel/TimeRule.cs), not a second one.</summary>
    private static readonly TimeSpan Skew = TimeRule.Skew;

    private long _transaction = -1;
    // Within one transaction (its records may claim different times): by principal and time.
    private readonly Dictionary<(string, long), bool> _isAdmin = [];
    private readonly Dictionary<long, HashSet<string>> _admins = [];
    private readonly Dictionary<string, (string PrincipalKey, string RoleId, string? Scope, long? DurationTicks)> _approved = new(StringComparer.OrdinalIgnoreCase);
    private long _seen;

    public void Observe(SealedRecord r, SealContext ctx)
    {
        if (ctx.Transaction != _transaction)
        {
            _transaction = ctx.Transaction;
            _isAdmin.Clear();
            _admins.Clear();
            _approved.Clear();
        }
        if (++_seen % 10000 == 0) progress?.Invoke(r.Sequence);
        // A record whose time the time rule does not believe (Kernel/TimeRule.cs) changes nothing, whatever it is.
        if (!ctx.Trusted && ctx.Time != RecordTime.Counts)
        {
            Refuse(r, r.TargetType ?? "Record", ctx.TimeWhy ?? "its time does not count", ctx.Time.ToString());
            return;
        }
        // Judged under the rules version its seal names (Kernel/RulesVersion.cs): this PimModule knows only the ones it can
        // judge (a seal of another is refused before it gets here); a later version branches here where it decides otherwise.
        if (!RulesVersion.Knows(ctx.Rules)) throw new InvalidOperationException($"Rules version {ctx.Rules} reached the replay.");
        // Every verified record is its sealer's activity (entitled to it or not: they acted).
        if (!_acted.TryGetValue(ctx.Actor, out var lastActed) || lastActed < r.AtTicks) _acted[ctx.Actor] = r.AtTicks;
        switch (r.TargetType)
        {
            case "Assignment": Assignment(r, ctx); break;
            case "Request": Request(r, ctx); break;
            case "RoleSetting": Policy(r, ctx); break;
            case "MailSetting": Mail(r, ctx); break;
            case "Notification": Notifications(r, ctx); break;
            case "DirectoryObject": DirectoryObject(r, ctx); break;
            case "AccessReview": Review(r, ctx); break;
            case "AccessReviewItem": ReviewItem(r, ctx); break;
            case "Store" when r.Action == "PruneHistory": Prune(r, ctx); break;
            case "Store" when r.Action == Seals.ProtectAction && ctx.Trusted: Protect(r); break;
            case "Store" when r.Action == PimStore.MigrateAction:
                // A schema migration of a Verified store is an administrator's sealed change.
                if (!ctx.Trusted && !IsAdmin(ctx.Actor, ctx.VerifiedAtTicks)) Refuse(r, "Record", $"{ctx.Actor} was not an administrator there (a schema migration is an administrator's change)");
                break;
        }
    }

    // ---- requests ----------------------------------------------------------------------------------------

    private void Request(SealedRecord r, SealContext ctx)
    {
        if (r.TargetId is not { } id || !Guid.TryParse(id, out _)) { Refuse(r, "Request", "it names no request"); return; }
        id = id.ToLowerInvariant();
        var t = ctx.VerifiedAtTicks;
        var current = view.Request(id);
        switch (r.Action)
        {
            case "SelfActivate" or "SelfExtend" or "SelfRenew":
            {
                if (current is not null) { Refuse(r, "Request", "the request exists already"); return; }
                if (!ctx.Trusted && r.PrincipalKey != ctx.Actor) { Refuse(r, "Request", $"{ctx.Actor} made a request for {r.PrincipalKey}"); return; }
                if (r.PrincipalKey is null || !Guid.TryParse(r.RoleId, out var role)) { Refuse(r, "Request", "it names no principal or role"); return; }
                // What the request asks, as its event type (Audit/Events/RequestEvents.cs) reads it.
                var activation = r.Action == "SelfActivate" ? EventJson.Read<ActivationRequest>(r.AfterJson) : null;
                var extension = r.Action == "SelfActivate" ? null : EventJson.Read<ExtensionRequest>(r.AfterJson);
                if (activation is null && extension is null) { Refuse(r, "Request", "its request does not parse"); return; }
                var status = activation is null ? "PendingApproval" : activation.Status;
                if (status is not ("PendingApproval" or "Provisioned")) { Refuse(r, "Request", "a new request is pending or provisioned"); return; }
                // An activation names the assignment it provisioned (none while pending); an extension the assignment it extends.
                var assignment = activation?.AssignmentId?.ToString("D");
                var target = extension?.AssignmentId?.ToString("D");
                var scope = activation is not null ? activation.Scope : target is null ? null : view.Assignment(target)?.Scope;
                // What the approver decides on: the duration asked (the activation's, or the extension's).
                long? duration = (activation?.Asked ?? extension?.Asked)?.Ticks;
                if (!ctx.Trusted && activation is not null)
                {
                    // The kernel's request rules (ActivationRules), under the settings it was made under, at the record's own time.
                    var roleId = role.ToString("D");
                    var pending = view.PendingActivations(r.PrincipalKey, roleId).Select(q => (new DateTime(q.StageStartedTicks, DateTimeKind.Utc), q.Scope)).ToList();
                    if (Requests.RequestAcceptance.WhyNot(activation, new DateTime(r.AtTicks, DateTimeKind.Utc), roleId, r.PrincipalKey, scope, duration, PolicyRules(roleId),
                            view.Held(r.PrincipalKey, roleId), pending) is { } bad) { Refuse(r, "Request", bad); return; }
                }
                // What the requester wrote, as sealed: the justification (and an activation's ticket number) the approver reads.
                var textsSealed = activation?.HasTexts ?? extension!.HasTexts;
                view.AddRequest(id, r.Action, status, r.PrincipalKey, role.ToString("D"), scope, target, assignment, r.AtTicks, duration,
                    textsSealed ? activation?.Justification ?? extension?.Justification : null, textsSealed ? activation?.TicketNumber : null, textsSealed);
                return;
            }
            case "ApproveRequest" or "DenyRequest" or "CancelRequest" or "ExpireRequest":
            {
                if (current is null) { Refuse(r, "Request", "it decides no verified request"); return; }
                var command = r.Action switch
                {
                    "ApproveRequest" => RequestCommand.Approve, "DenyRequest" => RequestCommand.Deny, "CancelRequest" => RequestCommand.Cancel, _ => RequestCommand.Expire,
                };
                var decided = command is RequestCommand.Approve or RequestCommand.Deny ? EventJson.Read<RequestDecision>(r.AfterJson) : null;
                // The kernel's decision (RequestDecisionRules) on the request as the verified state has it, at the verified time
                // (an expiry: due by the chain's time and by the record's own). The genesis transaction is the root's and judged by
                // nothing but that the request waits and nobody decides twice; its approvals count towards the quorum.
                var stageStart = new DateTime(current.StageStartedTicks, DateTimeKind.Utc);
                var stage = StageOf(current);
                var entitled = Deciders(current, t);
                if (ctx.Trusted) entitled.Add(ctx.Actor);
                var decisions = view.Decisions(id);
                var waiting = new WaitingRequest(current.PrincipalKey, current.Status == "PendingApproval", stageStart,
                    decisions.Select(d => d.Key).ToHashSet(StringComparer.Ordinal), entitled,
                    decisions.Where(d => d.Stage == current.Stage && d.Decision == "Approve").Select(d => d.Key).ToList(),
                    stage, stage is null || PolicyOf(current.RoleId).IsLastStage((int)current.Stage));
                var at = new DateTime(command == RequestCommand.Expire ? Math.Min(t, r.AtTicks) : t, DateTimeKind.Utc);
                var verdict = !ctx.Trusted || command == RequestCommand.Expire
                    ? RequestDecisionRules.Decide(command, waiting, ctx.Actor, decided?.Justification, PolicyOf(current.RoleId), at)
                    : !waiting.StillPending ? new RequestDecisionVerdict(RequestDecisionRefusal.NotPending, null)
                    : command != RequestCommand.Cancel && waiting.DecidedBy.Contains(ctx.Actor) ? new RequestDecisionVerdict(RequestDecisionRefusal.DecidedAlready, null)
                    : RequestDecisionRules.Outcome(command, waiting, ctx.Actor);
                var why = verdict.Refusal is { } refused ? Requests.RequestRefusals.Reason(refused, ctx.Actor, current.Status, current.Stage)
                    : command == RequestCommand.Expire && !RequestLifetime.HasExpired(stageStart, verifierNow + Skew) ? "it was not due: the request's 24 hours have not passed yet"
                    : null;
                if (why is not null) { Refuse(r, "Request", why); return; }
                if (command is RequestCommand.Approve or RequestCommand.Deny)
                    view.AddDecision(id, ctx.Actor, current.Stage, command == RequestCommand.Approve ? "Approve" : "Deny", r.AtTicks);
                switch (verdict.Outcome)
                {
                    case RequestOutcome.Recorded: return;
                    case RequestOutcome.StageApproved:
                        view.NextStage(id, r.AtTicks);
                        return;
                }
                var status = verdict.Outcome!.Value.ToString();
                var provisioned = command == RequestCommand.Approve ? decided?.AssignmentId?.ToString("D") : null;
                view.Close(id, status, current.Action == "SelfActivate" ? provisioned : null, r.AtTicks);
                if (provisioned is not null && current.Action == "SelfActivate") _approved[provisioned] = (current.PrincipalKey, current.RoleId, current.Scope, current.DurationTicks);
                return;
            }
            default:
                Refuse(r, "Request", $"'{r.Action}' does not change requests");
                return;
        }
    }

    /// <summary>
    /// Who could decide a request at <paramref name="t"/>: its current stage's listed approvers (activations), else the
    /// administrators; and the stage's escalation approvers once it has gone EscalationAfter without its quorum.
    /// </summary>
    private HashSet<string> Deciders(VerifiedState.RequestState q, long t)
        => ApprovalRules.Entitled(StageOf(q), Admins(t), new DateTime(q.StageStartedTicks, DateTimeKind.Utc), new DateTime(t, DateTimeKind.Utc));

    /// <summary>The approval stage a request waits in, by the verified policy (null: an extension, decided by administrators in one stage).</summary>
    private RolePolicy.ApprovalStageRule? StageOf(VerifiedState.RequestState q) => q.Action == "SelfActivate" ? PolicyOf(q.RoleId).Stage((int)q.Stage) : null;

    // ---- helpers -------------------------------------------------------------------------------------------

    private void Refuse(SealedRecord r, string kind, string why, string problem = "NotEntitled")
    {
        var reason = $"record {r.Sequence} ({r.Action} by {r.ActorKey}) counts for nothing: {why}";
        if (r.Sequence >= watchFrom) OwnRefusal ??= reason;
        view.Refused(r.Sequence, kind, r.TargetId, reason, problem);
    }
}
