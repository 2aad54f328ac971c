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
}

/// <summary>What Test-PimAuditLog found.</summary>
public sealed class PimAuditVerification
{
    public bool IsValid { get; init; }
    public long RecordsChecked { get; init; }
    /// <summary>The first record that is not as the module wrote it (null when the log is valid).</summary>
    public PimAuditRecord? FirstInvalidRecord { get; init; }
    public long? FirstInvalidSequence { get; init; }
    public string? Reason { get; init; }
}

/// <summary>Filters of Get-PimAuditLog; all optional.</summary>
public sealed class PimAuditQuery
{
    public DateTime? Since { get; init; }
    public DateTime? Until { get; init; }
    public string? Principal { get; init; }
    public Guid? RoleId { get; init; }
    public string[]? Actions { get; init; }
    public int? First { get; init; }
}
