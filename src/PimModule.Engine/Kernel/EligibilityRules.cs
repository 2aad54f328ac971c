using PimModule.Assignments;

namespace PimModule.Kernel;

/// <summary>
/// Where an activation comes from — the one rule that requesting, its -WhatIf, approving and the state replay call: the
/// eligible assignment of the role that covers the activation's scope and is in force at its start (the one that lasts
/// longest when several do); the activation never outlives it.
/// </summary>
internal static class EligibilityRules
{
    /// <summary>Whether <paramref name="a"/> is an eligibility that covers <paramref name="scope"/>.</summary>
    public static bool Covers(IHeld a, string scope) => a.Type == PimAssignmentType.Eligible && Scope.Covers(a.Scope, scope);

    /// <summary>The eligible assignment (of those <paramref name="held"/>, one principal's of one role) an activation at <paramref name="scope"/> from <paramref name="start"/> comes from; null when none.</summary>
    public static T? Source<T>(IEnumerable<T> held, string scope, DateTime start) where T : class, IHeld
        => held.Where(a => Covers(a, scope) && a.InForce(start)).OrderByDescending(a => a.End ?? DateTime.MaxValue).FirstOrDefault();

    /// <summary>The first eligible assignment at <paramref name="scope"/> that starts after <paramref name="start"/> (to say when one may activate).</summary>
    public static T? Next<T>(IEnumerable<T> held, string scope, DateTime start) where T : class, IHeld
        => held.Where(a => Covers(a, scope) && a.Start > start).MinBy(a => a.Start);

    /// <summary>Whether <paramref name="eligible"/> is an eligibility <paramref name="activation"/> may come from: its principal's, of its role, covering its scope, in force at its start.</summary>
    public static bool IsSourceOf(IHeld eligible, IHeld activation)
        => eligible.PrincipalKey == activation.PrincipalKey && eligible.RoleId == activation.RoleId && Covers(eligible, activation.Scope) && eligible.InForce(activation.Start);

    /// <summary>
    /// Whether <paramref name="eligible"/> still holds <paramref name="activation"/> as it stands (read at any time after the
    /// activation was made: an eligibility shortened or removed since ends what came from it): an eligibility of its principal
    /// and role, covering its scope, that ends no earlier than it.
    /// </summary>
    public static bool Holds(IHeld eligible, IHeld activation)
        => eligible.Type == PimAssignmentType.Eligible && eligible.PrincipalKey == activation.PrincipalKey && eligible.RoleId == activation.RoleId
           && Scope.Covers(eligible.Scope, activation.Scope) && (eligible.End is not { } end || activation.End is { } activationEnd && activationEnd <= end);

    /// <summary>An activation's end <paramref name="end"/>, cut to its eligibility's end.</summary>
    public static DateTime Within(IHeld source, DateTime end) => source.End is { } eligibleEnd && end > eligibleEnd ? eligibleEnd : end;
}
