namespace PimModule;

/// <summary>
/// An eligible or active role assignment (a schedule instance), flat so Export-Csv writes useful columns.
/// EndDateTime empty = permanent. State is computed for the time asked (-AsOf, default now).
/// </summary>
public sealed class PimAssignment
{
    public Guid AssignmentId { get; init; }
    public string Principal { get; init; } = "";
    public string Role { get; init; } = "";
    public Guid RoleId { get; init; }
    public string Scope { get; init; } = "/";
    public PimAssignmentType Type { get; init; }
    public PimMemberType MemberType { get; init; }
    public PimAssignmentState State { get; init; }
    public DateTime StartDateTime { get; init; }
    public DateTime? EndDateTime { get; init; }
    public string? Justification { get; init; }
    public string? TicketNumber { get; init; }
    public string CreatedBy { get; init; } = "";
    public DateTime CreatedDateTime { get; init; }

    public override string ToString() => $"{Principal} {Type} {Role} at {Scope}";
}

/// <summary>Why a principal does or does not hold a role at a time and scope (Test-PimAccess -Detailed).</summary>
public enum PimAccessReason
{
    /// <summary>An active assignment covers the time and scope.</summary>
    Granted,
    /// <summary>No assignment of the role at all.</summary>
    NoAssignment,
    /// <summary>Only eligible: the role must be activated first.</summary>
    EligibleOnly,
    /// <summary>An active assignment exists but starts later.</summary>
    Scheduled,
    /// <summary>The active assignment has ended.</summary>
    Expired,
    /// <summary>Active at another scope that does not cover the one asked.</summary>
    OtherScope,
}

public sealed class PimAccessResult
{
    public string Principal { get; init; } = "";
    public string Role { get; init; } = "";
    public Guid RoleId { get; init; }
    public string Scope { get; init; } = "/";
    public DateTime AsOf { get; init; }
    public bool HasAccess { get; init; }
    public PimAccessReason Reason { get; init; }
    /// <summary>The assignment that grants the role (or the nearest miss), if any.</summary>
    public PimAssignment? Assignment { get; init; }
    public Guid? AssignmentId => Assignment?.AssignmentId;
    public string Detail { get; init; } = "";

    public override string ToString() => Detail;
}
