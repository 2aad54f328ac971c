namespace PimModule;

/// <summary>A role assignment schedule request: every change of an assignment goes through one, as in Entra.</summary>
public sealed class PimRequest
{
    public Guid RequestId { get; init; }
    public PimRequestAction Action { get; init; }
    public PimRequestStatus Status { get; init; }
    public string Principal { get; init; } = "";
    public string Role { get; init; } = "";
    public Guid RoleId { get; init; }
    public string Scope { get; init; } = "/";
    public PimAssignmentType AssignmentType { get; init; }
    public TimeSpan? Duration { get; init; }
    public DateTime? StartDateTime { get; init; }
    public DateTime? EndDateTime { get; init; }
    public string? Justification { get; init; }
    public string? TicketNumber { get; init; }
    public string? TicketSystem { get; init; }
    public string CreatedBy { get; init; } = "";
    public DateTime CreatedDateTime { get; init; }
    public string? ApprovedBy { get; init; }
    public string? DecisionJustification { get; init; }
    public DateTime? DecidedDateTime { get; init; }
    /// <summary>The assignment this request created or changed.</summary>
    public Guid? AssignmentId { get; init; }
    public string? AuthenticationContextId { get; init; }
    /// <summary>The approval stage the request is in (or was decided in): 1, or 2 for a role with two stages.</summary>
    public int Stage { get; init; } = 1;
    /// <summary>Every decision on the request so far (stage, approver, decision, justification, time); one JSON column in CSV.</summary>
    public PimApprovalDecisionList Approvals { get; init; } = new([]);
    /// <summary>Who may decide the request now (pending requests only): the current stage's approvers who have not decided, and its escalation approvers once escalation opened.</summary>
    public PimPrincipalList PendingApprovers { get; init; } = new();

    public override string ToString() => $"{Action} {Role} for {Principal}: {Status}";
}
