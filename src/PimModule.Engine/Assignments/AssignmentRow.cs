using PimModule.Storage;

namespace PimModule;

/// <summary>An assignment schedule as stored: who holds which role, where, of which type, from when until when.</summary>
internal sealed record AssignmentRow(
    Guid Id, string Principal, Guid RoleId, string Scope, PimAssignmentType Type, PimMemberType MemberType,
    DateTime Start, DateTime? End, string? Justification, string? TicketNumber, string? TicketSystem,
    string CreatedBy, DateTime Created, Guid? RequestId, Guid? EligibleId)
{
    public const string Insert =
        "INSERT INTO assignments (assignment_id, principal, principal_key, role_id, scope, type, member_type, start_utc, end_utc, " +
        "justification, ticket_number, ticket_system, created_by, created_utc, request_id, eligible_id) VALUES " +
        "(@id, @p, @pk, @role, @scope, @type, @mt, @start, @end, @just, @tn, @ts, @by, @at, @req, @elig)";

    public void Add(UnitOfWork work) => work.Execute(Insert,
        ("@id", Id), ("@p", Principal), ("@pk", Db.Key(Principal)), ("@role", RoleId), ("@scope", Scope), ("@type", Type),
        ("@mt", MemberType), ("@start", Start), ("@end", End), ("@just", Justification), ("@tn", TicketNumber),
        ("@ts", TicketSystem), ("@by", CreatedBy), ("@at", Created), ("@req", RequestId), ("@elig", EligibleId));
}
