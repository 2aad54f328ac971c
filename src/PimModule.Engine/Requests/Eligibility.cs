using PimModule.Kernel;
using PimModule.Storage;
using PimModule.Validation;

namespace PimModule.Requests;

/// <summary>
/// Where an activation comes from, for every path that makes one (requesting, its -WhatIf, approving): the principal's
/// assignments of the role, read once, and the kernel's rule over them (<see cref="EligibilityRules"/>, which the state
/// replay calls too).
/// </summary>
internal static class Eligibility
{
    /// <summary>Every assignment (eligible and active, any scope) the principal holds of the role.</summary>
    public static List<AssignmentRow> Held(UnitOfWork work, string principal, Guid roleId)
        => AssignmentsTable.ForRequests.Held(work, principal, roleId);

    /// <summary>The end of an activation from <paramref name="start"/> for <paramref name="duration"/>: never after its eligibility ends.</summary>
    public static DateTime End(AssignmentRow source, DateTime start, TimeSpan duration) => EligibilityRules.Within(source, Times.Add(start, duration, "Duration"));
}
