using PimModule.Storage;

namespace PimModule.Requests;

/// <summary>
/// A role assignment schedule request as stored: every mutation of an assignment goes through one. Read and written by
/// <see cref="RequestsTable"/> (Dapper fills it through this constructor).
/// </summary>
internal sealed record RequestRow(
    Guid Id, PimRequestAction Action, PimRequestStatus Status, string Principal, Guid RoleId, string Scope,
    PimAssignmentType AssignmentType, TimeSpan? Duration, DateTime? Start, DateTime? End,
    string? Justification, string? TicketNumber, string? TicketSystem, string CreatedBy, DateTime Created,
    string? ApprovedBy = null, string? DecisionJustification = null, DateTime? Decided = null,
    Guid? AssignmentId = null, Guid? TargetAssignmentId = null, string? AuthenticationContext = null, bool MfaVerified = false,
    long Stage = 1, DateTime? StageStarted = null, SqlTypes.AggregateText? Decisions = null)
{
    /// <summary>When the stage the request waits in began: its 24 hours count from here (stage 1: when it was made).</summary>
    public DateTime StageStart => StageStarted ?? Created;

    public void Add(UnitOfWork work) => RequestsTable.Insert(work, this);

    /// <summary>What a request keeps of a free text (justification, ticket): trimmed, and null when blank.</summary>
    public static string? Text(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
