using PimModule.Audit.Events;
using PimModule.Storage;
using PimModule.Audit;
using PimModule.Errors;
using PimModule.Identity;
using PimModule.Notifications;
using PimModule.Requests;

namespace PimModule.Assignments;

/// <summary>
/// Rules that hold across assignments, applied by every action that ends or shortens one, inside its transaction:
/// the store keeps an administrator, and an activation never outlives the eligible assignment it came from.
/// </summary>
internal static class Guards
{
    /// <summary>
    /// Refuses (PimLastAdministrator) an action that would make administration of the store end sooner: removing,
    /// shortening or making time-bound the active Privileged Role Administrator / Global Administrator assignment at '/'
    /// that no other such assignment outlasts. <paramref name="newEnd"/> is the assignment's end after the action
    /// (null = permanent); <paramref name="removed"/> means it ends now.
    /// </summary>
    public static void KeepAdministrator(UnitOfWork work, AssignmentRow row, DateTime? newEnd, bool removed, string roleName)
    {
        // The kernel's rule (Administrators.EndsAdministrationSooner), over the administrator assignments in force now. In a
        // Verified store it judges the assignment as the verified log has it, as the replay does: a row whose role or scope
        // was edited around the module is not what counts (and an assignment the log does not hold is judged as it stands).
        Kernel.IHeld judged = work.VerifiedNow()?.Assignment(row.Id) is { } verified ? verified : row;
        if (!Kernel.Administrators.IsAdministratorAssignment(judged)
            || !Kernel.Administrators.EndsAdministrationSooner(judged, newEnd, removed, Authorization.AdministratorAssignments(work), work.Now)) return;
        throw PimErrors.LastAdministrator($"{row.Principal}'s active assignment of '{roleName}' at '/' ({row.Id}) is the last that lets anyone administer this store " +
            $"{(row.End is { } end ? "until " + end.ToString("u") : "permanently")}; " +
            $"{(removed ? "removing it" : newEnd is null ? "changing it" : "ending it at " + newEnd.Value.ToString("u"))} would leave the store " +
            "with nobody who can change role settings or assignments. Nothing was changed.",
            row.Id, "First give another principal a permanent active Privileged Role Administrator or Global Administrator assignment " +
            "at '/' (New-PimActiveAssignment -Role 'Privileged Role Administrator' -Permanent), then try again.");
    }

    /// <summary>
    /// An eligible assignment was removed (<paramref name="removed"/>) or now ends at <paramref name="newEnd"/>: the activations
    /// that came from it end (or are shortened to its new end), each through a request record, audited, and notified as the
    /// role's settings say. The last administrator's activation is not ended this way (KeepAdministrator refuses).
    /// </summary>
    public static void EndActivationsOf(UnitOfWork work, AssignmentRow eligible, DateTime? newEnd, bool removed, PimRole role)
    {
        if (eligible.Type != PimAssignmentType.Eligible) return;
        var limit = removed ? work.Now : newEnd;
        if (limit is null) return; // permanent eligibility: nothing outlives it
        var activations = AssignmentsTable.ActivationsOf(work, eligible.Id, limit.Value);
        foreach (var a in activations)
        {
            var end = limit.Value < work.Now ? work.Now : limit.Value;
            var neverStarts = a.Start >= end;
            KeepAdministrator(work, a, end, neverStarts || end <= work.Now, role.Name);
            var action = end <= work.Now ? PimRequestAction.AdminRemove : PimRequestAction.AdminUpdate;
            var why = removed
                ? $"Its eligible assignment {eligible.Id} was removed."
                : $"Its eligible assignment {eligible.Id} now ends at {newEnd:u}.";
            var requestId = Guid.NewGuid();
            new RequestRow(requestId, action, PimRequestStatus.Provisioned, a.Principal, a.RoleId, a.Scope, PimAssignmentType.Active,
                null, a.Start, end, why, null, null, work.Actor, work.Now, Decided: work.Now, TargetAssignmentId: a.Id).Add(work);
            if (neverStarts) AssignmentsTable.Delete(work, a.Id);
            else AssignmentsTable.EndAt(work, a.Id, end, requestId);
            var afterRow = a with { End = end };
            AuditLog.Append(work, AssignmentChange.Of(action, a, neverStarts ? null : afterRow));
            Events.ActivationEnded(work, afterRow, role, why, requestId);
        }
    }
}
