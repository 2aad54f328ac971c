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
    /// <summary>The group through which a member holds this assignment (the group's display name); empty for a principal's own.</summary>
    public string? Via { get; init; }
    public override string ToString() => $"{Principal} {Type} {Role} at {Scope}";
}
