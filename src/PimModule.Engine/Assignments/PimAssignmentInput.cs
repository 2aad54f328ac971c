using PimModule.Roles;
using PimModule.Validation;

namespace PimModule.Assignments;

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

    /// <summary>
    /// The input limits of one assignment, checked without the store (a bad CSV row costs nothing): the principal
    /// (ASCII, 256), the scope (400; an empty scope is refused, a missing one is '/'), the role name (128), the
    /// justification and ticket fields (500, no control characters), the times (UTC, 1900 … 9000; Unspecified is
    /// local) and the duration (positive, at most 100 years). Returns a normalised copy; throws the first refusal.
    /// AssignmentWriter.Add calls this on every row, so the cmdlets and CSV rows go through the same rules.
    /// </summary>
    /// <summary>A copy naming another principal (an object id mapped to its UPN).</summary>
    internal PimAssignmentInput WithPrincipal(string principal)
        => new()
        {
            Principal = principal, Role = Role, Scope = Scope, StartDateTime = StartDateTime, EndDateTime = EndDateTime, Duration = Duration,
            Permanent = Permanent, Justification = Justification, TicketNumber = TicketNumber, TicketSystem = TicketSystem, MfaCode = MfaCode,
        };

    public PimAssignmentInput Validate() => new()
    {
        // A group's key (group:<object id>) is resolved by the writer before this (GroupPrincipal); anything else is a user.
        Principal = PimGroupKey.TryParse(Principal, out _) ? Principal : global::PimModule.Identity.Principal.Validate(Principal),
        Role = RoleName.Check(Role),
        Scope = global::PimModule.Assignments.Scope.Validate(Scope),
        StartDateTime = Times.Utc(StartDateTime, nameof(StartDateTime)),
        EndDateTime = Times.Utc(EndDateTime, nameof(EndDateTime)),
        Duration = Times.Duration(Duration, nameof(Duration)),
        Permanent = Permanent,
        Justification = Input.Text(Justification, nameof(Justification), Input.JustificationLength),
        TicketNumber = Input.Text(TicketNumber, nameof(TicketNumber), Input.TicketLength),
        TicketSystem = Input.Text(TicketSystem, nameof(TicketSystem), Input.TicketLength),
        MfaCode = Input.Text(MfaCode, nameof(MfaCode), Input.MfaCodeLength, secret: true),
    };
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
    /// <summary>Verified stores: list the rows the verified log does not hold as they are too (Verified = false).</summary>
    public bool IncludeUnverified { get; init; }
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
    /// <summary>The administrator's MFA code: needed to extend or renew an active assignment of a role that requires MFA on active assignment.</summary>
    public string? MfaCode { get; init; }

    /// <summary>The input limits of an update (times, duration, justification and ticket fields); a normalised copy.</summary>
    public PimAssignmentChange Validate() => new()
    {
        EndDateTime = Times.Utc(EndDateTime, nameof(EndDateTime)),
        Duration = Times.Duration(Duration, nameof(Duration)),
        Permanent = Permanent,
        Justification = Input.Text(Justification, nameof(Justification), Input.JustificationLength),
        TicketNumber = Input.Text(TicketNumber, nameof(TicketNumber), Input.TicketLength),
        TicketSystem = Input.Text(TicketSystem, nameof(TicketSystem), Input.TicketLength),
        MfaCode = Input.Text(MfaCode, nameof(MfaCode), Input.MfaCodeLength, secret: true),
    };
}
