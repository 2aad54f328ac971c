using PimModule.Checkpoint;
using PimModule.Storage;
using PimModule.Audit.Events;
using PimModule.Audit;
using PimModule.Errors;
using PimModule.Identity;
using PimModule.Policy;

namespace PimModule.Notifications;

/// <summary>
/// The durable outbox. Messages are queued by the event that causes them, to exactly the recipients the role's
/// notification row names (default recipients if on, plus the additional ones; critical-only honoured), and are
/// written in the same transaction as the event, just before it commits.
/// </summary>
internal static class Outbox
{
    /// <summary>The messages queued by one unit of work, written together before it commits.</summary>
    internal sealed class Pending : ICommitParticipant
    {
        public int Order => 10;
        public List<Message> Messages { get; } = [];
        public void BeforeCommit(UnitOfWork work) => Flush(work);
    }

    /// <summary>The audit action that lists the messages a Verified store's transaction queued.</summary>
    public const string QueueAction = "QueueNotifications";

    /// <summary>
    /// One message to queue. <paramref name="Undeliverable"/> is why it cannot be delivered (its recipient is not a mail
    /// address): such a message is queued as Failed with that reason, so nothing is dropped without a trace.
    /// </summary>
    internal sealed record Message(string Event, PimNotificationRecipient RecipientType, string Recipient, string Subject, string Body,
        Guid? RoleId, string? Principal, Guid? RequestId, Guid? AssignmentId, bool Critical, string? DedupeKey, string? Undeliverable = null);

    private static string Quote(string s) => "'" + s.Replace("'", "''") + "'";

    /// <summary>
    /// Why a message to <paramref name="recipient"/> cannot be delivered, as Get-PimNotification shows it in LastError (the
    /// error id, what is wrong, what to do); null when it is a mail address. With the role and event of the notification row
    /// that sent it, the fix names that row.
    /// </summary>
    internal static string? Undeliverable(string recipient, PimNotificationRecipient recipientType, PimRole? role = null, PimNotificationEvent? rule = null)
    {
        if (RolePolicy.IsMailAddress(recipient)) return null;
        var extra = role is not null && rule is not null
            ? $"; or send this notification to an address as well: Set-PimNotificationSetting -Role {Quote(role.Name)} -Event {rule} -Recipient {recipientType} -AdditionalRecipients secops@contoso.com"
            : "";
        var action = recipientType switch
        {
            PimNotificationRecipient.Admin =>
                "Make a person with a mail address an administrator (New-PimActiveAssignment -Principal admin@contoso.com -Role 'Privileged Role Administrator' -Permanent -Justification '<reason>')" + extra + ".",
            PimNotificationRecipient.Approver =>
                $"Name approvers by their mail address (Set-PimRoleSetting -Role {(role is null ? "<role>" : Quote(role.Name))} -Approvers approver1@contoso.com)" + extra + ".",
            _ => "Give principals by their user principal name, which is their mail address (user1@contoso.com)" + extra + ".",
        };
        var refusal = PimErrors.RecipientUndeliverable($"'{recipient}' is not a mail address, so this notification cannot be delivered to it.", recipient, action);
        return $"{refusal.ErrorId}: {refusal.Message} {refusal.RecommendedAction}";
    }

    /// <summary>Queues one message per recipient of a notification row of the role's settings.</summary>
    public static int Queue(UnitOfWork work, PimRole role, PimNotificationEvent rule, PimNotificationRecipient recipientType,
        IEnumerable<string> defaultRecipients, string evt, string subject, string body, bool critical,
        string? principal = null, Guid? requestId = null, Guid? assignmentId = null, string? dedupeKey = null)
    {
        var policy = SettingsService.LoadOnce(work, role.Id);
        var row = policy.Notifications[(rule, recipientType)];
        if (row.CriticalOnly && !critical) return 0;
        // Every recipient gets its message; one that is not a mail address (the operating-system user who created the store)
        // gets it as Failed, with the reason and the fix, so no notification is dropped without a trace.
        // A group (an assignee that is a group's key) has no mailbox here: it is not a recipient.
        var recipients = (row.DefaultRecipients ? defaultRecipients.Where(r => !PimGroupKey.TryParse(r, out _)) : [])
            .Concat(row.AdditionalRecipients)
            .Distinct(Principal.Comparer)
            .ToList();
        foreach (var r in recipients)
            work.Participant<Pending>().Messages.Add(new Message(evt, recipientType, r, subject, body, role.Id, principal, requestId, assignmentId, critical,
                dedupeKey is null ? null : $"{dedupeKey}|{Principal.Fold(r)}", Undeliverable(r, recipientType, role, rule)));
        return recipients.Count;
    }

    /// <summary>A notice to one principal that no role setting governs (their key was changed); Failed with the reason when they have no mail address.</summary>
    public static int Notice(UnitOfWork work, string evt, string recipient, string subject, string body)
    {
        work.Participant<Pending>().Messages.Add(new Message(evt, PimNotificationRecipient.Requestor, recipient, subject, body, null, recipient, null, null, true, null,
            Undeliverable(recipient, PimNotificationRecipient.Requestor)));
        return 1;
    }

    /// <summary>The weekly digest to one administrator: queued once per week (its dedupe key), whoever runs maintenance first; Failed with the reason when they have no mail address.</summary>
    public static int Digest(UnitOfWork work, string recipient, string subject, string body, string week)
    {
        work.Participant<Pending>().Messages.Add(new Message(Events.WeeklyDigest, PimNotificationRecipient.Admin, recipient, subject, body, null, null, null, null,
            false, $"{Events.WeeklyDigest}|{week}|{Principal.Fold(recipient)}", Undeliverable(recipient, PimNotificationRecipient.Admin)));
        return 1;
    }

    /// <summary>
    /// Writes the queued messages (before every commit, through <see cref="Pending"/>; earlier when the caller counts them).
    /// Scheduled notices already queued are skipped.
    /// </summary>
    public static int Flush(UnitOfWork work)
    {
        var outgoing = work.Participant<Pending>().Messages;
        if (outgoing.Count == 0) return 0;
        // A notice scheduled by maintenance goes out once, whoever queues it first.
        var keys = outgoing.Where(m => m.DedupeKey is not null).Select(m => m.DedupeKey!).ToList();
        var queued = keys.Count == 0 ? null : NotificationsTable.QueuedDedupeKeys(work, keys);
        var rows = new List<NotificationsTable.New>(outgoing.Count);
        foreach (var m in outgoing)
        {
            if (m.DedupeKey is not null && !queued!.Add(m.DedupeKey)) continue;
            rows.Add(new NotificationsTable.New(Ids.New(), work.Now, m.Event, m.RecipientType, m.Recipient, Principal.Fold(m.Recipient), m.Subject,
                m.Body, m.RoleId, m.Principal, m.RequestId, m.AssignmentId, m.Critical, m.DedupeKey, m.Undeliverable));
        }
        outgoing.Clear();
        NotificationsTable.Insert(work, rows);
        // A Verified store logs what it queued (each message's digest), sealed with the change that caused it: the
        // sender sends only messages a verified change queued, never a row written into the outbox around the module.
        if (work.IdentityMode == PimIdentityMode.Verified && rows.Count > 0)
        {
            AuditLog.Append(work, new NotificationsQueued(NotificationsQueued.Write(
                rows.Select(r => (r.NotificationId, VerifiedState.Digest(r.NotificationId, r.Recipient, r.Subject, r.Body, r.Event, r.Critical))))));
        }
        return rows.Count;
    }

    // ---- who ---------------------------------------------------------------------------------------

    /// <summary>The approvers of a role's activations: the listed ones, else the default approvers.</summary>
    public static IReadOnlyList<string> RoleApprovers(UnitOfWork work, PimRole role)
    {
        var policy = SettingsService.LoadOnce(work, role.Id);
        return policy.Approvers.Count > 0 ? policy.Approvers : Authorization.Administrators(work);
    }
}
