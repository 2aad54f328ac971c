using RequestState = PimModule.Checkpoint.VerifiedState.RequestState;
using ReviewState = PimModule.Checkpoint.VerifiedState.ReviewState;

namespace PimModule.Checkpoint;

/// <summary>
/// What a sealed record that counts does to the verified state: the events of the checkpoint's projection. A record's
/// decider (beside its writer: Assignments/AssignmentRecords.cs, Requests/RequestRecords.cs, Reviews/ReviewRecords.cs,
/// Policy/SettingRecords.cs) decides them from the state so far; <see cref="CheckpointTables.Evolve"/> applies them.
/// </summary>
internal abstract record CheckpointChange;

internal sealed record AssignmentPut(VerifiedAssignment Assignment) : CheckpointChange;

internal sealed record AssignmentRemoved(string Id) : CheckpointChange;

/// <summary>Pruned history: the assignments that ended before <see cref="Cut"/> are gone.</summary>
internal sealed record EndedRemoved(long Cut) : CheckpointChange;

/// <summary>A protection keeps only the assignments of these roles (it endorses the rest again, as <see cref="AssignmentPut"/>s).</summary>
internal sealed record AssignmentsOnlyOf(IReadOnlyCollection<string> Roles) : CheckpointChange;

/// <summary>A new request, in its first stage from when it was made (<see cref="RequestState.Stage"/> and its start are ignored).</summary>
internal sealed record RequestAdded(RequestState Request) : CheckpointChange;

internal sealed record DecisionAdded(string RequestId, string ApproverKey, long Stage, string Decision, long At) : CheckpointChange;

/// <summary>The request moves to its next approval stage, whose 24 hours start at <see cref="At"/>.</summary>
internal sealed record StageAdvanced(string RequestId, long At) : CheckpointChange;

/// <summary>
/// The request ends with <see cref="Status"/>; an approved activation names the assignment it provisions, which its
/// transaction then writes (<see cref="Provisions"/>: what the approval allows it to be).
/// </summary>
internal sealed record RequestClosed(string RequestId, string Status, string? Provisioned, long At, ApprovedActivation? Provisions) : CheckpointChange;

/// <summary>What an approval sealed in a transaction lets the activation it provisions be.</summary>
internal sealed record ApprovedActivation(string PrincipalKey, string RoleId, string? Scope, long? DurationTicks);

internal sealed record PolicyPut(string RoleId, string Describe, string? Rules) : CheckpointChange;

internal sealed record PoliciesCleared : CheckpointChange;

internal sealed record MailPut(string? View) : CheckpointChange;

internal sealed record DirectoryObjectPut(string Id, string UserPrincipalName, string PrincipalKey, string? DisplayName) : CheckpointChange;

/// <summary>A group made (CreateGroup), by <see cref="CreatedBy"/> at <see cref="CreatedTicks"/>.</summary>
internal sealed record GroupPut(string Id, string DisplayName, string? Description, bool IsAssignableToRole, string CreatedBy, long CreatedTicks) : CheckpointChange;

/// <summary>A group removed (RemoveGroup): its memberships, and its membership of other groups, go with it.</summary>
internal sealed record GroupDropped(string Id) : CheckpointChange;

/// <summary>A direct member added to a group: <see cref="MemberKey"/> is a user's principal key or a group's key.</summary>
internal sealed record GroupMemberPut(string GroupId, string MemberKey, string Member, string AddedBy, long AddedTicks) : CheckpointChange;

internal sealed record GroupMemberDropped(string GroupId, string MemberKey) : CheckpointChange;

internal sealed record NoticesAdded(IReadOnlyList<(string Id, string Digest)> Notices) : CheckpointChange;

internal sealed record ReviewAdded(ReviewState Review, IReadOnlyList<(string Id, string AssignmentId, string PrincipalKey, string Recommendation)> Items) : CheckpointChange;

internal sealed record ReviewCompleted(string Id) : CheckpointChange;

internal sealed record ReviewItemDecided(string Id, string Decision, string ReviewedBy) : CheckpointChange;

/// <summary>A decider's answer on a sealed record: it counts, and changes the state so; or it counts for nothing, and why.</summary>
internal sealed record RecordVerdict(string Kind, string? Refusal, IReadOnlyList<CheckpointChange> Changes)
{
    public static RecordVerdict Counts(string kind, params CheckpointChange[] changes) => new(kind, null, changes);

    public static RecordVerdict Refused(string kind, string why) => new(kind, why, []);
}
