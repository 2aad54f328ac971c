namespace PimModule;

/// <summary>One e-mail in the durable outbox: queued with the event that caused it, delivered by Send-PimNotification.</summary>
public sealed class PimNotification
{
    public Guid NotificationId { get; init; }
    public string Event { get; init; } = "";
    public string Recipient { get; init; } = "";
    /// <summary>Which notification row of the role's settings sent it: Admin, Requestor or Approver.</summary>
    public PimNotificationRecipient RecipientType { get; init; }
    public string Subject { get; init; } = "";
    public string Body { get; init; } = "";
    public string? Role { get; init; }
    public Guid? RoleId { get; init; }
    public string? Principal { get; init; }
    public Guid? RequestId { get; init; }
    public Guid? AssignmentId { get; init; }
    public bool Critical { get; init; }
    public PimNotificationStatus Status { get; init; }
    public int Attempts { get; init; }
    public DateTime CreatedDateTime { get; init; }
    public DateTime? NextAttemptDateTime { get; init; }
    public DateTime? SentDateTime { get; init; }
    public string? LastError { get; init; }

    public override string ToString() => $"{Status} to {Recipient}: {Subject}";
}
