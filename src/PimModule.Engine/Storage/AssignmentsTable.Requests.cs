using Dapper;

namespace PimModule.Storage;

internal static partial class AssignmentsTable
{
    /// <summary>
    /// The assignment statements of the request paths (activation, approval, deactivation, extension), with their own
    /// mapping onto <see cref="AssignmentRow"/> (Dapper fills it through its constructor).
    /// </summary>
    internal static class ForRequests
    {
        /// <summary>The columns in the order of AssignmentRow's constructor, named as its parameters.</summary>
        private const string Columns =
            "a.assignment_id AS id, a.principal, a.role_id, a.scope, a.type, a.member_type, a.start_utc AS start, a.end_utc AS \"end\", " +
            "a.justification, a.ticket_number, a.ticket_system, a.created_by, a.created_utc AS created, a.request_id, a.eligible_id";

        private const string Select = "SELECT " + Columns + " FROM assignments a";

        public static AssignmentRow? Find(UnitOfWork work, Guid id)
            => work.QueryFirstOrDefault<AssignmentRow>(Select + " WHERE a.assignment_id = @id", new { id });

        /// <summary>Every assignment (any type, scope and time) one principal holds of one role.</summary>
        public static List<AssignmentRow> Held(UnitOfWork work, string principal, Guid roleId)
            => work.Query<AssignmentRow>(Select + " WHERE a.principal_key = @key AND a.role_id = @roleId",
                new { key = Principal.Fold(principal), roleId });

        /// <summary>An activation ends at <paramref name="end"/> (deactivated).</summary>
        public static void End(UnitOfWork work, Guid id, DateTime end)
            => work.Execute("UPDATE assignments SET end_utc = @end WHERE assignment_id = @id", new { id, end });

        /// <summary>An activation that never started is deleted (deactivated before its start).</summary>
        public static void Delete(UnitOfWork work, Guid id)
            => work.Execute("DELETE FROM assignments WHERE assignment_id = @id", new { id });

        /// <summary>An approved extension or renewal: the assignment's new window, and the request that set it.</summary>
        public static void Reschedule(UnitOfWork work, Guid id, DateTime start, DateTime end, Guid requestId)
            => work.Execute("UPDATE assignments SET start_utc = @start, end_utc = @end, request_id = @requestId WHERE assignment_id = @id",
                new { id, start, end, requestId });
    }
}
