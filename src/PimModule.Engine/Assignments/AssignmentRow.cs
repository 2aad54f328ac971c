using PimModule.Storage;

namespace PimModule.Assignments;

/// <summary>An assignment schedule as stored: who holds which role, where, of which type, from when until when.</summary>
internal sealed record AssignmentRow(
    Guid Id, string Principal, Guid RoleId, string Scope, PimAssignmentType Type, PimMemberType MemberType,
    DateTime Start, DateTime? End, string? Justification, string? TicketNumber, string? TicketSystem,
    string CreatedBy, DateTime Created, Guid? RequestId, Guid? EligibleId)
{
    public void Add(UnitOfWork work) => work.Insert("assignments",
        ("assignment_id", Id), ("principal", Principal), ("principal_key", global::PimModule.Identity.Principal.Fold(Principal)), ("role_id", RoleId), ("scope", Scope),
        ("type", Type), ("member_type", MemberType), ("start_utc", Start), ("end_utc", End), ("justification", Justification),
        ("ticket_number", TicketNumber), ("ticket_system", TicketSystem), ("created_by", CreatedBy), ("created_utc", Created),
        ("request_id", RequestId), ("eligible_id", EligibleId));
}
