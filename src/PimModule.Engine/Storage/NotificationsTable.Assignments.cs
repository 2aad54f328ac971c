namespace PimModule.Storage;

/// <summary>What the assignment services write to the notifications table: the outbox messages of a batch of new assignments.</summary>
internal static partial class NotificationsTable
{
    private static readonly string[] BulkColumns =
    [
        "notification_id", "created_utc", "event", "recipient_type", "recipient", "recipient_key", "subject", "body", "role_id",
        "principal", "request_id", "assignment_id", "critical", "status", "attempts", "next_attempt_utc", "dedupe_key",
    ];

    /// <summary>
    /// Writes the messages queued so far in this unit of work's outbox (<see cref="Outbox.Pending"/>) that need no dedupe
    /// check — those the bulk writer's assignments queued, one to each assignee — together (binary COPY on PostgreSQL, a
    /// prepared INSERT on SQLite), as <see cref="Outbox.Flush"/> would write them, and takes them off the queue. Messages
    /// with a dedupe key, and those queued later (the per-role summaries to admins and approvers at commit), are left to
    /// Outbox.Flush.
    /// </summary>
    public static int InsertQueued(UnitOfWork work)
    {
        var queued = work.Participant<Outbox.Pending>().Messages;
        if (queued.Count == 0) return 0;
        using var bulk = work.Bulk("notifications", BulkColumns);
        var pending = nameof(PimNotificationStatus.Pending);
        foreach (var m in queued)
        {
            if (m.DedupeKey is not null) continue;
            bulk.Row();
            bulk.Id(Ids.New());
            bulk.Time(work.Now);
            bulk.Text(m.Event);
            bulk.Text(m.RecipientType.ToString());
            bulk.Text(m.Recipient);
            bulk.Text(Principal.Fold(m.Recipient));
            bulk.Text(m.Subject);
            bulk.Text(m.Body);
            bulk.Id(m.RoleId);
            bulk.Text(m.Principal);
            bulk.Id(m.RequestId);
            bulk.Id(m.AssignmentId);
            bulk.Flag(m.Critical);
            bulk.Text(pending);
            bulk.Long(0);
            bulk.Time(work.Now);
            bulk.Null();
        }
        var written = bulk.Complete();
        queued.RemoveAll(m => m.DedupeKey is null);
        return written;
    }
}
