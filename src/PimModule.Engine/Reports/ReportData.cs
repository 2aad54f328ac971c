namespace PimModule.Reports;

// What Export-PimReport shows: aggregates the database computes (rows of these shapes, filled by Dapper), and the
// report they make. Every text in them may come from the store (role names, principals, justifications, alert text):
// HtmlReport escapes each one where it is written.

internal sealed class DailyCount
{
    /// <summary>Ticks per UTC day, as SQL divides a time stored as ticks by it.</summary>
    public const string TicksPerDay = "864000000000";
    public string Role { get; set; } = "";
    public long Day { get; set; }
    public long Count { get; set; }
}

internal sealed class ApprovalWait
{
    public string Role { get; set; } = "";
    public long Count { get; set; }
    /// <summary>Ticks from request to approval: the median and the 90th percentile (nearest rank).</summary>
    public long? Median { get; set; }
    public long? P90 { get; set; }
}

internal sealed class RequesterCount
{
    public string Principal { get; set; } = "";
    public long Count { get; set; }
}

internal sealed class AssignmentCount
{
    public string Type { get; set; } = "";
    public string MemberType { get; set; } = "";
    public string State { get; set; } = "";
    public long Count { get; set; }
}

internal sealed class PermanenceCount
{
    public string Role { get; set; } = "";
    public string Type { get; set; } = "";
    public long Permanent { get; set; }
    public long TimeBound { get; set; }
}

/// <summary>One activation request as the report lists it (the latest of the period).</summary>
internal sealed record ReportActivation(DateTime Created, string Principal, string Role, string Status, string? Justification);

/// <summary>What the report says of the audit chain: a verification made for it, or the session's verified head.</summary>
internal sealed record ReportAudit(bool Verified, bool? IsValid, long Records, long Seals, string? Reason, long? FirstInvalidSequence,
    DateTime? VerifiedAt, string Summary);

/// <summary>Everything one report shows.</summary>
internal sealed record ReportData(
    DateTime GeneratedAt, DateTime Since, DateTime Until, string Location, PimIdentityMode IdentityMode, string Actor,
    IReadOnlyDictionary<string, string> RoleNames,
    IReadOnlyList<DailyCount> ActivationsPerDay,
    IReadOnlyList<ApprovalWait> ApprovalWaits,
    IReadOnlyList<AssignmentCount> Assignments,
    IReadOnlyList<PermanenceCount> Privileged,
    IReadOnlyList<PimAlert> Alerts,
    IReadOnlyList<RequesterCount> Requesters,
    IReadOnlyList<ReportActivation> Latest,
    ReportAudit Audit)
{
    /// <summary>A role id's name (the id itself for a role the store no longer has).</summary>
    public string RoleName(string id) => RoleNames.TryGetValue(id.ToLowerInvariant(), out var n) ? n : id;
}
