using PimModule.Assignments;

namespace PimModule.Kernel;

/// <summary>
/// What the rules need of an assignment: the tables' rows (<c>AssignmentRow</c>) and the verified state's replayed
/// assignments both are one, so every rule over assignments is written once, here, and both sides call it.
/// </summary>
internal interface IHeld
{
    Guid Id { get; }
    string PrincipalKey { get; }
    Guid RoleId { get; }
    PimAssignmentType Type { get; }
    string Scope { get; }
    PimMemberType MemberType { get; }
    DateTime Start { get; }
    DateTime? End { get; }
}

/// <summary>An assignment's facts on their own (what a replayed record says; what a Given step of a kernel test holds).</summary>
internal sealed record HeldAssignment(
    Guid Id, string PrincipalKey, Guid RoleId, PimAssignmentType Type, string Scope, PimMemberType MemberType, DateTime Start, DateTime? End) : IHeld;

/// <summary>Time rules of a schedule.</summary>
internal static class Held
{
    /// <summary>In force at <paramref name="at"/>: started, not ended (an end is exclusive) — <see cref="Schedules.StateAt"/>'s Active.</summary>
    public static bool InForce(DateTime start, DateTime? end, DateTime at) => Schedules.StateAt(start, end, at) == PimAssignmentState.Active;

    /// <inheritdoc cref="InForce(DateTime, DateTime?, DateTime)"/>
    public static bool InForce(this IHeld a, DateTime at) => InForce(a.Start, a.End, at);

    /// <summary>Whether <paramref name="a"/> grants its role at <paramref name="scope"/> at <paramref name="at"/>: active, covering the scope, in force (Test-PimAccess).</summary>
    public static bool GrantsAt(this IHeld a, string scope, DateTime at) => a.Type == PimAssignmentType.Active && Scope.Covers(a.Scope, scope) && a.InForce(at);
}
