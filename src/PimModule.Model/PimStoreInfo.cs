namespace PimModule;

/// <summary>What Get-PimStore shows: where the store is, its schema and what it holds.</summary>
public sealed class PimStoreInfo
{
    public PimStoreProvider Provider { get; init; }
    public string Location { get; init; } = "";
    public int SchemaVersion { get; init; }
    /// <summary>The store's id, fixed at its creation (a copy keeps it).</summary>
    public string StoreId { get; init; } = "";
    /// <summary>Lab (principals are claimed) or Verified (principals act with their own keys; every change is sealed).</summary>
    public PimIdentityMode IdentityMode { get; init; }
    /// <summary>A Verified store's root of trust as -TrustAnchor takes it: "&lt;StoreId&gt;:&lt;root key thumbprint&gt;"; empty for a Lab store.</summary>
    public string? TrustAnchor { get; init; }
    public string Principal { get; init; } = "";
    public int RoleCount { get; init; }
    public int CustomRoleCount { get; init; }
    public long AssignmentCount { get; init; }
    public long EligibleAssignmentCount { get; init; }
    public long ActiveAssignmentCount { get; init; }
    public long PendingRequestCount { get; init; }
    /// <summary>Notifications that failed for good: undeliverable (the recipient is not a mail address) or out of delivery attempts (Get-PimNotification -Status Failed lists them).</summary>
    public long FailedNotificationCount { get; init; }
    public long AuditRecordCount { get; init; }
    /// <summary>Transient conflicts this PowerShell process retried inside the engine (none reach the user).</summary>
    public long RetriedConflicts { get; init; }
    public DateTime CreatedDateTime { get; init; }
    public string CreatedBy { get; init; } = "";
    /// <summary>A Verified store's newest snapshot (the record it stands at; New-PimSnapshot), as stored: null when it has none.</summary>
    public long? NewestSnapshot { get; init; }
    /// <summary>The snapshot this session's verification started from, when it had no checkpoint of the store (null: it verified the whole log, or its checkpoint's tail).</summary>
    public long? VerifiedFromSnapshot { get; init; }
}
