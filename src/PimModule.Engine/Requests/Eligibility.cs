using PimModule.Storage;

namespace PimModule.Requests;

/// <summary>
/// Where an activation comes from, for every path that makes one (requesting, its -WhatIf, approving): the eligible
/// assignment that covers the scope and is in force at the activation's start — the one that lasts longest when several
/// do — and the activation's end, which never outlives that eligibility.
/// </summary>
internal static class Eligibility
{
    /// <summary>Every assignment (eligible and active, any scope) the principal holds of the role.</summary>
    public static List<AssignmentRow> Held(UnitOfWork work, string principal, Guid roleId)
        => AssignmentsTable.ForRequests.Held(work, principal, roleId);

    /// <summary>The eligible assignment an activation at <paramref name="scope"/> from <paramref name="start"/> comes from; null when none.</summary>
    public static AssignmentRow? Source(IEnumerable<AssignmentRow> held, string scope, DateTime start)
        => held.Where(a => Covers(a, scope) && a.Start <= start && (a.End is null || a.End > start))
            .OrderByDescending(a => a.End ?? DateTime.MaxValue).FirstOrDefault();

    /// <summary>The first eligible assignment at <paramref name="scope"/> that starts after <paramref name="start"/> (to say when one may activate).</summary>
    public static AssignmentRow? Next(IEnumerable<AssignmentRow> held, string scope, DateTime start)
        => held.Where(a => Covers(a, scope) && a.Start > start).MinBy(a => a.Start);

    /// <summary>The end of an activation from <paramref name="start"/> for <paramref name="duration"/>: never after its eligibility ends.</summary>
    public static DateTime End(AssignmentRow source, DateTime start, TimeSpan duration)
    {
        var end = Times.Add(start, duration, "Duration");
        return source.End is { } eligibleEnd && end > eligibleEnd ? eligibleEnd : end;
    }

    private static bool Covers(AssignmentRow a, string scope)
        => a.Type == PimAssignmentType.Eligible && global::PimModule.Assignments.Scope.Covers(a.Scope, scope);
}
