using PimModule.Roles;
using PimModule.Validation;

namespace PimModule.Requests;

/// <summary>What Request-PimActivation asks for.</summary>
public sealed class PimActivationInput
{
    public required PimRoleReference Role { get; init; }
    public string? Scope { get; init; }
    public TimeSpan? Duration { get; init; }
    public string? Justification { get; init; }
    public string? TicketNumber { get; init; }
    public string? TicketSystem { get; init; }
    public string? MfaCode { get; init; }
    public DateTime? StartDateTime { get; init; }

    /// <summary>
    /// The input limits, checked before the store is asked: scope (400; empty refused, missing is '/'), role name (128),
    /// justification and ticket fields (500, no control characters), MFA code (64), start (UTC, 1900 … 9000; Unspecified
    /// is local) and duration (positive, at most 100 years). Returns a normalised copy.
    /// </summary>
    public PimActivationInput Validate() => new()
    {
        Role = RoleName.Check(Role)!,
        Scope = global::PimModule.Assignments.Scope.Validate(Scope),
        Duration = Times.Duration(Duration, nameof(Duration)),
        Justification = Input.Text(Justification, nameof(Justification), Input.JustificationLength),
        TicketNumber = Input.Text(TicketNumber, nameof(TicketNumber), Input.TicketLength),
        TicketSystem = Input.Text(TicketSystem, nameof(TicketSystem), Input.TicketLength),
        MfaCode = Input.Text(MfaCode, nameof(MfaCode), Input.MfaCodeLength, secret: true),
        StartDateTime = Times.Utc(StartDateTime, nameof(StartDateTime)),
    };
}
