using PimModule.Storage;
using PimModule.Audit.Events;
using PimModule.MultiFactor;
using PimModule.Policy;
using PimModule.Assignments;
using PimModule.Audit;
using PimModule.Notifications;
using PimModule.Roles;
using PimModule.Validation;

namespace PimModule.Requests;

/// <summary>
/// Request-PimActivation: one plan checks a request against the role's settings and the principal's assignments
/// (-WhatIf asks the same plan), then the request is written — provisioned at once, or pending approval.
/// </summary>
internal sealed class ActivationRequests
{
    private readonly StoreSession _store;
    public ActivationRequests(StoreSession store) => _store = store;

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
        var duration = input.Duration ?? policy.ActivationMaxDuration;
        var held = Eligibility.Held(work, principal, role.Id);
        var pending = RequestsTable.PendingActivationsAt(work, principal, role.Id, work.Now);
        // The kernel's request rules, in their one order (the replay judges a sealed request by the same); the MFA code is
        // checked last, below, so that every other rule has passed before a code is counted.
        var verdict = Kernel.ActivationRequestRules.Decide(policy, scope, start, duration, held,
            pending.ConvertAll(q => (string?)q.Scope), mfaChecked: true, work.Now, (s, d) => Times.Add(s, d, "Duration"));
        if (verdict.Refusal is not null)
            throw RequestRefusals.Error(verdict, new RequestRefusals.Asked(principal, role, scope, start, input.StartDateTime is not null, duration, policy, pending));
        var (eligible, end) = (verdict.Eligible!, verdict.End);

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
