using PimModule.Storage;

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

    internal sealed record Message(string Event, PimNotificationRecipient RecipientType, string Recipient, string Subject, string Body,
        Guid? RoleId, string? Principal, Guid? RequestId, Guid? AssignmentId, bool Critical, string? DedupeKey);

    /// <summary>Queues one message per recipient of a notification row of the role's settings.</summary>
    public static int Queue(UnitOfWork work, PimRole role, PimNotificationEvent rule, PimNotificationRecipient recipientType,
        IEnumerable<string> defaultRecipients, string evt, string subject, string body, bool critical,
        string? principal = null, Guid? requestId = null, Guid? assignmentId = null, string? dedupeKey = null)
    {
        var policy = SettingsService.LoadOnce(work, role.Id);
        var row = policy.Notifications[(rule, recipientType)];
        if (row.CriticalOnly && !critical) return 0;
        var recipients = (row.DefaultRecipients ? defaultRecipients : [])
            .Concat(row.AdditionalRecipients)
            .Where(RolePolicy.IsMailAddress)
            .Distinct(Principal.Comparer)
            .ToList();
        foreach (var r in recipients)
            work.Participant<Pending>().Messages.Add(new Message(evt, recipientType, r, subject, body, role.Id, principal, requestId, assignmentId, critical,
                dedupeKey is null ? null : $"{dedupeKey}|{Principal.Fold(r)}"));
        return recipients.Count;
    }

    /// <summary>A notice to one principal that no role setting governs (their key was changed): queued when they have a mail address.</summary>
    public static int Notice(UnitOfWork work, string evt, string recipient, string subject, string body)
    {
        if (!RolePolicy.IsMailAddress(recipient)) return 0;
        work.Participant<Pending>().Messages.Add(new Message(evt, PimNotificationRecipient.Requestor, recipient, subject, body, null, recipient, null, null, true, null));
        return 1;
    }

    /// <summary>The weekly digest to one administrator: queued once per week (its dedupe key), whoever runs maintenance first.</summary>
    public static int Digest(UnitOfWork work, string recipient, string subject, string body, string week)
    {
        if (!RolePolicy.IsMailAddress(recipient)) return 0;
        work.Participant<Pending>().Messages.Add(new Message(Events.WeeklyDigest, PimNotificationRecipient.Admin, recipient, subject, body, null, null, null, null,
            false, $"{Events.WeeklyDigest}|{week}|{Principal.Fold(recipient)}"));
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
                m.Body, m.RoleId, m.Principal, m.RequestId, m.AssignmentId, m.Critical, m.DedupeKey));
        }
        outgoing.Clear();
        NotificationsTable.Insert(work, rows);
        // A Verified store logs what it queued (each message's digest), sealed with the change that caused it: the
        // sender sends only messages a verified change queued, never a row written into the outbox around the module.
        if (work.IdentityMode == PimIdentityMode.Verified && rows.Count > 0)
        {
            // [{"Id":…,"Digest":…}, …], written directly (a bulk batch queues thousands).
            var buffer = new System.Buffers.ArrayBufferWriter<byte>(rows.Count * 120);
            using (var w = new System.Text.Json.Utf8JsonWriter(buffer))
            {
                w.WriteStartArray();
                foreach (var r in rows)
                {
                    w.WriteStartObject();
                    w.WriteString("Id", r.NotificationId);
                    w.WriteString("Digest", VerifiedState.Digest(r.NotificationId, r.Recipient, r.Subject, r.Body, r.Event, r.Critical));
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            AuditLog.Append(work, QueueAction, "Notification", null, null, null, null, new RawJson(System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan)));
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
