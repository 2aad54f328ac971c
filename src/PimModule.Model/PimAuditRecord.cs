namespace PimModule;

/// <summary>One entry of the hash-chained audit log: who changed what, when, and the values before and after.</summary>
public sealed class PimAuditRecord
{
    public long Sequence { get; init; }
    public Guid AuditId { get; init; }
    public DateTime DateTime { get; init; }
    public string Actor { get; init; } = "";
    public string Action { get; init; } = "";
    public string TargetType { get; init; } = "";
    public string? TargetId { get; init; }
    public Guid? RoleId { get; init; }
    public string? Role { get; init; }
    public string? Principal { get; init; }
    public string? Before { get; init; }
    public string? After { get; init; }
    public string PreviousHash { get; init; } = "";
    public string Hash { get; init; } = "";
    /// <summary>Lab (the actor was claimed) or Verified (the actor's own key sealed the transaction that wrote this record).</summary>
    public PimIdentityMode IdentityMode { get; init; }
}
