namespace PimModule;

/// <summary>The shapes written as before/after JSON in the audit log.</summary>
internal static class AuditView
{
    public static object Of(AssignmentRow a) => new
    {
        AssignmentId = a.Id, a.Principal, RoleId = a.RoleId, a.Scope, Type = a.Type.ToString(), MemberType = a.MemberType.ToString(),
        StartDateTime = a.Start, EndDateTime = a.End, a.Justification, a.TicketNumber, a.TicketSystem,
    };

    public static object Of(PimRole r) => new { r.Name, r.Id, r.Description, r.IsBuiltIn, r.IsPrivileged };
}
