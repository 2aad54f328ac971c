using PimModule.Storage;

namespace PimModule.Requests;

/// <summary>A role assignment schedule request as stored: every mutation of an assignment goes through one.</summary>
internal sealed record RequestRow(
    Guid Id, PimRequestAction Action, PimRequestStatus Status, string Principal, Guid RoleId, string Scope,
    PimAssignmentType AssignmentType, TimeSpan? Duration, DateTime? Start, DateTime? End,
    string? Justification, string? TicketNumber, string? TicketSystem, string CreatedBy, DateTime Created,
    string? ApprovedBy = null, string? DecisionJustification = null, DateTime? Decided = null,
    Guid? AssignmentId = null, Guid? TargetAssignmentId = null, string? AuthenticationContext = null, bool MfaVerified = false)
{
    public void Add(UnitOfWork work) => work.Insert("requests",
        ("request_id", Id), ("action", Action), ("status", Status), ("principal", Principal), ("principal_key", global::PimModule.Identity.Principal.Fold(Principal)),
        ("role_id", RoleId), ("scope", Scope), ("assignment_type", AssignmentType), ("duration_ticks", Duration), ("start_utc", Start),
        ("end_utc", End), ("justification", Justification), ("ticket_number", TicketNumber), ("ticket_system", TicketSystem),
        ("created_by", CreatedBy), ("created_utc", Created), ("approved_by", ApprovedBy), ("decision_justification", DecisionJustification),
        ("decided_utc", Decided), ("assignment_id", AssignmentId), ("target_assignment_id", TargetAssignmentId),
        ("authentication_context", AuthenticationContext), ("mfa_verified", MfaVerified));
}
