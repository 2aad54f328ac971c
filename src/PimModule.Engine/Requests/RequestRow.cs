using PimModule.Storage;

namespace PimModule;

/// <summary>A role assignment schedule request as stored: every mutation of an assignment goes through one.</summary>
internal sealed record RequestRow(
    Guid Id, PimRequestAction Action, PimRequestStatus Status, string Principal, Guid RoleId, string Scope,
    PimAssignmentType AssignmentType, TimeSpan? Duration, DateTime? Start, DateTime? End,
    string? Justification, string? TicketNumber, string? TicketSystem, string CreatedBy, DateTime Created,
    string? ApprovedBy = null, string? DecisionJustification = null, DateTime? Decided = null,
    Guid? AssignmentId = null, Guid? TargetAssignmentId = null, string? AuthenticationContext = null, bool MfaVerified = false)
{
    public const string Insert =
        "INSERT INTO requests (request_id, action, status, principal, principal_key, role_id, scope, assignment_type, " +
        "duration_ticks, start_utc, end_utc, justification, ticket_number, ticket_system, created_by, created_utc, approved_by, " +
        "decision_justification, decided_utc, assignment_id, target_assignment_id, authentication_context, mfa_verified) VALUES " +
        "(@id, @action, @status, @p, @pk, @role, @scope, @type, @dur, @start, @end, @just, @tn, @ts, @by, @at, @appr, @dj, @dec, " +
        "@asg, @target, @ctx, @mfa)";

    public void Add(UnitOfWork work) => work.Execute(Insert,
        ("@id", Id), ("@action", Action), ("@status", Status), ("@p", Principal), ("@pk", Db.Key(Principal)), ("@role", RoleId),
        ("@scope", Scope), ("@type", AssignmentType), ("@dur", Duration), ("@start", Start), ("@end", End),
        ("@just", Justification), ("@tn", TicketNumber), ("@ts", TicketSystem), ("@by", CreatedBy), ("@at", Created),
        ("@appr", ApprovedBy), ("@dj", DecisionJustification), ("@dec", Decided), ("@asg", AssignmentId),
        ("@target", TargetAssignmentId), ("@ctx", AuthenticationContext), ("@mfa", MfaVerified));
}
