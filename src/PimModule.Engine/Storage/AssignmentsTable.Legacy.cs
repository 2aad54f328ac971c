using System.Data.Common;

namespace PimModule.Storage;

/// <summary>
/// The old way in, kept only for the areas that still read assignments with hand-written SQL through the legacy
/// UnitOfWork helpers (Alerts, Maintenance, Activation: <c>AssignmentService.Select + " WHERE a.…"</c>, mapped by
/// <see cref="LegacyMap"/>). It keeps the text those callers were written against — alias <c>a</c>, and the JOIN that
/// skips the rows of removed roles — and goes with the legacy helpers once they ask the methods of AssignmentsTable.
/// Nothing of the assignment services uses it.
/// </summary>
internal static partial class AssignmentsTable
{
    internal const string LegacySelect =
        "SELECT a.assignment_id, a.principal, a.role_id, r.name AS role_name, a.scope, a.type, a.member_type, a.start_utc, a.end_utc, " +
        "a.justification, a.ticket_number, a.ticket_system, a.created_by, a.created_utc, a.request_id, a.eligible_id " +
        "FROM assignments a JOIN roles r ON r.role_id = a.role_id";

    /// <summary>A row of <see cref="LegacySelect"/>.</summary>
    internal static AssignmentRow LegacyMap(DbDataReader r) => new(
        r.GetGuid("assignment_id"), r.GetText("principal"), r.GetGuid("role_id"), r.GetText("scope"),
        r.GetEnum<PimAssignmentType>("type"), r.GetEnum<PimMemberType>("member_type"), r.GetUtc("start_utc"), r.GetDateTime("end_utc"),
        r.GetStringOrNull("justification"), r.GetStringOrNull("ticket_number"), r.GetStringOrNull("ticket_system"),
        r.GetText("created_by"), r.GetUtc("created_utc"), r.GetGuidOrNull("request_id"), r.GetGuidOrNull("eligible_id"));
}
