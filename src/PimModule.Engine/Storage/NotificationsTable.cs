namespace PimModule.Storage;

/// <summary>
/// The notifications table (the durable outbox): its SQL, its row types and its named predicates. No other file writes
/// SQL against notifications.
/// </summary>
internal static partial class NotificationsTable
{
    /// <summary>A message as read.</summary>
    internal sealed record Row(Guid NotificationId, DateTime CreatedUtc, string Event, PimNotificationRecipient RecipientType, string Recipient,
        string Subject, string Body, Guid? RoleId, string? Principal, Guid? RequestId, Guid? AssignmentId, bool Critical,
        PimNotificationStatus Status, long Attempts, DateTime NextAttemptUtc, DateTime? SentUtc, string? LastError)
    {
        public PimNotification ToNotification(string? roleName) => new()
        {
            NotificationId = NotificationId, CreatedDateTime = CreatedUtc, Event = Event, RecipientType = RecipientType, Recipient = Recipient,
            Subject = Subject, Body = Body, RoleId = RoleId, Role = roleName, Principal = Principal, RequestId = RequestId,
            AssignmentId = AssignmentId, Critical = Critical, Status = Status, Attempts = (int)Attempts,
            NextAttemptDateTime = Status == PimNotificationStatus.Pending ? NextAttemptUtc : null, SentDateTime = SentUtc, LastError = LastError,
        };
    }

    /// <summary>A message as Dapper reads it: the enum columns as the text they hold, read strictly (<see cref="StoredValue"/>).</summary>
    private sealed record StoredRow(Guid NotificationId, DateTime CreatedUtc, string Event, string RecipientType, string Recipient,
        string Subject, string Body, Guid? RoleId, string? Principal, Guid? RequestId, Guid? AssignmentId, bool Critical,
        string Status, long Attempts, DateTime NextAttemptUtc, DateTime? SentUtc, string? LastError)
    {
        public Row ToRow() => new(NotificationId, CreatedUtc, Event,
            StoredValue.Enum<PimNotificationRecipient>(RecipientType, "notifications", "recipient_type", NotificationId), Recipient,
            Subject, Body, RoleId, Principal, RequestId, AssignmentId, Critical,
            StoredValue.Enum<PimNotificationStatus>(Status, "notifications", "status", NotificationId), Attempts, NextAttemptUtc, SentUtc, LastError);
    }

    private static List<Row> Rows(UnitOfWork work, string sql, object? param = null) => work.Query<StoredRow>(sql, param).ConvertAll(r => r.ToRow());

    private static Row? FirstRow(UnitOfWork work, string sql, object? param = null) => work.QueryFirstOrDefault<StoredRow>(sql, param)?.ToRow();

    private static IEnumerable<Row> StreamRows(UnitOfWork work, string sql, object? param = null) => work.Stream<StoredRow>(sql, param).Select(r => r.ToRow());

    /// <summary>A message to queue: Pending, due now; or Failed at once, with <paramref name="Undeliverable"/> as its LastError.</summary>
    internal sealed record New(Guid NotificationId, DateTime CreatedUtc, string Event, PimNotificationRecipient RecipientType, string Recipient,
        string RecipientKey, string Subject, string Body, Guid? RoleId, string? Principal, Guid? RequestId, Guid? AssignmentId, bool Critical,
        string? DedupeKey, string? Undeliverable = null);

    private const string Select =
        "SELECT notification_id, created_utc, event, recipient_type, recipient, subject, body, role_id, principal, request_id, assignment_id, " +
        "critical, status, attempts, next_attempt_utc, sent_utc, last_error FROM notifications";

    private static readonly string[] Columns =
    [
        "notification_id", "created_utc", "event", "recipient_type", "recipient", "recipient_key", "subject", "body", "role_id",
        "principal", "request_id", "assignment_id", "critical", "status", "attempts", "next_attempt_utc", "dedupe_key", "last_error",
    ];

    /// <summary>Due: pending, its time come, and not claimed by a sender whose claim still holds.</summary>
    private const string DueAt = "status = 'Pending' AND next_attempt_utc <= @now AND (claimed_until_utc IS NULL OR claimed_until_utc < @now)";

    /// <summary>Get-PimNotification's filters (each null = any), oldest first, streamed.</summary>
    public static IEnumerable<Row> Query(UnitOfWork work, string? recipientKey, Guid? requestId, IReadOnlyCollection<string>? statuses, int? first)
    {
        var where = new List<string>();
        if (recipientKey is not null) where.Add("recipient_key = @recipientKey");
        if (requestId is not null) where.Add("request_id = @requestId");
        if (statuses is { Count: > 0 }) where.Add(work.AnyOf("status", "statuses"));
        var sql = Select + (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "") + " ORDER BY created_utc, notification_id" +
                  (first is null ? "" : " LIMIT @first");
        return StreamRows(work, sql, new { recipientKey, requestId, statuses = statuses is null ? null : work.TextList(statuses), first = (long?)first });
    }

    public static Row? ById(UnitOfWork work, Guid id) => FirstRow(work, Select + " WHERE notification_id = @id", new { id });

    /// <summary>Queues messages (written together, just before the unit of work commits).</summary>
    public static void Insert(UnitOfWork work, IReadOnlyList<New> messages)
    {
        if (messages.Count == 0) return;
        // Typed values straight into the bulk writer (no array or boxed value per message: a bulk import queues one a row).
        using var bulk = work.Bulk("notifications", Columns);
        foreach (var m in messages)
        {
            bulk.Row();
            bulk.Id(m.NotificationId);
            bulk.Time(m.CreatedUtc);
            bulk.Text(m.Event);
            bulk.Text(m.RecipientType.ToString());
            bulk.Text(m.Recipient);
            bulk.Text(m.RecipientKey);
            bulk.Text(m.Subject);
            bulk.Text(m.Body);
            bulk.Id(m.RoleId);
            bulk.Text(m.Principal);
            bulk.Id(m.RequestId);
            bulk.Id(m.AssignmentId);
            bulk.Flag(m.Critical);
            bulk.Text(m.Undeliverable is null ? nameof(PimNotificationStatus.Pending) : nameof(PimNotificationStatus.Failed));
            bulk.Long(0L);
            bulk.Time(m.CreatedUtc);
            bulk.Text(m.DedupeKey);
            bulk.Text(m.Undeliverable);
        }
        bulk.Complete();
    }

    /// <summary>Which of these dedupe keys are already queued (a scheduled notice goes out once).</summary>
    public static HashSet<string> QueuedDedupeKeys(UnitOfWork work, IReadOnlyCollection<string> keys)
    {
        var queued = new HashSet<string>(StringComparer.Ordinal);
        if (keys.Count > 0)
            queued.UnionWith(work.Query<string>("SELECT dedupe_key FROM notifications WHERE " + work.AnyOf("dedupe_key", "keys"),
                new { keys = work.TextList(keys.Distinct(StringComparer.Ordinal)) }));
        return queued;
    }

    public static long Count(UnitOfWork work) => work.Scalar<long>("SELECT COUNT(*) FROM notifications");

    /// <summary>Messages that failed for good (undeliverable, or out of attempts), as the store holds them.</summary>
    public static long CountFailed(UnitOfWork work) => work.Scalar<long>("SELECT COUNT(*) FROM notifications WHERE status = 'Failed'");

    /// <summary>Failed messages made in [<paramref name="from"/>, <paramref name="to"/>], oldest first (the UndeliverableNotifications alert).</summary>
    public static List<Row> FailedBetween(UnitOfWork work, DateTime from, DateTime to)
        => Rows(work, Select + " WHERE status = 'Failed' AND created_utc >= @from AND created_utc <= @to ORDER BY created_utc, notification_id", new { from, to });

    /// <summary>Claims up to <paramref name="max"/> due messages, oldest first, for one sender until <paramref name="until"/>; returns them.</summary>
    public static List<Row> Claim(UnitOfWork work, string token, DateTime until, int max)
    {
        work.Execute("UPDATE notifications SET claim_token = @token, claimed_until_utc = @until WHERE notification_id IN " +
                     "(SELECT notification_id FROM notifications WHERE " + DueAt + " ORDER BY created_utc LIMIT @max)",
            new { token, until, now = work.Now, max = (long)max });
        return Rows(work, Select + " WHERE claim_token = @token ORDER BY created_utc", new { token });
    }

    /// <summary>Marks a claimed message sent.</summary>
    public static int MarkSent(UnitOfWork work, Guid id, string token) => work.Execute(
        "UPDATE notifications SET status = 'Sent', sent_utc = @now, attempts = attempts + 1, claim_token = NULL, last_error = NULL " +
        "WHERE notification_id = @id AND claim_token = @token", new { now = work.Now, id, token });

    /// <summary>Records a failed attempt of a claimed message: due again at <paramref name="next"/>, or Failed for good.</summary>
    public static int MarkFailed(UnitOfWork work, Guid id, string token, PimNotificationStatus status, long attempts, DateTime next, string error)
        => work.Execute(
            "UPDATE notifications SET status = @status, attempts = @attempts, next_attempt_utc = @next, claim_token = NULL, " +
            "claimed_until_utc = NULL, last_error = @error WHERE notification_id = @id AND claim_token = @token",
            new { status = status.ToString(), attempts, next, error, id, token });

    /// <summary>Deletes delivered or failed messages made before <paramref name="cut"/>; pending ones stay.</summary>
    public static int Prune(UnitOfWork work, DateTime cut)
        => work.Execute("DELETE FROM notifications WHERE status <> 'Pending' AND created_utc < @cut", new { cut });
}
