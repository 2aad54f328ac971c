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
    /// <summary>The snapshot the replay started from (Test-PimAuditLog -Since; null: the log's beginning).</summary>
    public long? ReplayedFrom { get; init; }
    /// <summary>The snapshots whose digest the replay compared with the state it reached at their record (a mismatch is a Disagreement of kind Snapshot).</summary>
    public int SnapshotsCompared { get; init; }
    /// <summary>
    /// Verified stores: every state row that disagrees with the state the verified log yields (missing from it, different
    /// from it, or ended by a later verified change), and every sealed change whose actor was not entitled to it. Empty when
    /// the state is as the log says.
    /// </summary>
    public IReadOnlyList<PimStateDisagreement> Disagreements { get; init; } = [];
}

/// <summary>One state row that disagrees with the verified log, or one sealed change that counts for nothing.</summary>
public sealed class PimStateDisagreement
{
    /// <summary>Assignment, Request, RoleSetting, MailSetting, Notification or Record (a sealed change its actor was not entitled to).</summary>
    public string Kind { get; init; } = "";
    /// <summary>The row's id (or the record's sequence).</summary>
    public string Id { get; init; } = "";
    /// <summary>Missing (in the log, not in the store), Unverified (in the store, not in the log), Different, or NotEntitled.</summary>
    public string Problem { get; init; } = "";
    public string Detail { get; init; } = "";
    public override string ToString() => $"{Kind} {Id}: {Problem}";
}
