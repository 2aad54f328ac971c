using System.Text;
using PimModule.Storage;
using PimModule.Requests;
using PimModule.Alerts;
using PimModule.Identity;

namespace PimModule.Notifications;

/// <summary>
/// What an event sends, to whom, as the role's notification settings say. Called inside the event's transaction;
/// the messages are written with it (Outbox.Flush). Texts say who, which role, which scope, until when, and what to do.
/// </summary>
internal static class Events
{
    /// <summary>The assignments made in one unit of work whose admin and approver mails go out per role and type, before commit.</summary>
    internal sealed class AssignedBatch : ICommitParticipant
    {
        public int Order => 0; // first: it queues outbox messages
        public List<(AssignmentRow Row, PimRole Role)> Rows { get; } = [];
        public void BeforeCommit(UnitOfWork work) => FlushAssignments(work);
    }

    /// <summary>The event of the weekly digest to administrators.</summary>
    public const string WeeklyDigest = nameof(WeeklyDigest);

    /// <summary>The Monday (UTC) of the ISO week <paramref name="at"/> falls in: the digest's week.</summary>
    public static DateTime WeekOf(DateTime at) => at.Date.AddDays(-(((int)at.DayOfWeek + 6) % 7));

    /// <summary>
    /// The weekly digest: what happened in the previous whole ISO week (activations, new permanent assignments,
    /// assignments made in PIM and standing outside it) and the alerts open now, to each administrator, queued once per
    /// ISO week. The window is the whole week before, whenever the first run of the week comes, so no hour falls between
    /// two digests.
    /// </summary>
    public static int Digest(UnitOfWork work)
    {
        var monday = WeekOf(work.Now);
        var week = monday.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var from = monday.AddDays(-7);
        var to = monday;
        var roles = RolesTable.All(work).ToDictionary(r => r.Id);
        string Name(Guid id) => roles.TryGetValue(id, out var r) ? r.Name : id.ToString();
        var activations = AssignmentsTable.ActivationsStartedBetween(work, from.AddTicks(-1), to).Where(a => a.Start < to).Where(work.Believes).ToList();
        var made = AssignmentsTable.InForceAt(work, work.Now).Where(work.Believes)
            .Where(a => a.MemberType == PimMemberType.Direct && a.Created >= from && a.Created < to).ToList();
        var permanent = made.Where(a => a.End is null).ToList();
        var alerts = AlertService.Compute(work, work.Now);
        var outside = alerts.FirstOrDefault(a => a.AlertType == AlertService.RolesAssignedOutsidePim);
        const int Most = 50;
        static string Lines(IEnumerable<string> items)
        {
            var list = items.ToList();
            return list.Count == 0 ? "  (none)\n" : string.Concat(list.Take(Most).Select(l => $"  {l}\n")) + (list.Count > Most ? $"  … and {list.Count - Most} more\n" : "");
        }
        var body = new StringBuilder()
            .Append($"PIM weekly digest of the week of {from:yyyy-MM-dd} (Monday {from:yyyy-MM-dd} 00:00 to Monday {to:yyyy-MM-dd} 00:00 UTC); alerts as of {work.Now:yyyy-MM-dd HH:mm} UTC.\n\n")
            .Append($"Activations ({activations.Count}):\n")
            .Append(Lines(activations.OrderBy(a => a.Start).Select(a => $"{a.Start:yyyy-MM-dd HH:mm} {a.Principal} activated {Name(a.RoleId)} at {a.Scope} {Until(a.End)}")))
            .Append($"\nAssignments made in PIM ({made.Count}; {made.Count(a => a.Type == PimAssignmentType.Eligible)} eligible, {made.Count(a => a.Type == PimAssignmentType.Active)} active):\n")
            .Append(Lines(made.OrderBy(a => a.Created).Select(a => $"{a.Created:yyyy-MM-dd HH:mm} {a.CreatedBy} assigned {a.Principal} {Name(a.RoleId)} ({a.Type}) at {a.Scope} {Until(a.End)}")))
            .Append($"\nNew permanent assignments ({permanent.Count}):\n")
            .Append(Lines(permanent.Select(a => $"{a.Principal}: {Name(a.RoleId)} ({a.Type}) at {a.Scope}, by {a.CreatedBy}")))
            .Append($"\nPermanent active assignments of privileged roles, standing outside just-in-time activation ({outside?.Count ?? 0}):\n")
            .Append(Lines(outside is null ? [] : outside.Principals.Select(p => p)))
            .Append($"\nOpen alerts ({alerts.Count}):\n")
            .Append(Lines(alerts.Select(a => $"[{a.Severity}] {a.AlertType}: {a.Description}")))
            .Append($"\nSee them: Get-PimAlert | Format-List; the week's changes: Get-PimAuditLog -Since '{from:yyyy-MM-dd}' -Until '{to:yyyy-MM-dd}'\n")
            .ToString();
        var subject = $"PIM weekly digest: {activations.Count} activation(s), {made.Count} assignment(s), {alerts.Count} open alert(s)";
        var queued = 0;
        foreach (var admin in Authorization.Administrators(work)) queued += Outbox.Digest(work, admin, subject, body, week);
        return queued;
    }

    private static string Until(DateTime? end) => end is { } e ? $"until {e:yyyy-MM-dd HH:mm} UTC" : "permanently";

    private static string Quote(string s) => "'" + s.Replace("'", "''") + "'";

    /// <summary>An administrator assigned a role (eligible or active). The assignee hears at once; admins and approvers
    /// get one message per role and batch (a bulk import of thousands sends them a summary, not thousands of mails).</summary>
    public static void AssignmentCreated(UnitOfWork work, AssignmentRow row, PimRole role)
    {
        var rule = row.Type == PimAssignmentType.Eligible ? PimNotificationEvent.EligibleAssigned : PimNotificationEvent.ActiveAssigned;
        var kind = row.Type == PimAssignmentType.Eligible ? "eligible for" : "assigned (active)";
        var what = row.Type == PimAssignmentType.Eligible
            ? $"To use it, activate it when you need it:\n  Request-PimActivation -Role {Quote(role.Name)} -Justification '<reason>'"
            : "The role is active for you now; no activation is needed.";
        Outbox.Queue(work, role, rule, PimNotificationRecipient.Requestor, [row.Principal], rule.ToString(),
            $"PIM: You are {kind} the {role.Name} role",
            $"{row.CreatedBy} made you ({row.Principal}) {kind} the role '{role.Name}' at scope {row.Scope}, from {row.Start:yyyy-MM-dd HH:mm} UTC {Until(row.End)}.\n" +
            $"Justification: {row.Justification ?? "(none)"}\n\n{what}\n",
            critical: role.IsPrivileged, principal: row.Principal, assignmentId: row.Id);
        work.Participant<AssignedBatch>().Rows.Add((row, role));
    }

    /// <summary>The admin and approver messages of the assignments made in this unit of work, per role and type.</summary>
    private static void FlushAssignments(UnitOfWork work)
    {
        var batch = work.Participant<AssignedBatch>().Rows;
        if (batch.Count == 0) return;
        foreach (var group in batch.GroupBy(x => (x.Role.Id, x.Row.Type)))
        {
            var role = group.First().Role;
            var rows = group.Select(x => x.Row).ToList();
            var rule = group.Key.Type == PimAssignmentType.Eligible ? PimNotificationEvent.EligibleAssigned : PimNotificationEvent.ActiveAssigned;
            var kind = group.Key.Type == PimAssignmentType.Eligible ? "eligible" : "active";
            string subject, body;
            if (rows.Count == 1)
            {
                var a = rows[0];
                subject = $"PIM: {a.Principal} was assigned {role.Name} ({kind})";
                body = $"{a.CreatedBy} assigned {a.Principal} the role '{role.Name}' as {kind} at scope {a.Scope}, " +
                       $"from {a.Start:yyyy-MM-dd HH:mm} UTC {Until(a.End)}.\nJustification: {a.Justification ?? "(none)"}\n\n" +
                       $"Review it: Get-PimAssignment -Principal {Quote(a.Principal)} -Role {Quote(role.Name)}\n" +
                       $"Remove it if it is wrong: Remove-PimAssignment -AssignmentId {a.Id}\n";
            }
            else
            {
                var sb = new StringBuilder();
                sb.Append($"{rows[0].CreatedBy} assigned the role '{role.Name}' as {kind} to {rows.Count} principals:\n");
                foreach (var a in rows.Take(50)) sb.Append($"  {a.Principal} at {a.Scope}, {Until(a.End)}\n");
                if (rows.Count > 50) sb.Append($"  … and {rows.Count - 50} more.\n");
                sb.Append($"\nReview them: Get-PimAssignment -Role {Quote(role.Name)} -Type {group.Key.Type}\n");
                subject = $"PIM: {rows.Count} principals were assigned {role.Name} ({kind})";
                body = sb.ToString();
            }
            Outbox.Queue(work, role, rule, PimNotificationRecipient.Admin, Authorization.Administrators(work), rule.ToString(), subject, body,
                critical: role.IsPrivileged, principal: rows.Count == 1 ? rows[0].Principal : null, assignmentId: rows.Count == 1 ? rows[0].Id : null);
            Outbox.Queue(work, role, rule, PimNotificationRecipient.Approver, Outbox.RoleApprovers(work, role), rule.ToString(),
                subject, body + "\nYou receive this as an approver of the role's requests.\n", critical: false,
                principal: rows.Count == 1 ? rows[0].Principal : null, assignmentId: rows.Count == 1 ? rows[0].Id : null);
        }
        batch.Clear();
    }

    /// <summary>A self-service request was made: approvers hear of pending ones; a provisioned activation is confirmed.</summary>
    public static void RequestCreated(UnitOfWork work, RequestRow q, PimRole role)
    {
        var extension = q.Action is PimRequestAction.SelfExtend or PimRequestAction.SelfRenew;
        var rule = !extension ? PimNotificationEvent.Activated
            : q.AssignmentType == PimAssignmentType.Eligible ? PimNotificationEvent.EligibleAssigned : PimNotificationEvent.ActiveAssigned;
        if (q.Status == PimRequestStatus.PendingApproval)
        {
            ApprovalNeeded(work, q, role, rule, Approvals.ApproversOf(work, q), extension ? "ExtensionRequested" : "ApprovalRequested", "");
            return;
        }
        if (q.Action == PimRequestAction.SelfActivate && q.Status == PimRequestStatus.Provisioned) Activated(work, q, role, null);
    }

    /// <summary>The approval mail: to the current stage's approvers (or its escalation approvers), with how to decide.</summary>
    private static void ApprovalNeeded(UnitOfWork work, RequestRow q, PimRole role, PimNotificationEvent rule, IReadOnlyList<string> approvers, string evt,
        string stageNote, string? dedupeKey = null)
    {
        var extension = q.Action is PimRequestAction.SelfExtend or PimRequestAction.SelfRenew;
        var what = extension ? $"extend {q.Principal}'s {q.AssignmentType.ToString().ToLowerInvariant()} assignment of" : $"activate";
        var stages = Approvals.StageCount(work, q);
        var required = Approvals.RequiredAt(work, q);
        Outbox.Queue(work, role, rule, PimNotificationRecipient.Approver, approvers, evt,
            $"PIM: Approval needed — {q.Principal} requests {role.Name}" + (stages > 1 ? $" (stage {q.Stage} of {stages})" : ""),
            $"{q.Principal} asks to {what} the role '{role.Name}' at scope {q.Scope} for {q.Duration?.ToString("c") ?? "the role's maximum"}" +
            $"{(q.Start is { } s ? $", from {s:yyyy-MM-dd HH:mm} UTC" : "")}.\nJustification: {q.Justification ?? "(none)"}\n" +
            (q.TicketNumber is null ? "" : $"Ticket: {q.TicketNumber} ({q.TicketSystem})\n") + stageNote +
            (stages > 1 || required > 1 ? $"This is stage {q.Stage} of {stages}; it needs {required} approval(s) from distinct approvers.\n" : "") +
            $"\nApprove it:  Approve-PimRequest -RequestId {q.Id} -Justification '<reason>'\n" +
            $"Deny it:     Deny-PimRequest -RequestId {q.Id} -Justification '<reason>'\n" +
            $"The request expires if the stage is not decided within 24 hours ({RequestsTable.ExpiresAt(q):yyyy-MM-dd HH:mm} UTC).\n",
            critical: true, principal: q.Principal, requestId: q.Id, dedupeKey: dedupeKey);
    }

    /// <summary>A stage of a request has its quorum: the requester hears it, the next stage's approvers get the approval mail.</summary>
    public static void StageApproved(UnitOfWork work, RequestRow q, PimRole role, long approvedStage)
    {
        var stages = Approvals.StageCount(work, q);
        Outbox.Queue(work, role, PimNotificationEvent.Activated, PimNotificationRecipient.Requestor, [q.Principal], "StageApproved",
            $"PIM: Stage {approvedStage} of your {role.Name} request was approved",
            $"Stage {approvedStage} of {stages} of your request to activate the role '{role.Name}' at scope {q.Scope} was approved. " +
            $"It now waits for stage {q.Stage}.\n\nFollow it: Get-PimRequest -RequestId {q.Id}\n",
            critical: false, principal: q.Principal, requestId: q.Id);
        // Who may decide the new stage: its approvers who have not decided the request already.
        ApprovalNeeded(work, q, role, PimNotificationEvent.Activated, Approvals.MayDecide(work, q, work.Now, RequestApprovalsTable.For(work, q.Id)), "ApprovalRequested",
            $"Stage {approvedStage} approved it already.\n");
    }

    /// <summary>
    /// A stage went its EscalationAfter without its quorum: its escalation approvers get the approval mail, once per request
    /// and stage (Invoke-PimMaintenance asks).
    /// </summary>
    public static int Escalated(UnitOfWork work, RequestRow q, PimRole role)
    {
        var decided = RequestApprovalsTable.For(work, q.Id);
        var approvers = Approvals.EscalationApproversOf(work, q).Where(a => !decided.Any(d => d.Key == Principal.Fold(a))).ToList();
        if (approvers.Count == 0) return 0;
        ApprovalNeeded(work, q, role, PimNotificationEvent.Activated, approvers, "ApprovalEscalated",
            $"Stage {q.Stage} has waited since {q.StageStart:yyyy-MM-dd HH:mm} UTC without its quorum: you may decide it as an escalation approver.\n",
            $"Escalation|{q.Id:D}|{q.Stage}");
        return approvers.Count;
    }

    private static void Activated(UnitOfWork work, RequestRow q, PimRole role, string? approvedBy)
    {
        Outbox.Queue(work, role, PimNotificationEvent.Activated, PimNotificationRecipient.Requestor, [q.Principal], "Activated",
            $"PIM: Your {role.Name} role is active",
            $"Your activation of the role '{role.Name}' at scope {q.Scope} is complete{(approvedBy is null ? "" : $" (approved by {approvedBy})")}. " +
            $"The role is active from {q.Start:yyyy-MM-dd HH:mm} UTC {Until(q.End)}.\n\n" +
            $"End it early when you are done: Request-PimDeactivation -Role {Quote(role.Name)}\n",
            critical: false, principal: q.Principal, requestId: q.Id, assignmentId: q.AssignmentId);
        Outbox.Queue(work, role, PimNotificationEvent.Activated, PimNotificationRecipient.Admin, Authorization.Administrators(work), "Activated",
            $"PIM: {q.Principal} activated {role.Name}",
            $"{q.Principal} activated the role '{role.Name}' at scope {q.Scope}, {Until(q.End)}" +
            $"{(approvedBy is null ? "" : $", approved by {approvedBy}")}.\nJustification: {q.Justification ?? "(none)"}\n" +
            $"MFA: {(q.MfaVerified ? "verified" : "not required")}\n\nReview: Get-PimRequest -RequestId {q.Id}\n",
            critical: role.IsPrivileged, principal: q.Principal, requestId: q.Id, assignmentId: q.AssignmentId);
    }

    /// <summary>A request was approved or denied: the requester hears the outcome.</summary>
    public static void RequestDecided(UnitOfWork work, RequestRow q, PimRole role)
    {
        if (q.Status == PimRequestStatus.Provisioned && q.Action == PimRequestAction.SelfActivate)
        {
            Activated(work, q, role, q.ApprovedBy);
            return;
        }
        var extension = q.Action is PimRequestAction.SelfExtend or PimRequestAction.SelfRenew;
        var rule = !extension ? PimNotificationEvent.Activated
            : q.AssignmentType == PimAssignmentType.Eligible ? PimNotificationEvent.EligibleAssigned : PimNotificationEvent.ActiveAssigned;
        var outcome = q.Status == PimRequestStatus.Denied ? "denied" : "approved";
        Outbox.Queue(work, role, rule, PimNotificationRecipient.Requestor, [q.Principal], q.Status == PimRequestStatus.Denied ? "RequestDenied" : "RequestApproved",
            $"PIM: Your {role.Name} request was {outcome}",
            $"{q.ApprovedBy} {outcome} your request to {(extension ? "extend" : "activate")} the role '{role.Name}' at scope {q.Scope}.\n" +
            $"Reason: {q.DecisionJustification ?? "(none)"}\n" +
            (q.Status == PimRequestStatus.Denied ? "You can ask again with a better justification, or talk to the approver.\n" : ""),
            critical: false, principal: q.Principal, requestId: q.Id);
    }

    /// <summary>An activation was ended or shortened because the eligible assignment it came from was removed or shortened.</summary>
    public static void ActivationEnded(UnitOfWork work, AssignmentRow a, PimRole role, string why, Guid requestId)
    {
        var ended = a.End is { } e && e <= work.Now;
        var what = ended ? "has ended" : $"now ends at {a.End:yyyy-MM-dd HH:mm} UTC";
        Outbox.Queue(work, role, PimNotificationEvent.Activated, PimNotificationRecipient.Requestor, [a.Principal], "ActivationEnded",
            $"PIM: Your {role.Name} activation {(ended ? "has ended" : "was shortened")}",
            $"Your activation of the role '{role.Name}' at scope {a.Scope} {what}. {why}\n",
            critical: false, principal: a.Principal, requestId: requestId, assignmentId: a.Id);
        Outbox.Queue(work, role, PimNotificationEvent.Activated, PimNotificationRecipient.Admin, Authorization.Administrators(work), "ActivationEnded",
            $"PIM: {a.Principal}'s {role.Name} activation {(ended ? "ended" : "was shortened")}",
            $"{work.Actor}'s change ended {a.Principal}'s activation of the role '{role.Name}' at scope {a.Scope}: it {what}. {why}\n" +
            $"\nReview: Get-PimRequest -RequestId {requestId}\n",
            critical: role.IsPrivileged, principal: a.Principal, requestId: requestId, assignmentId: a.Id);
    }

    /// <summary>Maintenance: an assignment ends soon (14 days, 1 day) or has ended; each notice is queued once.</summary>
    public static void Expiry(UnitOfWork work, AssignmentRow a, PimRole role, string notice)
    {
        var rule = a.Type == PimAssignmentType.Eligible ? PimNotificationEvent.EligibleAssigned : PimNotificationEvent.ActiveAssigned;
        var expired = notice == "Expired";
        var subject = expired ? $"PIM: Your {role.Name} assignment has expired" : $"PIM: Your {role.Name} assignment expires {(notice == "Expiring1d" ? "tomorrow" : "within 14 days")}";
        var body = $"Your {a.Type.ToString().ToLowerInvariant()} assignment of the role '{role.Name}' at scope {a.Scope} " +
                   (expired ? $"ended at {a.End:yyyy-MM-dd HH:mm} UTC.\n" : $"ends at {a.End:yyyy-MM-dd HH:mm} UTC.\n") +
                   (a.MemberType == PimMemberType.Direct
                       ? $"\nTo keep it, ask for {(expired ? "a renewal" : "an extension")}: Request-PimExtension -Role {Quote(role.Name)} -Type {a.Type} -Justification '<reason>'\n"
                       : "");
        Outbox.Queue(work, role, rule, PimNotificationRecipient.Requestor, [a.Principal], notice, subject, body, critical: false,
            principal: a.Principal, assignmentId: a.Id, dedupeKey: $"{notice}|{a.Id}|{SqlTypes.Ticks(a.End ?? DateTime.MaxValue)}");
    }
}
