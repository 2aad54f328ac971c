namespace PimModule;

public enum PimNotificationStatus
{
    Pending,
    Sent,
    Failed,
}

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

/// <summary>How Send-PimNotification reaches the mail server (the password is never shown).</summary>
public sealed class PimMailSetting
{
    public string? SmtpServer { get; init; }
    public int Port { get; init; }
    public string? From { get; init; }
    public bool UseSsl { get; init; }
    public string? UserName { get; init; }
    public bool HasPassword { get; init; }
    /// <summary>True when the administrator allowed the login to travel without TLS (Set-PimMailSetting -AllowInsecureAuthentication).</summary>
    public bool AllowInsecureAuthentication { get; init; }
}

/// <summary>An Entra PIM alert: what fired, what is behind it, and how to fix it.</summary>
public sealed class PimAlert
{
    public string AlertType { get; init; } = "";
    public string Severity { get; init; } = "";
    public string Description { get; init; } = "";
    public int Count { get; init; }
    /// <summary>The offending assignments (or requests), by id.</summary>
    public Guid[] AssignmentIds { get; init; } = [];
    public string[] Principals { get; init; } = [];
    public string[] Roles { get; init; } = [];
    public string Fix { get; init; } = "";
    public DateTime AsOf { get; init; }

    public override string ToString() => $"{AlertType}: {Description}";
}

/// <summary>An alert type's thresholds and whether it is on.</summary>
public sealed class PimAlertSetting
{
    public string AlertType { get; init; } = "";
    public bool Enabled { get; init; } = true;
    public int? Threshold { get; init; }
    public int? Percentage { get; init; }
    public TimeSpan? Window { get; init; }
}

/// <summary>What Invoke-PimMaintenance did.</summary>
public sealed class PimMaintenanceResult
{
    public DateTime AsOf { get; init; }
    public int RequestsExpired { get; init; }
    public int NoticesQueued { get; init; }
    public int RequestsPruned { get; init; }
    public int AssignmentsPruned { get; init; }
    public int NotificationsPruned { get; init; }
}

/// <summary>A registered TOTP method, shown once: the secret (base32) and the otpauth:// URI for an authenticator app.</summary>
public sealed class PimMfaRegistration
{
    public string Principal { get; init; } = "";
    public string Secret { get; init; } = "";
    public string Uri { get; init; } = "";
    public DateTime CreatedDateTime { get; init; }
}

