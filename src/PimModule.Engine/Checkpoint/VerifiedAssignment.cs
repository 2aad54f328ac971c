using PimModule.Kernel;

namespace PimModule.Checkpoint;

/// <summary>A verified assignment as the checkpoint holds it; to the kernel's rules, an assignment like any other (<see cref="IHeld"/>).</summary>
internal sealed record VerifiedAssignment(string Id, string PrincipalKey, string RoleId, string Type, string Scope, string MemberType, long Start, long? End, string Json) : IHeld
{
    /// <summary>A row of verified_assignments (Dapper's constructor: the checkpoint keeps the view's digest, not the view).</summary>
    public VerifiedAssignment(string id, string principalKey, string roleId, string type, string scope, string memberType, long start, long? end)
        : this(id, principalKey, roleId, type, scope, memberType, start, end, "") { }

    /// <summary>The query of verified_assignments that Dapper reads into this record (add WHERE …).</summary>
    public const string Select = "SELECT id, principal_key, role_id, type, scope, member_type, start_ticks AS start, end_ticks AS \"end\" FROM verified_assignments";

    Guid IHeld.Id => Guid.Parse(Id);
    Guid IHeld.RoleId => Guid.Parse(RoleId);
    PimAssignmentType IHeld.Type => Type == "Eligible" ? PimAssignmentType.Eligible : PimAssignmentType.Active;
    PimMemberType IHeld.MemberType => MemberType == "Direct" ? PimMemberType.Direct : PimMemberType.Activated;
    DateTime IHeld.Start => new(Start, DateTimeKind.Utc);
    DateTime? IHeld.End => End is { } e ? new DateTime(e, DateTimeKind.Utc) : null;
}
