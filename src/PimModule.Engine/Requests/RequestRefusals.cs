using PimModule.Assignments;
using PimModule.Errors;
using PimModule.Kernel;
using PimModule.Policy;

namespace PimModule.Requests;

/// <summary>
/// The two tellings of each refusal of the activation request rules (<see cref="ActivationRequestRules"/>): the ErrorRecord
/// Request-PimActivation refuses with, and the reason the state replay gives when a sealed request broke the rule (it
/// counts for nothing). One file for both, beside the rule in the kernel: a new rule is told here once.
/// </summary>
internal static class RequestRefusals
{
    /// <summary>What Request-PimActivation asked, for its refusal's message (<paramref name="Pending"/>: the principal's requests of the role waiting).</summary>
    public sealed record Asked(string Principal, PimRole Role, string Scope, DateTime Start, bool StartGiven, TimeSpan Duration, RolePolicy Policy,
        IReadOnlyList<RequestRow> Pending);

    public static PimException Error<T>(RequestVerdict<T> v, Asked a) where T : class, IHeld => v.Refusal switch
    {
        RequestRefusal.StartsTooEarly => PimErrors.StartInvalid(
            $"The activation would start at {a.Start:u}, in the past; a start may be at most {ActivationRules.StartTolerance.TotalMinutes:0} minutes ago.",
            a.Start, "Leave out -StartDateTime to start now, or give a time in the future."),
        RequestRefusal.NotEligible => PimErrors.NotEligible(v.Later is { } later
                ? $"{a.Principal} is eligible for '{a.Role.Name}' at {a.Scope} only from {later.Start:u}."
                : $"{a.Principal} is not eligible for '{a.Role.Name}' at {a.Scope}{(a.StartGiven ? $" at {a.Start:u}" : "")}.",
            a.Role, "Ask a Privileged Role Administrator for an eligible assignment (New-PimEligibleAssignment), or pick a role you are eligible for (Get-PimAssignment -Principal <you> -Type Eligible)."),
        RequestRefusal.ExceedsMaximum => PimErrors.DurationExceedsMaximum(
            $"'{a.Role.Name}' can be activated for at most {Schedules.Days(a.Policy.ActivationMaxDuration)} (ActivationMaxDuration); {Schedules.Days(a.Duration)} was asked.",
            a.Duration, $"Give -Duration of at most {a.Policy.ActivationMaxDuration:c}, or leave it out to get the maximum."),
        RequestRefusal.Overlaps when v.Active is { } active => PimErrors.AlreadyActive(
            $"'{a.Role.Name}' is already active for {a.Principal} at {a.Scope} ({(active.MemberType == PimMemberType.Activated ? "activated" : "assigned")}, " +
            $"{(active.End is { } ae ? "until " + ae.ToString("u") : "permanently")}).", active.Id,
            active.MemberType == PimMemberType.Activated ? "Use the active role, or deactivate it first (Request-PimDeactivation)." : "Nothing to do: the role is active."),
        RequestRefusal.SameScopePending when a.Pending.First(q => string.Equals(q.Scope, a.Scope, StringComparison.OrdinalIgnoreCase)) is { } pending =>
            PimErrors.RequestPending($"{a.Principal} already has a pending activation request for '{a.Role.Name}' at {a.Scope} ({pending.Id}, made {pending.Created:u}).",
                pending.Id, $"Wait for the approvers, or cancel it: Stop-PimRequest -RequestId {pending.Id}"),
        // Scopes are free text: without a bound, one principal could fill the approvers' queue (and mailboxes) with requests.
        RequestRefusal.TooManyPending => PimErrors.RequestLimitReached(
            $"{a.Principal} already has {a.Pending.Count} pending activation requests for '{a.Role.Name}' (at most {Limits.MaxPendingActivationsPerRole} wait at once).",
            a.Role.Name, "Wait for the approvers, or cancel a request you no longer need: Get-PimRequest -Status PendingApproval | Stop-PimRequest"),
        // NoMfa is the replay's alone: Request-PimActivation asks with mfaChecked true and checks the code itself, last (Mfa.Verify).
        _ => throw new InvalidOperationException($"The activation request rules refused with {v.Refusal}, which has no error."),
    };

    /// <summary>Why a sealed activation request by <paramref name="principalKey"/> counts for nothing, as the replay reports it.</summary>
    public static string Reason<T>(RequestVerdict<T> v, string principalKey, string scope, TimeSpan duration, RolePolicy policy) where T : class, IHeld => v.Refusal switch
    {
        RequestRefusal.StartsTooEarly => "it starts further in the past than an activation may",
        RequestRefusal.NotEligible => $"{principalKey} was not eligible for the role at {scope} then",
        RequestRefusal.ExceedsMaximum => $"it asks {duration:c}, more than the role's ActivationMaxDuration {policy.ActivationMaxDuration:c} then",
        RequestRefusal.Overlaps => $"the role was active for {principalKey} at {scope} then ({v.Active?.Id})",
        RequestRefusal.SameScopePending => $"a request of the role at {scope} was pending for {principalKey} then",
        RequestRefusal.TooManyPending => $"{v.PendingScopes.Count} requests of the role were pending for {principalKey} then",
        RequestRefusal.NoMfa => "the role's settings required an MFA code, and the record does not claim one was checked",
        _ => $"it breaks the activation request rules ({v.Refusal})",
    };

    /// <summary>Why a sealed decision on a waiting request by <paramref name="actor"/> counts for nothing (<see cref="RequestDecisionRules.Decide"/>).</summary>
    public static string Reason(RequestDecisionRefusal refusal, string actor, string status, long stage) => refusal switch
    {
        RequestDecisionRefusal.NotPending => $"the request was {status} already",
        RequestDecisionRefusal.NotDue => "it was not due: the request was still within its 24 hours",
        RequestDecisionRefusal.Expired => "the request had expired (24 hours without a decision)",
        RequestDecisionRefusal.NotRequester => $"{actor} did not make the request",
        RequestDecisionRefusal.OwnRequest => "requesters never decide their own requests",
        RequestDecisionRefusal.DecidedAlready => $"{actor} had decided the request already (no principal decides twice)",
        RequestDecisionRefusal.NotApprover => $"{actor} was not an approver of stage {stage} of the request there",
        RequestDecisionRefusal.JustificationRequired => "the role's settings required approvers to give a reason (RequireApproverJustification), and the decision gives none",
        _ => $"it was refused ({refusal})",
    };
}
