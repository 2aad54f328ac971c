namespace PimModule;

/// <summary>What New-PimEligibleAssignment / New-PimActiveAssignment bind, one per assignment.</summary>
public sealed class PimAssignmentInput
{
    public string? Principal { get; init; }
    public PimRoleReference? Role { get; init; }
    public string? Scope { get; init; }
    public DateTime? StartDateTime { get; init; }
    public DateTime? EndDateTime { get; init; }
    public TimeSpan? Duration { get; init; }
    public bool Permanent { get; init; }
    public string? Justification { get; init; }
    public string? TicketNumber { get; init; }
    public string? TicketSystem { get; init; }
    public string? MfaCode { get; init; }
}

/// <summary>Filters of Get-PimAssignment; all optional. Without State, active and scheduled assignments are listed.</summary>
public sealed class PimAssignmentQuery
{
    public Guid? AssignmentId { get; init; }
    public string? Principal { get; init; }
    public IReadOnlyCollection<Guid>? RoleIds { get; init; }
    public string? Scope { get; init; }
    public PimAssignmentType? Type { get; init; }
    public PimAssignmentState? State { get; init; }
    public DateTime? AsOf { get; init; }
    public PimMemberType? MemberType { get; init; }
}

/// <summary>Update-PimAssignment's new schedule: one of EndDateTime, Duration (from now or the start) or Permanent.</summary>
public sealed class PimAssignmentChange
{
    public DateTime? EndDateTime { get; init; }
    public TimeSpan? Duration { get; init; }
    public bool Permanent { get; init; }
    public string? Justification { get; init; }
    public string? TicketNumber { get; init; }
    public string? TicketSystem { get; init; }
}
