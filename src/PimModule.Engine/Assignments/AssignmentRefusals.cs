using PimModule.Kernel;

namespace PimModule.Assignments;

/// <summary>
/// What the kernel's refusals of an activation and a deactivation say in a record that counts for nothing (Test-PimAuditLog's
/// reason), beside the ErrorRecords the writer makes of the same refusals (SelfService, Approvals).
/// </summary>
internal static class AssignmentRefusals
{
    /// <summary>Why a sealed deactivation of <paramref name="holder"/>'s activation by <paramref name="actor"/> counts for nothing (<see cref="ActivationRules.WhyNotDeactivated"/>).</summary>
    public static string Reason(DeactivationRefusal refusal, string actor, string holder) => refusal switch
    {
        DeactivationRefusal.NotHolder => $"{actor} deactivated {holder}'s activation",
        DeactivationRefusal.NotAnActivation => "only activations are deactivated",
        DeactivationRefusal.Ended => "the activation had ended already",
        DeactivationRefusal.TooSoon => $"an activation is not deactivated in its first {ActivationRules.MinimumActivation.TotalMinutes:0} minutes",
        DeactivationRefusal.NotEnded => "an activation that started is ended, not deleted",
        DeactivationRefusal.NotWithdrawn => "an activation that had not started is withdrawn, not ended",
        _ => "a deactivation changes only the end, and never lengthens an activation",
    };

    /// <summary>Why a sealed activation counts for nothing (<see cref="ActivationRules.WhyNot"/>); <paramref name="asked"/>: provisioned by an approval of a request.</summary>
    public static string Reason(ActivationRefusal refusal, bool asked) => refusal switch
    {
        ActivationRefusal.NotAnActivation => "an activation is an active, activated assignment",
        ActivationRefusal.NeverEnds => "an activation always ends",
        ActivationRefusal.OutlivesEligibility => "the activation outlives its eligibility",
        _ => asked ? "the activation is longer than its request asked" : "the activation is longer than the role's settings allowed",
    };
}
