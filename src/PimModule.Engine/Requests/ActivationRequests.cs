using PimModule.Storage;
using PimModule.Audit.Events;
using PimModule.MultiFactor;
using PimModule.Policy;
using PimModule.Assignments;
using PimModule.Audit;
using PimModule.Errors;
using PimModule.Notifications;
using PimModule.Roles;

namespace PimModule.Requests;

/// <summary>
/// Request-PimActivation: one plan checks a request against the role's settings and the principal's assignments
/// (-WhatIf asks the same plan), then the request is written — provisioned at once, or pending approval.
/// </summary>
internal sealed class ActivationRequests
{
    private readonly PimStore _store;
    public ActivationRequests(PimStore store) => _store = store;

    private sealed record Plan(PimRole Role, RolePolicy Policy, string Scope, DateTime Start, DateTime End,
        AssignmentRow Eligible, MfaProof? Mfa, PimActivationInput Input)
    {
        public TimeSpan Duration => End - Start;

        /// <summary>The role needs an MFA code (in a read, such as -WhatIf, the code is not checked, so <see cref="Mfa"/> is null).</summary>
        public bool NeedsMfa => Kernel.ActivationRules.NeedsMfa(Policy);
    }

    private static Plan PlanActivation(UnitOfWork work, PimActivationInput input)
    {
        input = input.Validate();
        var principal = work.Actor;
        SelfServiceRate.Check(work, "Request-PimActivation");
        var role = RoleService.Resolve(work, input.Role);
        var scope = input.Scope!;
        var policy = SettingsService.Load(work, role.Id);
        var start = input.StartDateTime ?? work.Now;
        if (Kernel.ActivationRules.StartsTooEarly(start, work.Now))
            throw PimErrors.StartInvalid($"The activation would start at {start:u}, in the past; a start may be at most {Kernel.ActivationRules.StartTolerance.TotalMinutes:0} minutes ago.",
                start, "Leave out -StartDateTime to start now, or give a time in the future.");

        var held = Eligibility.Held(work, principal, role.Id);
        var eligible = Kernel.EligibilityRules.Source(held, scope, start);
        if (eligible is null)
        {
            var later = Kernel.EligibilityRules.Next(held, scope, start);
            throw PimErrors.NotEligible(later is not null
                    ? $"{principal} is eligible for '{role.Name}' at {scope} only from {later.Start:u}."
                    : $"{principal} is not eligible for '{role.Name}' at {scope}{(input.StartDateTime is null ? "" : $" at {start:u}")}.",
                role, "Ask a Privileged Role Administrator for an eligible assignment (New-PimEligibleAssignment), or pick a role you are eligible for (Get-PimAssignment -Principal <you> -Type Eligible).");
        }
        var duration = input.Duration ?? policy.ActivationMaxDuration;
        if (Kernel.ActivationRules.ExceedsMaximum(duration, policy))
            throw PimErrors.DurationExceedsMaximum($"'{role.Name}' can be activated for at most {Schedules.Days(policy.ActivationMaxDuration)} (ActivationMaxDuration); {Schedules.Days(duration)} was asked.",
                duration, $"Give -Duration of at most {policy.ActivationMaxDuration:c}, or leave it out to get the maximum.");
        var end = Eligibility.End(eligible, start, duration);

        var active = Kernel.ActivationRules.Overlapping(held, scope, start, end, work.Now);
        if (active is not null)
            throw PimErrors.AlreadyActive($"'{role.Name}' is already active for {principal} at {scope} ({(active.MemberType == PimMemberType.Activated ? "activated" : "assigned")}, " +
                $"{(active.End is { } ae ? "until " + ae.ToString("u") : "permanently")}).", active.Id,
                active.MemberType == PimMemberType.Activated ? "Use the active role, or deactivate it first (Request-PimDeactivation)." : "Nothing to do: the role is active.");
        var pendingForRole = RequestsTable.PendingActivationsAt(work, principal, role.Id, work.Now);
        var limit = Kernel.RequestLimits.WhyNot(pendingForRole.ConvertAll(q => (string?)q.Scope), scope);
        if (limit == Kernel.PendingRefusal.SameScope && pendingForRole.First(q => string.Equals(q.Scope, scope, StringComparison.OrdinalIgnoreCase)) is { } pending)
            throw PimErrors.RequestPending($"{principal} already has a pending activation request for '{role.Name}' at {scope} ({pending.Id}, made {pending.Created:u}).",
                pending.Id, $"Wait for the approvers, or cancel it: Stop-PimRequest -RequestId {pending.Id}");
        // Scopes are free text: without a bound, one principal could fill the approvers' queue (and mailboxes) with requests.
        if (limit == Kernel.PendingRefusal.TooMany)
            throw PimErrors.RequestLimitReached($"{principal} already has {pendingForRole.Count} pending activation requests for '{role.Name}' (at most " +
                $"{Limits.MaxPendingActivationsPerRole} wait at once).", role.Name,
                "Wait for the approvers, or cancel a request you no longer need: Get-PimRequest -Status PendingApproval | Stop-PimRequest");

        // The texts as they are stored and sealed (trimmed; blank is none): what the replay checks against the same settings.
        policy.CheckActivationText(role.Name, RequestRow.Text(input.Justification), RequestRow.Text(input.TicketNumber));
        // Last: a refused code is counted and audited, so every other rule has passed before a code is checked.
        MfaProof? proof = null;
        if (Kernel.ActivationRules.NeedsMfa(policy))
            proof = Mfa.Verify(work, principal, input.MfaCode, role, "Activation",
                policy.ActivationRequirement == PimActivationRequirement.Mfa
                    ? "ActivationRequirement Mfa"
                    : $"ActivationRequirement AuthenticationContext {policy.AuthenticationContextId}");
        return new Plan(role, policy, scope, start, end, eligible, proof, input);
    }

    public PimRequest? Request(PimActivationInput input, Func<PimChange, bool>? confirm) => _store.Change(
        work => PlanActivation(work, input),
        p => new PimChange($"'{p.Role.Name}' at {p.Scope} for {_store.Principal}",
            $"Activate for {Schedules.Days(p.Duration)} from {p.Start:u}{(p.Policy.RequireApproval ? " (needs approval)" : "")}: every rule of the role's settings passes"),
        (work, p) =>
        {
            if (p.Mfa is { } proof) Mfa.Consume(work, work.Actor, proof);
            else if (p.NeedsMfa) throw new InvalidOperationException("An activation that needs MFA is written only after its code was checked.");
            var requestId = Ids.New();
            var pending = p.Policy.RequireApproval;
            var justification = RequestRow.Text(p.Input.Justification);
            var ticketNumber = RequestRow.Text(p.Input.TicketNumber);
            var ticketSystem = RequestRow.Text(p.Input.TicketSystem);
            Guid? assignmentId = null;
            AssignmentRow? activation = null;
            if (!pending)
            {
                var row = activation = new AssignmentRow(Ids.New(), work.Actor, p.Role.Id, p.Scope, PimAssignmentType.Active, PimMemberType.Activated,
                    p.Start, p.End, justification, ticketNumber, ticketSystem, work.Actor, work.Now, requestId, p.Eligible.Id);
                row.Add(work);
                assignmentId = row.Id;
            }
            var request = new RequestRow(requestId, PimRequestAction.SelfActivate,
                pending ? PimRequestStatus.PendingApproval : PimRequestStatus.Provisioned, work.Actor, p.Role.Id, p.Scope,
                PimAssignmentType.Active, p.Duration, p.Start, p.End, justification, ticketNumber, ticketSystem, work.Actor, work.Now,
                Decided: pending ? null : work.Now, AssignmentId: assignmentId, TargetAssignmentId: p.Eligible.Id,
                AuthenticationContext: p.Policy.ActivationRequirement == PimActivationRequirement.AuthenticationContext ? p.Policy.AuthenticationContextId : null,
                MfaVerified: p.Mfa is not null);
            RequestsTable.Insert(work, request);
            AuditLog.Append(work, new ActivationRequested(requestId, p.Role.Id, work.Actor, new ActivationRequest
            {
                RequestId = requestId, Status = request.Status.ToString(), Scope = p.Scope, StartDateTime = p.Start, EndDateTime = p.End, Duration = p.Duration.ToString("c"),
                Justification = request.Justification, TicketNumber = request.TicketNumber, MfaVerified = request.MfaVerified,
                AuthenticationContextId = request.AuthenticationContext, AssignmentId = assignmentId,
            }));
            // The activation itself, as every assignment change is logged (the verified state replays it from this record).
            if (activation is not null)
                AuditLog.Append(work, new SelfActivated(activation));
            Events.RequestCreated(work, request, p.Role);
            return RequestService.ToOutput(work, request, p.Role.Name, work.Now);
        },
        confirm);

    /// <summary>What -WhatIf of Request-PimActivation reports: whether it would pass, else the rule that blocks it.</summary>
    public (bool Passes, string Message, PimException? Blocker) Check(PimActivationInput input) => _store.Read(work =>
    {
        try
        {
            var p = PlanActivation(work, input);
            return (true, $"Activation of '{p.Role.Name}' at {p.Scope} for {Schedules.Days(p.Duration)} would pass" +
                          (p.NeedsMfa ? " if the MFA code is right (-WhatIf does not check it: the code is checked, and used up, when the request is made)" : "") +
                          (p.Policy.RequireApproval ? " and wait for approval." : " and be active at once."), (PimException?)null);
        }
        catch (PimException e)
        {
            return (false, $"Activation would be refused ({e.ErrorId}): {e.Message}", e);
        }
    });
}
