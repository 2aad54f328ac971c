using PimModule.Policy;

namespace PimModule.Kernel;

/// <summary>Why an activation request may not be made (beyond its texts, which the role's settings check).</summary>
internal enum RequestRefusal
{
    /// <summary>It starts further in the past than <see cref="ActivationRules.StartTolerance"/>.</summary>
    StartsTooEarly,
    /// <summary>No eligibility of the principal covers the scope at its start (<see cref="EligibilityRules.Source{T}"/>).</summary>
    NotEligible,
    /// <summary>It asks more than the role's ActivationMaxDuration.</summary>
    ExceedsMaximum,
    /// <summary>The role is active for the principal at the scope during it.</summary>
    Overlaps,
    /// <summary>A request of the role at the scope waits already.</summary>
    SameScopePending,
    /// <summary>As many requests of the role as may wait, wait already.</summary>
    TooManyPending,
    /// <summary>The role's settings need a checked MFA code, and none was (the record does not claim one).</summary>
    NoMfa,
}

/// <summary>
/// What the request rules answered: the refusal (null: none), the eligibility the activation comes from (or, when none
/// does, the next one that would: <see cref="Later"/>), its end (never after that eligibility), the active assignment it
/// would overlap and the scopes of the requests waiting.
/// </summary>
internal sealed record RequestVerdict<T>(RequestRefusal? Refusal, T? Eligible, T? Later, DateTime End, T? Active, IReadOnlyList<string?> PendingScopes)
    where T : class, IHeld;

/// <summary>
/// The rules of an activation request, in the one order Request-PimActivation (and its -WhatIf) and the state replay apply
/// them. A new rule is a line here, its two tellings (the error, the replay's reason) in Requests/RequestRefusals.cs, and
/// its test. In order: a start at most <see cref="ActivationRules.StartTolerance"/> ago; an eligibility covering the scope
/// then; at most the role's ActivationMaxDuration under the settings then; an end never after the eligibility's; no active
/// assignment of the role at the scope during it; within the pending limits (<see cref="RequestLimits"/>); a checked MFA
/// code where the settings need one (the module checks the code after every other rule, so it asks with
/// <c>mfaChecked</c> true; the replay holds a record to its claim).
/// </summary>
internal static class ActivationRequestRules
{
    /// <param name="held">The principal's assignments of the role (eligible and active).</param>
    /// <param name="add">The start plus the duration asked (the writer's checks the result's range, and refuses it in its place in the order).</param>
    public static RequestVerdict<T> Decide<T>(RolePolicy policy, string scope, DateTime start, TimeSpan duration, IReadOnlyCollection<T> held,
        IReadOnlyList<string?> pendingScopes, bool mfaChecked, DateTime at, Func<DateTime, TimeSpan, DateTime> add) where T : class, IHeld
    {
        RequestVerdict<T> No(RequestRefusal why, T? eligible = null, T? later = null, DateTime end = default, T? active = null)
            => new(why, eligible, later, end, active, pendingScopes);
        if (ActivationRules.StartsTooEarly(start, at)) return No(RequestRefusal.StartsTooEarly);
        if (EligibilityRules.Source(held, scope, start) is not { } eligible) return No(RequestRefusal.NotEligible, later: EligibilityRules.Next(held, scope, start));
        if (ActivationRules.ExceedsMaximum(duration, policy)) return No(RequestRefusal.ExceedsMaximum, eligible);
        var end = EligibilityRules.Within(eligible, add(start, duration));
        if (ActivationRules.Overlapping(held, scope, start, end, at) is { } active) return No(RequestRefusal.Overlaps, eligible, end: end, active: active);
        switch (RequestLimits.WhyNot(pendingScopes, scope))
        {
            case PendingRefusal.SameScope: return No(RequestRefusal.SameScopePending, eligible, end: end);
            case PendingRefusal.TooMany: return No(RequestRefusal.TooManyPending, eligible, end: end);
        }
        if (ActivationRules.NeedsMfa(policy) && !mfaChecked) return No(RequestRefusal.NoMfa, eligible, end: end);
        return new(null, eligible, null, end, null, pendingScopes);
    }
}
