namespace PimModule;

/// <summary>What Test-PimAuditLog found.</summary>
public sealed class PimAuditVerification
{
    public bool IsValid { get; init; }
    public long RecordsChecked { get; init; }
    /// <summary>The first record that is not as the module wrote it (null when the log is valid).</summary>
    public PimAuditRecord? FirstInvalidRecord { get; init; }
    public long? FirstInvalidSequence { get; init; }
    public string? Reason { get; init; }
    /// <summary>The store's identity mode; in a Verified store the seals, key bindings and revocations were checked too.</summary>
    public PimIdentityMode IdentityMode { get; init; }
    /// <summary>The seals checked (Verified stores; 0 in a Lab store).</summary>
    public long SealsChecked { get; init; }
}
