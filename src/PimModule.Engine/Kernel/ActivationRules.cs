using PimModule.Policy;
using PimModule.Assignments;

namespace PimModule.Kernel;

/// <summary>Why an activation may not be what it is.</summary>
internal enum ActivationRefusal
{
    /// <summary>An activation is an active, activated assignment.</summary>
    NotAnActivation,
    /// <summary>An activation always ends.</summary>
    NeverEnds,
    /// <summary>It ends after the eligibility it comes from.</summary>
    OutlivesEligibility,
    /// <summary>It lasts longer than allowed: the role's maximum for an activation at once, the duration asked for an approved request.</summary>
    LongerThanAllowed,
}

/// <summary>Why an activation may not be deactivated now.</summary>
internal enum DeactivationRefusal
{
    /// <summary>Only its holder deactivates an activation (administrators remove assignments).</summary>
    NotHolder,
    /// <summary>Only an activation (active, activated) is deactivated.</summary>
    NotAnActivation,
    /// <summary>It has ended already.</summary>
    Ended,
    /// <summary>It started less than <see cref="ActivationRules.MinimumActivation"/> ago.</summary>
    TooSoon,
    /// <summary>A sealed deactivation ended an activation that had not started (it is withdrawn: deleted).</summary>
    NotWithdrawn,
    /// <summary>A sealed deactivation deleted an activation that had started (it is ended, not deleted).</summary>
    NotEnded,
    /// <summary>A sealed deactivation changed more than the activation's end, or lengthened it.</summary>
    NotOnlyEnded,
}

/// <summary>
/// What an activation may be — the one rule that Request-PimActivation (and its -WhatIf), Approve-PimRequest and the state
/// replay call. A request asks for at most the role's ActivationMaxDuration under the settings it is made under; an
/// activation comes from an eligibility (<see cref="EligibilityRules"/>), never outlives it and lasts at most what was allowed
/// when it was decided: the role's maximum then for an activation at once, the duration asked for an approved request (a
/// maximum lowered while a request waits does not shorten what its approver approves).
/// </summary>
internal static class ActivationRules
{
    /// <summary>
    /// Whether an activation request under <paramref name="policy"/> needs a checked MFA code (ActivationRequirement Mfa or
    /// AuthenticationContext). The log records the writer's claim that it checked one (MfaVerified); it cannot prove a code
    /// was checked, so the replay holds a record to the claim and no further.
    /// </summary>
    public static bool NeedsMfa(RolePolicy policy) => policy.ActivationRequirement != PimActivationRequirement.None;

    /// <summary>How far in the past a requested start may be (clock skew between machines).</summary>
    public static readonly TimeSpan StartTolerance = TimeSpan.FromMinutes(5);

    /// <summary>Whether <paramref name="start"/> is further in the past at <paramref name="at"/> than <see cref="StartTolerance"/>.</summary>
    public static bool StartsTooEarly(DateTime start, DateTime at) => start < at - StartTolerance;

    /// <summary>Whether a request for <paramref name="duration"/> asks more than <paramref name="policy"/> allows.</summary>
    public static bool ExceedsMaximum(TimeSpan duration, RolePolicy policy) => duration > policy.ActivationMaxDuration;

    /// <summary>
    /// The principal's active assignment (of those <paramref name="held"/>, of the role) at <paramref name="scope"/> that an
    /// activation from <paramref name="start"/> to <paramref name="end"/> would overlap, asked at <paramref name="at"/>; null when none.
    /// </summary>
    public static T? Overlapping<T>(IEnumerable<T> held, string scope, DateTime start, DateTime end, DateTime at) where T : class, IHeld
        => held.FirstOrDefault(a => a.Type == PimAssignmentType.Active && string.Equals(a.Scope, scope, StringComparison.OrdinalIgnoreCase)
                                    && (a.End is null || a.End > at) && Schedules.Overlaps(a.Start, a.End, start, end));

    /// <summary>An activation cannot be deactivated in its first minutes.</summary>
    public static readonly TimeSpan MinimumActivation = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Whether deactivating at <paramref name="at"/> an activation from <paramref name="start"/> withdraws it — it has not
    /// started: its row is deleted — rather than ending it then.
    /// </summary>
    public static bool Withdrawn(DateTime start, DateTime at) => start > at;

    /// <summary>Whether an activation from <paramref name="start"/> is too young at <paramref name="at"/> to deactivate (one that has not started may be).</summary>
    public static bool TooSoonToDeactivate(DateTime start, DateTime at) => start <= at && at - start < MinimumActivation;

    /// <summary>
    /// The one decision of Request-PimDeactivation, for the write path and the replay alike: why <paramref name="actorKey"/>
    /// may not deactivate <paramref name="activation"/> at <paramref name="at"/>; null when they may — then it is withdrawn
    /// (<see cref="Withdrawn"/>: it had not started) or ends at <paramref name="at"/>.
    /// </summary>
    public static DeactivationRefusal? WhyMayNotDeactivate(IHeld activation, string actorKey, DateTime at)
        => activation.PrincipalKey != actorKey ? DeactivationRefusal.NotHolder
            : activation.Type != PimAssignmentType.Active || activation.MemberType != PimMemberType.Activated ? DeactivationRefusal.NotAnActivation
            : activation.End is { } end && end <= at ? DeactivationRefusal.Ended
            : TooSoonToDeactivate(activation.Start, at) ? DeactivationRefusal.TooSoon
            : null;

    /// <summary>
    /// What deactivating at <paramref name="at"/> an activation from <paramref name="start"/> makes of it: null when it is
    /// withdrawn (<see cref="Withdrawn"/>: its row deleted), else the end it then has.
    /// </summary>
    public static DateTime? DeactivatedEnd(DateTime start, DateTime at) => Withdrawn(start, at) ? null : at;

    /// <summary>
    /// The whole decision on a sealed deactivation of <paramref name="current"/> at <paramref name="at"/> by
    /// <paramref name="actorKey"/> that left <paramref name="after"/> (null: deleted): <see cref="WhyMayNotDeactivate"/>, then
    /// whether the record did what <see cref="DeactivatedEnd"/> decides — a withdrawal deletes, an end changes nothing but
    /// the end, and never lengthens it. Null when it counts.
    /// </summary>
    public static DeactivationRefusal? WhyNotDeactivated(IHeld current, IHeld? after, string actorKey, DateTime at)
    {
        if (WhyMayNotDeactivate(current, actorKey, at) is { } refused) return refused;
        var withdrawn = DeactivatedEnd(current.Start, at) is null;
        if (after is null) return withdrawn ? null : DeactivationRefusal.NotEnded;
        if (withdrawn) return DeactivationRefusal.NotWithdrawn;
        return after.PrincipalKey != current.PrincipalKey || after.RoleId != current.RoleId || after.Type != current.Type
               || !string.Equals(after.Scope, current.Scope, StringComparison.Ordinal) || after.MemberType != current.MemberType || after.Start != current.Start
               || after.End is not { } newEnd || current.End is { } oldEnd && newEnd > oldEnd
            ? DeactivationRefusal.NotOnlyEnded : null;
    }

    /// <summary>How much longer than allowed a sealed activation may read (its times' rounding through JSON and the clock).</summary>
    private static readonly TimeSpan Rounding = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Why <paramref name="activation"/>, from <paramref name="eligible"/>, is not an activation that lasts at most
    /// <paramref name="allowed"/>; null when it is.
    /// </summary>
    public static ActivationRefusal? WhyNot(IHeld activation, IHeld eligible, TimeSpan allowed)
        => activation.Type != PimAssignmentType.Active || activation.MemberType != PimMemberType.Activated ? ActivationRefusal.NotAnActivation
            : activation.End is not { } end ? ActivationRefusal.NeverEnds
            : EligibilityRules.Within(eligible, end) != end ? ActivationRefusal.OutlivesEligibility
            : end - activation.Start > allowed + Rounding ? ActivationRefusal.LongerThanAllowed
            : null;
}
