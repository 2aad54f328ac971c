using PimModule.Storage;
using PimModule.Audit.Events;
using PimModule.Assignments;
using PimModule.Audit;
using PimModule.Errors;
using PimModule.Identity;
using PimModule.Notifications;
using PimModule.Policy;
using PimModule.Roles;
using PimModule.Validation;

namespace PimModule.Requests;

/// <summary>
/// What principals do with their own assignments: end an activation early (Request-PimDeactivation, provisioned at
/// once) and ask an administrator to extend or renew an assignment that ends soon (Request-PimExtension, pending).
/// </summary>
internal sealed class SelfService
{
    /// <summary>Only assignments ending within this window can be extended.</summary>
    public static readonly TimeSpan ExtensionWindow = TimeSpan.FromDays(14);

    private readonly StoreSession _store;
    public SelfService(StoreSession store) => _store = store;

    /// <summary>The assignment with this id (anyone's), else PimAssignmentNotFound.</summary>
    internal static AssignmentRow FindAssignment(UnitOfWork work, Guid id)
        => AssignmentsTable.ForRequests.Find(work, id)
           ?? throw PimErrors.AssignmentNotFound($"There is no assignment with id {id}.", id, "List the assignments with Get-PimAssignment.");

    /// <summary>The acting principal's assignment that <paramref name="match"/> accepts: the one given by id, else the first to end of the role at the scope.</summary>
    private static AssignmentRow FindOwn(UnitOfWork work, Guid? assignmentId, PimRoleReference? role, string? scope,
        Func<AssignmentRow, bool> match, string what)
    {
        if (assignmentId is { } id)
        {
            var a = FindAssignment(work, id);
            if (!Principal.Same(a.Principal, work.Actor))
                throw PimErrors.NotOwnAssignment($"Assignment {a.Id} belongs to {a.Principal}; {work.Actor} can only {what} their own assignments.", a.Id,
                    "Administrators change others' assignments with Update-PimAssignment or Remove-PimAssignment.");
            return match(a) ? a : throw NotFound(work, a.RoleId.ToString(), a.Scope, what);
        }
        var r = RoleService.Resolve(work, role ?? throw PimErrors.RoleRequired("No role was given.", null, "Give -Role."));
        var s = global::PimModule.Assignments.Scope.Validate(scope);
        return AssignmentsTable.ForRequests.Held(work, work.Actor, r.Id)
                   .Where(a => string.Equals(a.Scope, s, StringComparison.OrdinalIgnoreCase) && match(a))
                   .OrderBy(a => a.End ?? DateTime.MaxValue).FirstOrDefault()
               ?? throw NotFound(work, r.Name, s, what);
    }

    private static PimException NotFound(UnitOfWork work, string role, string scope, string what) => what == "deactivate"
        ? PimErrors.NotActive($"{work.Actor} has no activation of '{role}' at {scope} to deactivate.",
            role, "See your activations with Get-PimAssignment -Principal <you> -MemberType Activated.")
        : PimErrors.AssignmentNotFound($"{work.Actor} has no assignment of '{role}' at {scope} that can be extended (it must end within {ExtensionWindow.TotalDays:0} days).",
            role, "See your assignments with Get-PimAssignment -Principal <you> -State All.");

    public PimRequest? Deactivate(PimRoleReference? role, string? scope, Guid? assignmentId, Func<PimChange, bool>? confirm) => _store.Change(
        work =>
        {
            // Giving up access is never refused by the self-service limit: it is bounded by the activation or request it ends,
            // which the limit counted (issue 28, review of finding 5).
            var a = FindOwn(work, assignmentId, role, scope,
                x => x.Type == PimAssignmentType.Active && x.MemberType == PimMemberType.Activated
                     && Schedules.StateAt(x.Start, x.End, work.Now) != PimAssignmentState.Expired, "deactivate");
            var r = RoleService.Resolve(work, new PimRoleReference(a.RoleId));
            // The kernel's decision (ActivationRules.WhyMayNotDeactivate); FindOwn found only the actor's activations in force.
            switch (Kernel.ActivationRules.WhyMayNotDeactivate(a, Principal.Fold(work.Actor), work.Now))
            {
                case Kernel.DeactivationRefusal.TooSoon:
                    throw PimErrors.DeactivationTooSoon($"The activation of '{r.Name}' started at {a.Start:u}; it cannot be deactivated in its first {Kernel.ActivationRules.MinimumActivation.TotalMinutes:0} minutes.",
                        a.Id, $"Try again after {(a.Start + Kernel.ActivationRules.MinimumActivation):u}.");
                case { } other:
                    throw new InvalidOperationException($"Activation {a.Id} was found for {work.Actor} to deactivate, and the kernel refuses it as {other}.");
            }
            Guards.KeepAdministrator(work, a, a.Start > work.Now ? a.Start : work.Now, removed: true, r.Name);
            return (Row: a, Role: r);
        },
        p => new PimChange($"'{p.Role.Name}' at {p.Row.Scope} for {p.Row.Principal} ({p.Row.Id})", "Deactivate"),
        (work, p) =>
        {
            // The kernel's decision of what it becomes (ActivationRules.DeactivatedEnd): withdrawn, or ended now.
            var ended = Kernel.ActivationRules.DeactivatedEnd(p.Row.Start, work.Now);
            var neverStarted = ended is null;
            var end = ended ?? p.Row.Start;
            var request = new RequestRow(Ids.New(), PimRequestAction.SelfDeactivate, PimRequestStatus.Provisioned, work.Actor, p.Row.RoleId, p.Row.Scope,
                PimAssignmentType.Active, null, p.Row.Start, end, null, null, null, work.Actor, work.Now, Decided: work.Now,
                TargetAssignmentId: p.Row.Id);
            RequestsTable.Insert(work, request);
            if (neverStarted) AssignmentsTable.ForRequests.Delete(work, p.Row.Id);
            else AssignmentsTable.ForRequests.End(work, p.Row.Id, end);
            // An activation that never started is gone (its row deleted): the record says so, as it does for a removal.
            AuditLog.Append(work, new SelfDeactivated(p.Row, neverStarted ? null : p.Row with { End = end }));
            return RequestService.ToOutput(work, request, p.Role.Name, work.Now);
        },
        confirm);

    public PimRequest? RequestExtension(PimRoleReference? role, string? scope, PimAssignmentType type, Guid? assignmentId,
        TimeSpan? duration, string? justification, Func<PimChange, bool>? confirm) => _store.Change(
        work =>
        {
            SelfServiceRate.Check(work, "Request-PimExtension");
            Input.Text(justification, "Justification", Input.JustificationLength);
            Times.Duration(duration, "Duration");
            var a = FindOwn(work, assignmentId, role, scope,
                x => (assignmentId is not null || x.Type == type) && x.MemberType == PimMemberType.Direct && x.End is { } e
                     && e - work.Now <= ExtensionWindow && work.Now - e <= Limits.ExpiredAssignmentVisibility, "extend");
            var r = RoleService.Resolve(work, new PimRoleReference(a.RoleId));
            var policy = SettingsService.Load(work, a.RoleId);
            var d = duration ?? (a.Type == PimAssignmentType.Eligible ? policy.EligibleExpiresAfter : policy.ActiveExpiresAfter);
            Schedules.ResolveAdmin(policy, a.Type, r.Name, work.Now, work.Now, null, d, false); // the policy must allow what is asked
            if (RequestsTable.CountPendingExtensionsAt(work, a.Id, work.Now) > 0)
                throw PimErrors.RequestPending($"An extension of this assignment of '{r.Name}' is already waiting for an administrator.", a.Id,
                    "Wait for the decision, or cancel it with Stop-PimRequest.");
            return (Row: a, Role: r, Duration: d);
        },
        p => new PimChange($"{p.Row.Type} assignment of '{p.Role.Name}' at {p.Row.Scope} ({p.Row.Id})",
            $"Ask an administrator to extend it by {Schedules.Days(p.Duration)}"),
        (work, p) =>
        {
            var requestId = Ids.New();
            var action = p.Row.End <= work.Now ? PimRequestAction.SelfRenew : PimRequestAction.SelfExtend;
            var request = new RequestRow(requestId, action, PimRequestStatus.PendingApproval, work.Actor, p.Row.RoleId, p.Row.Scope,
                p.Row.Type, p.Duration, work.Now, work.Now + p.Duration, RequestRow.Text(justification), null, null, work.Actor, work.Now,
                TargetAssignmentId: p.Row.Id);
            RequestsTable.Insert(work, request);
            var asks = new ExtensionRequest { RequestId = requestId, AssignmentId = p.Row.Id, Duration = p.Duration.ToString("c"), Justification = request.Justification };
            AuditLog.Append(work, action == PimRequestAction.SelfRenew
                ? new RenewalRequested(requestId, p.Row.RoleId, work.Actor, asks) : new ExtensionRequested(requestId, p.Row.RoleId, work.Actor, asks));
            Events.RequestCreated(work, request, p.Role);
            return RequestService.ToOutput(work, request, p.Role.Name, work.Now);
        },
        confirm);
}
