namespace PimModule;

/// <summary>
/// A snapshot of a Verified store's verified state (New-PimSnapshot): sealed by a root key over the store, the record it
/// stands at, a digest of the verified state there, the rules version and the records still pending. A user with no
/// checkpoint verifies the newest one and only the records after it.
/// </summary>
public sealed class PimSnapshot
{
    public string StoreId { get; init; } = "";
    /// <summary>The record the snapshot stands at (the verified state is the log's up to and including it).</summary>
    public long Sequence { get; init; }
    /// <summary>That record's hash.</summary>
    public string HeadHash { get; init; } = "";
    /// <summary>SHA-256 of the verified state there, in its canonical form (what a user whose checkpoint reaches this record compares).</summary>
    public string StateDigest { get; init; } = "";
    /// <summary>SHA-256 of the snapshot's content as stored.</summary>
    public string ContentSha256 { get; init; } = "";
    /// <summary>The size of the content as stored, in bytes.</summary>
    public long SizeBytes { get; init; }
    /// <summary>The root-level principal who sealed it, and the root key's thumbprint.</summary>
    public string CreatedBy { get; init; } = "";
    public string KeyThumbprint { get; init; } = "";
    /// <summary>When its sealer's clock says it was made (a claim, not a fact: nothing is decided by it).</summary>
    public DateTime CreatedDateTime { get; init; }
    /// <summary>The rules version of the replay that made the state.</summary>
    public int RulesVersion { get; init; }
    /// <summary>Records dated ahead of the sealer's clock, kept pending in the state (a snapshot is used only until the first of them is due).</summary>
    public int PendingRecords { get; init; }
    public override string ToString() => $"Snapshot at record {Sequence} ({StateDigest[..Math.Min(16, StateDigest.Length)]}…)";
}
