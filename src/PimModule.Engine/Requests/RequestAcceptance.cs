using PimModule.Assignments;
using PimModule.Audit.Events;
using PimModule.Kernel;
using PimModule.Policy;
using PimModule.Validation;

namespace PimModule.Requests;

/// <summary>
/// What a sealed activation request must be to count (the state replay asks; the sealed request is all it has): its input as
/// Request-PimActivation accepts it (the same validators: a scope in its one form, times between the years PimModule
/// accepts, texts without control characters and within their lengths), then the kernel's request rules
/// (<see cref="ActivationRequestRules.Decide"/>, told in <see cref="RequestRefusals"/>) and the role's text rules, under the
/// settings then, at the record's own time — in the order Request-PimActivation applies them.
/// </summary>
internal static class RequestAcceptance
{
    /// <param name="policy">The role's settings then (null: set by an earlier PimModule without their rules; they judge nothing).</param>
    /// <param name="held">The principal's verified assignments of the role.</param>
    /// <param name="pending">The principal's waiting activation requests of the role: when their stage started, and their scope.</param>
    /// <returns>Why it counts for nothing; null when it counts.</returns>
    public static string? WhyNot<T>(ActivationRequest asks, DateTime at, string roleId, string principalKey, string? scope, long? duration, RolePolicy? policy,
        IReadOnlyCollection<T> held, IEnumerable<(DateTime StageStarted, string? Scope)> pending) where T : class, IHeld
    {
        if (duration is not > 0 || scope is null || asks.StartDateTime is not { } start || asks.EndDateTime is null)
            return "an activation request names its scope, start, end and the duration it asks";
        if (duration.Value > DateTime.MaxValue.Ticks - start.Ticks) return "the duration it asks runs past the end of time";
        if (!Scope.IsCanonical(scope)) return $"its scope '{scope}' is not one PimModule accepts";
        if (start < Times.MinTime || start.Ticks + duration.Value > Times.MaxTime.Ticks) return "its times are not between the years PimModule accepts";
        try
        {
            Input.Text(asks.Justification, "Justification");
            Input.Text(asks.TicketNumber, "TicketNumber");
        }
        catch (PimException e) { return $"its texts are not what PimModule accepts ({e.ErrorId})"; }
        var judged = policy ?? new RolePolicy { ActivationMaxDuration = TimeSpan.MaxValue, ActivationRequirement = PimActivationRequirement.None };
        var waiting = pending.Where(q => !RequestLifetime.HasExpired(q.StageStarted, at)).Select(q => q.Scope).ToList();
        // The MFA code is the writer's claim where the settings then needed one (the claim is all the log holds).
        var asked = TimeSpan.FromTicks(duration.Value);
        var verdict = ActivationRequestRules.Decide(judged, scope, start, asked, held, waiting, asks.MfaVerified == true, at, (s, d) => s + d);
        if (verdict.Refusal is not null) return RequestRefusals.Reason(verdict, principalKey, scope, asked, judged);
        // The requester's texts: the role's RequireJustification, RequireTicket and patterns then. The module always seals
        // them (null when none); a record that leaves them out is checked as having none.
        if (policy is not null)
        {
            try { policy.CheckActivationText(roleId, asks.Justification, asks.TicketNumber); }
            catch (PimException e) { return $"its texts break the role's settings then ({e.ErrorId})"; }
        }
        return null;
    }
}
