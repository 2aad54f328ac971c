namespace PimModule.Storage;

/// <summary>What the assignment services write to the requests table.</summary>
internal static partial class RequestsTable
{
    private static readonly string[] BulkColumns =
    [
        "request_id", "action", "status", "principal", "principal_key", "role_id", "scope", "assignment_type", "duration_ticks",
        "start_utc", "end_utc", "justification", "ticket_number", "ticket_system", "created_by", "created_utc", "approved_by",
        "decision_justification", "decided_utc", "assignment_id", "target_assignment_id", "authentication_context", "mfa_verified",
    ];

    /// <summary>
    /// Writes the requests of a batch of new assignments (one AdminAssign each) together: binary COPY on PostgreSQL, a
    /// prepared INSERT on SQLite. The same columns and values as <see cref="RequestRow.Add"/> writes one at a time.
    /// </summary>
    public static void InsertMany(UnitOfWork work, IReadOnlyList<RequestRow> rows)
    {
        if (rows.Count == 0) return;
        using var bulk = work.Bulk("requests", BulkColumns);
        foreach (var q in rows)
        {
            bulk.Row();
            bulk.Id(q.Id);
            bulk.Text(q.Action.ToString());
            bulk.Text(q.Status.ToString());
            bulk.Text(q.Principal);
            bulk.Text(Principal.Fold(q.Principal));
            bulk.Id(q.RoleId);
            bulk.Text(q.Scope);
            bulk.Text(q.AssignmentType.ToString());
            bulk.Long(q.Duration?.Ticks);
            bulk.Time(q.Start);
            bulk.Time(q.End);
            bulk.Text(q.Justification);
            bulk.Text(q.TicketNumber);
            bulk.Text(q.TicketSystem);
            bulk.Text(q.CreatedBy);
            bulk.Time(q.Created);
            bulk.Text(q.ApprovedBy);
            bulk.Text(q.DecisionJustification);
            bulk.Time(q.Decided);
            bulk.Id(q.AssignmentId);
            bulk.Id(q.TargetAssignmentId);
            bulk.Text(q.AuthenticationContext);
            bulk.Flag(q.MfaVerified);
        }
        bulk.Complete();
    }
}
