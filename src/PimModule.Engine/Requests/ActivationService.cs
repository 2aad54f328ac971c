using PimModule.Storage;

namespace PimModule.Requests;

/// <summary>What Request-PimActivation asks for.</summary>
public sealed class PimActivationInput
{
    public required PimRoleReference Role { get; init; }
    public string? Scope { get; init; }
    public TimeSpan? Duration { get; init; }
    public string? Justification { get; init; }
    public string? TicketNumber { get; init; }
    public string? TicketSystem { get; init; }
    public string? MfaCode { get; init; }
    public DateTime? StartDateTime { get; init; }

    /// <summary>
    /// The input limits, checked before the store is asked: scope (400; empty refused, missing is '/'), role name (128),
    /// justification and ticket fields (500, no control characters), MFA code (64), start (UTC, 1900 … 9000; Unspecified
    /// is local) and duration (positive, at most 100 years). Returns a normalised copy.
    /// </summary>
    public PimActivationInput Validate() => new()
    {
        Role = RoleName.Check(Role)!,
        Scope = global::PimModule.Assignments.Scope.Validate(Scope),
        Duration = Times.Duration(Duration, nameof(Duration)),
        Justification = Input.Text(Justification, nameof(Justification), Input.JustificationLength),
        TicketNumber = Input.Text(TicketNumber, nameof(TicketNumber), Input.TicketLength),
        TicketSystem = Input.Text(TicketSystem, nameof(TicketSystem), Input.TicketLength),
        MfaCode = Input.Text(MfaCode, nameof(MfaCode), Input.MfaCodeLength, secret: true),
        StartDateTime = Times.Utc(StartDateTime, nameof(StartDateTime)),
    };
}

/// <summary>
/// Just-in-time activation and everything around it: requesting (checked against the role's settings in one
/// place, which -WhatIf asks too), approving and denying, cancelling, deactivating and asking for extensions.
/// </summary>
public sealed class ActivationService
{
    /// <summary>How far in the past a requested start may be (clock skew between machines).</summary>
    public static readonly TimeSpan StartTolerance = TimeSpan.FromMinutes(5);
    /// <summary>An activation cannot be deactivated in its first minutes.</summary>
    public static readonly TimeSpan MinimumActivation = TimeSpan.FromMinutes(5);
    /// <summary>Only assignments ending within this window can be extended.</summary>
    public static readonly TimeSpan ExtensionWindow = TimeSpan.FromDays(14);

    private readonly PimStore _store;
    internal ActivationService(PimStore store) => _store = store;

    private sealed record ActivationPlan(PimRole Role, RolePolicy Policy, string Scope, DateTime Start, DateTime End, TimeSpan Duration,
        AssignmentRow Eligible, MfaProof? Mfa, PimActivationInput Input)
    {
        /// <summary>The role needs an MFA code (in a read, such as -WhatIf, the code is not checked, so <see cref="Mfa"/> is null).</summary>
        public bool NeedsMfa => Policy.ActivationRequirement != PimActivationRequirement.None;
    }

    // ---- request ------------------------------------------------------------------------------------

    private static ActivationPlan PlanActivation(UnitOfWork work, PimActivationInput input)
    {
        input = input.Validate();
        var principal = work.Actor;
        var role = RoleService.Resolve(work, input.Role);
        var scope = global::PimModule.Assignments.Scope.Validate(input.Scope);
        var policy = SettingsService.Load(work, role.Id);
        var start = input.StartDateTime ?? work.Now;
        if (start < work.Now - StartTolerance)
            throw PimErrors.StartInvalid($"The activation would start at {start:u}, in the past; a start may be at most {StartTolerance.TotalMinutes:0} minutes ago.",
                start, "Leave out -StartDateTime to start now, or give a time in the future.");

        var mine = work.Query(AssignmentService.Select + " WHERE a.principal_key = @pk AND a.role_id = @r",
            AssignmentService.MapRow, ("@pk", Principal.Fold(principal)), ("@r", role.Id));
        var eligible = mine.Where(a => a.Type == PimAssignmentType.Eligible && global::PimModule.Assignments.Scope.Covers(a.Scope, scope)
                                       && a.Start <= start && (a.End is null || a.End > start))
            .OrderByDescending(a => a.End ?? DateTime.MaxValue).FirstOrDefault();
        if (eligible is null)
        {
            var later = mine.Where(a => a.Type == PimAssignmentType.Eligible && global::PimModule.Assignments.Scope.Covers(a.Scope, scope) && a.Start > start)
                .MinBy(a => a.Start);
            throw PimErrors.NotEligible(later is not null
                    ? $"{principal} is eligible for '{role.Name}' at {scope} only from {later.Start:u}."
                    : $"{principal} is not eligible for '{role.Name}' at {scope}{(input.StartDateTime is null ? "" : $" at {start:u}")}.",
                role, "Ask a Privileged Role Administrator for an eligible assignment (New-PimEligibleAssignment), or pick a role you are eligible for (Get-PimAssignment -Principal <you> -Type Eligible).");
        }
        var duration = input.Duration ?? policy.ActivationMaxDuration;
        if (duration > policy.ActivationMaxDuration)
            throw PimErrors.DurationExceedsMaximum($"'{role.Name}' can be activated for at most {Schedules.Days(policy.ActivationMaxDuration)} (ActivationMaxDuration); {Schedules.Days(duration)} was asked.",
                duration, $"Give -Duration of at most {policy.ActivationMaxDuration:c}, or leave it out to get the maximum.");
        var end = Times.Add(start, duration, "Duration");
        if (eligible.End is { } eligibleEnd && end > eligibleEnd) end = eligibleEnd; // an activation never outlives its eligibility

        var active = mine.FirstOrDefault(a => a.Type == PimAssignmentType.Active
                                              && string.Equals(a.Scope, scope, StringComparison.OrdinalIgnoreCase)
                                              && (a.End is null || a.End > work.Now) && Schedules.Overlaps(a.Start, a.End, start, end));
        if (active is not null)
            throw PimErrors.AlreadyActive($"'{role.Name}' is already active for {principal} at {scope} ({(active.MemberType == PimMemberType.Activated ? "activated" : "assigned")}, " +
                $"{(active.End is { } ae ? "until " + ae.ToString("u") : "permanently")}).", active.Id,
                active.MemberType == PimMemberType.Activated ? "Use the active role, or deactivate it first (Request-PimDeactivation)." : "Nothing to do: the role is active.");
        var pendingForRole = work.Query(RequestService.Select + " WHERE q.principal_key = @pk AND q.role_id = @r AND q.status = 'PendingApproval' " +
                                 "AND q.action = 'SelfActivate' AND q.created_utc > @cut",
                RequestService.MapRow, ("@pk", Principal.Fold(principal)), ("@r", role.Id), ("@cut", work.Now - Limits.PendingRequestLifetime));
        var pending = pendingForRole.FirstOrDefault(q => string.Equals(q.Scope, scope, StringComparison.OrdinalIgnoreCase));
        if (pending is not null)
            throw PimErrors.RequestPending($"{principal} already has a pending activation request for '{role.Name}' at {scope} ({pending.Id}, made {pending.Created:u}).",
                pending.Id, $"Wait for the approvers, or cancel it: Stop-PimRequest -RequestId {pending.Id}");
        // Scopes are free text: without a bound, one principal could fill the approvers' queue (and mailboxes) with requests.
        if (pendingForRole.Count >= Limits.MaxPendingActivationsPerRole)
            throw PimErrors.RequestLimitReached($"{principal} already has {pendingForRole.Count} pending activation requests for '{role.Name}' (at most " +
                $"{Limits.MaxPendingActivationsPerRole} wait at once).", role.Name,
                "Wait for the approvers, or cancel a request you no longer need: Get-PimRequest -Status PendingApproval | Stop-PimRequest");

        policy.CheckActivationText(role.Name, input.Justification, input.TicketNumber);
        // Last: a refused code is counted and audited, so every other rule has passed before a code is checked.
        MfaProof? proof = null;
        if (policy.ActivationRequirement != PimActivationRequirement.None)
            proof = Mfa.Verify(work, principal, input.MfaCode, role, "Activation",
                policy.ActivationRequirement == PimActivationRequirement.Mfa
                    ? "ActivationRequirement Mfa"
                    : $"ActivationRequirement AuthenticationContext {policy.AuthenticationContextId}");
        return new ActivationPlan(role, policy, scope, start, end, end - start, eligible, proof, input);
    }

    public PimRequest? RequestActivation(PimActivationInput input, Func<PimChange, bool>? confirm = null) => _store.Change(
        work => PlanActivation(work, input),
        p => new PimChange($"'{p.Role.Name}' at {p.Scope} for {_store.Principal}",
            $"Activate for {Schedules.Days(p.Duration)} from {p.Start:u}{(p.Policy.RequireApproval ? " (needs approval)" : "")}: every rule of the role's settings passes"),
        (work, p) =>
        {
            if (p.Mfa is { } proof) Mfa.Consume(work, work.Actor, proof);
            else if (p.NeedsMfa) throw new InvalidOperationException("An activation that needs MFA is written only after its code was checked.");
            var requestId = Guid.NewGuid();
            var pending = p.Policy.RequireApproval;
            Guid? assignmentId = null;
            if (!pending)
            {
                var row = new AssignmentRow(Guid.NewGuid(), work.Actor, p.Role.Id, p.Scope, PimAssignmentType.Active, PimMemberType.Activated,
                    p.Start, p.End, Trim(p.Input.Justification), Trim(p.Input.TicketNumber), Trim(p.Input.TicketSystem), work.Actor, work.Now,
                    requestId, p.Eligible.Id);
                row.Add(work);
                assignmentId = row.Id;
            }
            var request = new RequestRow(requestId, PimRequestAction.SelfActivate,
                pending ? PimRequestStatus.PendingApproval : PimRequestStatus.Provisioned, work.Actor, p.Role.Id, p.Scope,
                PimAssignmentType.Active, p.Duration, p.Start, p.End, Trim(p.Input.Justification), Trim(p.Input.TicketNumber),
                Trim(p.Input.TicketSystem), work.Actor, work.Now, Decided: pending ? null : work.Now, AssignmentId: assignmentId,
                TargetAssignmentId: p.Eligible.Id,
                AuthenticationContext: p.Policy.ActivationRequirement == PimActivationRequirement.AuthenticationContext ? p.Policy.AuthenticationContextId : null,
                MfaVerified: p.Mfa is not null);
            request.Add(work);
            AuditLog.Append(work, nameof(PimRequestAction.SelfActivate), "Request", requestId.ToString("D"), p.Role.Id, work.Actor, null,
                new { RequestId = requestId, Status = request.Status.ToString(), p.Scope, StartDateTime = p.Start, EndDateTime = p.End,
                      Justification = request.Justification, request.TicketNumber, MfaVerified = request.MfaVerified,
                      AuthenticationContextId = request.AuthenticationContext, AssignmentId = assignmentId });
            Events.RequestCreated(work, request, p.Role);
            return RequestService.ToOutput(request, p.Role.Name, work.Now);
        },
        confirm);

    /// <summary>What -WhatIf of Request-PimActivation reports: whether it would pass, else the rule that blocks it.</summary>
    public (bool Passes, string Message, PimException? Blocker) CheckActivation(PimActivationInput input) => _store.Read(work =>
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

    private static string? Trim(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    // ---- decisions ---------------------------------------------------------------------------------

    internal static RequestRow FindRequest(UnitOfWork work, Guid id)
        => work.Query(RequestService.Select + " WHERE q.request_id = @id", RequestService.MapRow, ("@id", id)).FirstOrDefault()
           ?? throw PimErrors.RequestNotFound($"There is no request with id {id}.", id, "List requests with Get-PimRequest.");

    private static void RequirePending(RequestRow q, DateTime now, string what)
    {
        var status = RequestService.EffectiveStatus(q, now);
        if (status != PimRequestStatus.PendingApproval)
            throw PimErrors.RequestNotPending($"Request {q.Id} ({q.Action} '{q.Principal}') cannot be {what}: it is {status}" +
                (q.ApprovedBy is not null ? $" (decided by {q.ApprovedBy} at {q.Decided:u})" : "") + ". The first decision stands.",
                q.Id, "Only pending requests can be decided or canceled; see Get-PimRequest -Status PendingApproval.");
    }

    private sealed record DecisionPlan(RequestRow Request, PimRole Role, RolePolicy Policy);

    private DecisionPlan PlanDecision(UnitOfWork work, Guid requestId, string? justification, string what)
    {
        Input.Text(justification, "Justification", Input.JustificationLength);
        var q = FindRequest(work, requestId);
        var role = RoleService.Resolve(work, new PimRoleReference(q.RoleId));
        RequirePending(q, work.Now, what);
        if (Principal.Same(q.Principal, work.Actor))
            throw PimErrors.CannotDecideOwnRequest($"{work.Actor} made request {q.Id} and cannot decide it; requesters never approve their own requests.", q.Id,
                "Ask one of the role's approvers to decide it.");
        if (!Approvals.MayApprove(work, q, work.Actor))
            throw PimErrors.NotApprover($"{work.Actor} is not an approver of '{role.Name}' requests. Approvers: {string.Join(", ", Approvals.ApproversOf(work, q))}.",
                q.Id, "Ask a listed approver (or, when the role lists none, a Privileged Role Administrator) to decide it.");
        var policy = SettingsService.Load(work, q.RoleId);
        if (policy.RequireApproverJustification && string.IsNullOrWhiteSpace(justification))
            throw PimErrors.JustificationRequired($"The settings of '{role.Name}' require approvers to give a reason (RequireApproverJustification).", q.Id,
                "Give -Justification with the reason for your decision.");
        return new DecisionPlan(q, role, policy);
    }

    /// <summary>Marks a pending request decided, atomically: a request decided by someone else first is refused.</summary>
    private static void Decide(UnitOfWork work, RequestRow q, PimRequestStatus status, string? justification, Guid? assignmentId)
    {
        var changed = work.Execute(
            "UPDATE requests SET status = @s, approved_by = @by, decision_justification = @j, decided_utc = @t, " +
            "assignment_id = COALESCE(@a, assignment_id) WHERE request_id = @id AND status = 'PendingApproval' AND created_utc > @cut",
            ("@s", status), ("@by", work.Actor), ("@j", Trim(justification)), ("@t", work.Now), ("@a", assignmentId), ("@id", q.Id),
            ("@cut", work.Now - Limits.PendingRequestLifetime));
        if (changed == 0) RequirePending(FindRequest(work, q.Id), work.Now, "decided"); // someone else decided first
    }

    public PimRequest? Approve(Guid requestId, string? justification, Func<PimChange, bool>? confirm = null) => _store.Change(
        work => PlanDecision(work, requestId, justification, "approved"),
        p => new PimChange($"{p.Request.Action} '{p.Role.Name}' for {p.Request.Principal} ({p.Request.Id})", "Approve request"),
        (work, p) =>
        {
            var q = p.Request;
            Guid? assignmentId = null;
            if (q.Action == PimRequestAction.SelfActivate)
            {
                var start = q.Start is { } s && s > work.Now ? s : work.Now;
                var duration = q.Duration ?? p.Policy.ActivationMaxDuration;
                var eligible = work.Query(AssignmentService.Select + " WHERE a.principal_key = @pk AND a.role_id = @r AND a.type = 'Eligible'",
                        AssignmentService.MapRow, ("@pk", Principal.Fold(q.Principal)), ("@r", q.RoleId))
                    .Where(a => global::PimModule.Assignments.Scope.Covers(a.Scope, q.Scope) && a.Start <= start && (a.End is null || a.End > start))
                    .OrderByDescending(a => a.End ?? DateTime.MaxValue).FirstOrDefault()
                    ?? throw PimErrors.NotEligible($"{q.Principal} is no longer eligible for '{p.Role.Name}' at {q.Scope}, so the request cannot be approved.", q.Id,
                        "Deny the request, or restore the eligible assignment first.");
                var end = start + duration;
                if (eligible.End is { } ee && end > ee) end = ee;
                var row = new AssignmentRow(Guid.NewGuid(), q.Principal, q.RoleId, q.Scope, PimAssignmentType.Active, PimMemberType.Activated,
                    start, end, q.Justification, q.TicketNumber, q.TicketSystem, q.Principal, work.Now, q.Id, eligible.Id);
                row.Add(work);
                assignmentId = row.Id;
                Decide(work, q, PimRequestStatus.Provisioned, justification, assignmentId);
                work.Execute("UPDATE requests SET start_utc = @s, end_utc = @e WHERE request_id = @id", ("@s", start), ("@e", end), ("@id", q.Id));
            }
            else if (q.Action is PimRequestAction.SelfExtend or PimRequestAction.SelfRenew)
            {
                Decide(work, q, PimRequestStatus.Provisioned, justification, q.TargetAssignmentId);
                assignmentId = ApplyExtension(work, q, p.Role);
            }
            else
            {
                Decide(work, q, PimRequestStatus.Provisioned, justification, null);
            }
            AuditLog.Append(work, "ApproveRequest", "Request", q.Id.ToString("D"), q.RoleId, q.Principal,
                new { Status = nameof(PimRequestStatus.PendingApproval) },
                new { Status = nameof(PimRequestStatus.Provisioned), ApprovedBy = work.Actor, Justification = Trim(justification), AssignmentId = assignmentId });
            var decided = FindRequest(work, q.Id);
            Events.RequestDecided(work, decided, p.Role);
            return RequestService.ToOutput(decided, p.Role.Name, work.Now);
        },
        confirm);

    public PimRequest? Deny(Guid requestId, string? justification, Func<PimChange, bool>? confirm = null) => _store.Change(
        work => PlanDecision(work, requestId, justification, "denied"),
        p => new PimChange($"{p.Request.Action} '{p.Role.Name}' for {p.Request.Principal} ({p.Request.Id})", "Deny request"),
        (work, p) =>
        {
            Decide(work, p.Request, PimRequestStatus.Denied, justification, null);
            AuditLog.Append(work, "DenyRequest", "Request", p.Request.Id.ToString("D"), p.Request.RoleId, p.Request.Principal,
                new { Status = nameof(PimRequestStatus.PendingApproval) },
                new { Status = nameof(PimRequestStatus.Denied), DeniedBy = work.Actor, Justification = Trim(justification) });
            var decided = FindRequest(work, p.Request.Id);
            Events.RequestDecided(work, decided, p.Role);
            return RequestService.ToOutput(decided, p.Role.Name, work.Now);
        },
        confirm);

    /// <summary>Cancels one's own pending request.</summary>
    public PimRequest? Cancel(Guid requestId, Func<PimChange, bool>? confirm = null) => _store.Change(
        work =>
        {
            var q = FindRequest(work, requestId);
            var role = RoleService.Resolve(work, new PimRoleReference(q.RoleId));
            if (!Principal.Same(q.Principal, work.Actor))
                throw PimErrors.NotRequester($"Request {q.Id} was made by {q.Principal}; only the requester can cancel it.", q.Id,
                    "Approvers decide others' requests with Approve-PimRequest or Deny-PimRequest.");
            RequirePending(q, work.Now, "canceled");
            return (Request: q, Role: role);
        },
        p => new PimChange($"{p.Request.Action} '{p.Role.Name}' ({p.Request.Id})", "Cancel request"),
        (work, p) =>
        {
            var changed = work.Execute("UPDATE requests SET status = 'Canceled', decided_utc = @t WHERE request_id = @id AND status = 'PendingApproval'",
                ("@t", work.Now), ("@id", p.Request.Id));
            if (changed == 0) RequirePending(FindRequest(work, p.Request.Id), work.Now, "canceled");
            AuditLog.Append(work, "CancelRequest", "Request", p.Request.Id.ToString("D"), p.Request.RoleId, p.Request.Principal,
                new { Status = nameof(PimRequestStatus.PendingApproval) }, new { Status = nameof(PimRequestStatus.Canceled) });
            return RequestService.ToOutput(FindRequest(work, p.Request.Id), p.Role.Name, work.Now);
        },
        confirm);

    // ---- deactivation and extension ----------------------------------------------------------------

    private static AssignmentRow FindOwn(UnitOfWork work, Guid? assignmentId, PimRoleReference? role, string? scope,
        Func<AssignmentRow, bool> match, string what)
    {
        if (assignmentId is { } id)
        {
            var a = AssignmentService.Find(work, id);
            if (!Principal.Same(a.Principal, work.Actor))
                throw PimErrors.NotOwnAssignment($"Assignment {a.Id} belongs to {a.Principal}; {work.Actor} can only {what} their own assignments.", a.Id,
                    "Administrators change others' assignments with Update-PimAssignment or Remove-PimAssignment.");
            return match(a) ? a : throw NotFound(work, a.RoleId.ToString(), a.Scope, what);
        }
        var r = RoleService.Resolve(work, role ?? throw PimErrors.RoleRequired("No role was given.", null, "Give -Role."));
        var s = global::PimModule.Assignments.Scope.Validate(scope);
        return work.Query(AssignmentService.Select + " WHERE a.principal_key = @pk AND a.role_id = @r", AssignmentService.MapRow,
                   ("@pk", Principal.Fold(work.Actor)), ("@r", r.Id))
                   .Where(a => string.Equals(a.Scope, s, StringComparison.OrdinalIgnoreCase) && match(a))
                   .OrderBy(a => a.End ?? DateTime.MaxValue).FirstOrDefault()
               ?? throw NotFound(work, r.Name, s, what);
    }

    private static PimException NotFound(UnitOfWork work, string role, string scope, string what) => what == "deactivate"
        ? PimErrors.NotActive($"{work.Actor} has no activation of '{role}' at {scope} to deactivate.",
            role, "See your activations with Get-PimAssignment -Principal <you> -MemberType Activated.")
        : PimErrors.AssignmentNotFound($"{work.Actor} has no assignment of '{role}' at {scope} that can be extended (it must end within {ExtensionWindow.TotalDays:0} days).",
            role, "See your assignments with Get-PimAssignment -Principal <you> -State All.");

    public PimRequest? RequestDeactivation(PimRoleReference? role, string? scope, Guid? assignmentId, Func<PimChange, bool>? confirm = null) => _store.Change(
        work =>
        {
            var a = FindOwn(work, assignmentId, role, scope,
                x => x.Type == PimAssignmentType.Active && x.MemberType == PimMemberType.Activated
                     && Schedules.StateAt(x.Start, x.End, work.Now) != PimAssignmentState.Expired, "deactivate");
            var r = RoleService.Resolve(work, new PimRoleReference(a.RoleId));
            if (a.Start <= work.Now && work.Now - a.Start < MinimumActivation)
                throw PimErrors.DeactivationTooSoon($"The activation of '{r.Name}' started at {a.Start:u}; it cannot be deactivated in its first {MinimumActivation.TotalMinutes:0} minutes.",
                    a.Id, $"Try again after {(a.Start + MinimumActivation):u}.");
            Guards.KeepAdministrator(work, a, a.Start > work.Now ? a.Start : work.Now, removed: true, r.Name);
            return (Row: a, Role: r);
        },
        p => new PimChange($"'{p.Role.Name}' at {p.Row.Scope} for {p.Row.Principal} ({p.Row.Id})", "Deactivate"),
        (work, p) =>
        {
            var requestId = Guid.NewGuid();
            var end = p.Row.Start > work.Now ? p.Row.Start : work.Now;
            new RequestRow(requestId, PimRequestAction.SelfDeactivate, PimRequestStatus.Provisioned, work.Actor, p.Row.RoleId, p.Row.Scope,
                PimAssignmentType.Active, null, p.Row.Start, end, null, null, null, work.Actor, work.Now, Decided: work.Now,
                TargetAssignmentId: p.Row.Id).Add(work);
            if (p.Row.Start > work.Now) work.Execute("DELETE FROM assignments WHERE assignment_id = @id", ("@id", p.Row.Id)); // never started
            else work.Execute("UPDATE assignments SET end_utc = @e WHERE assignment_id = @id", ("@e", end), ("@id", p.Row.Id));
            AuditLog.Append(work, nameof(PimRequestAction.SelfDeactivate), "Assignment", p.Row.Id.ToString("D"), p.Row.RoleId, p.Row.Principal,
                AuditView.Of(p.Row), AuditView.Of(p.Row with { End = end }));
            return RequestService.ToOutput(FindRequest(work, requestId), p.Role.Name, work.Now);
        },
        confirm);

    public PimRequest? RequestExtension(PimRoleReference? role, string? scope, PimAssignmentType type, Guid? assignmentId,
        TimeSpan? duration, string? justification, Func<PimChange, bool>? confirm = null) => _store.Change(
        work =>
        {
            Input.Text(justification, "Justification", Input.JustificationLength);
            Times.Duration(duration, "Duration");
            var a = FindOwn(work, assignmentId, role, scope,
                x => (assignmentId is not null || x.Type == type) && x.MemberType == PimMemberType.Direct && x.End is { } e
                     && e - work.Now <= ExtensionWindow && work.Now - e <= Limits.ExpiredAssignmentVisibility, "extend");
            var r = RoleService.Resolve(work, new PimRoleReference(a.RoleId));
            var policy = SettingsService.Load(work, a.RoleId);
            var d = duration ?? (a.Type == PimAssignmentType.Eligible ? policy.EligibleExpiresAfter : policy.ActiveExpiresAfter);
            Schedules.ResolveAdmin(policy, a.Type, r.Name, work.Now, work.Now, null, d, false); // the policy must allow what is asked
            var pending = work.ScalarLong("SELECT COUNT(*) FROM requests WHERE target_assignment_id = @a AND status = 'PendingApproval' " +
                                          "AND action IN ('SelfExtend', 'SelfRenew') AND created_utc > @cut",
                ("@a", a.Id), ("@cut", work.Now - Limits.PendingRequestLifetime));
            if (pending > 0)
                throw PimErrors.RequestPending($"An extension of this assignment of '{r.Name}' is already waiting for an administrator.", a.Id,
                    "Wait for the decision, or cancel it with Stop-PimRequest.");
            return (Row: a, Role: r, Duration: d);
        },
        p => new PimChange($"{p.Row.Type} assignment of '{p.Role.Name}' at {p.Row.Scope} ({p.Row.Id})",
            $"Ask an administrator to extend it by {Schedules.Days(p.Duration)}"),
        (work, p) =>
        {
            var requestId = Guid.NewGuid();
            var action = p.Row.End <= work.Now ? PimRequestAction.SelfRenew : PimRequestAction.SelfExtend;
            var request = new RequestRow(requestId, action, PimRequestStatus.PendingApproval, work.Actor, p.Row.RoleId, p.Row.Scope,
                p.Row.Type, p.Duration, work.Now, work.Now + p.Duration, Trim(justification), null, null, work.Actor, work.Now,
                TargetAssignmentId: p.Row.Id);
            request.Add(work);
            AuditLog.Append(work, action.ToString(), "Request", requestId.ToString("D"), p.Row.RoleId, work.Actor, null,
                new { RequestId = requestId, AssignmentId = p.Row.Id, Duration = p.Duration.ToString("c"), Justification = Trim(justification) });
            Events.RequestCreated(work, request, p.Role);
            return RequestService.ToOutput(request, p.Role.Name, work.Now);
        },
        confirm);

    /// <summary>An approved extension: the administrator's AdminExtend (or AdminRenew) of the assignment.</summary>
    private static Guid ApplyExtension(UnitOfWork work, RequestRow q, PimRole role)
    {
        var a = AssignmentService.Find(work, q.TargetAssignmentId ?? Guid.Empty);
        var renew = a.End is { } e && e <= work.Now;
        var start = renew ? work.Now : a.Start;
        var asked = work.Now + (q.Duration ?? TimeSpan.FromDays(30));
        if (a.End is null) return a.Id;                                  // permanent meanwhile: nothing to extend
        var end = !renew && a.End.Value > asked ? a.End.Value : asked;   // an approved extension never shortens
        var action = renew ? PimRequestAction.AdminRenew : PimRequestAction.AdminExtend;
        var adminRequest = Guid.NewGuid();
        new RequestRow(adminRequest, action, PimRequestStatus.Provisioned, a.Principal, a.RoleId, a.Scope, a.Type, end - start, start, end,
            q.Justification, null, null, work.Actor, work.Now, Decided: work.Now, AssignmentId: a.Id, TargetAssignmentId: a.Id).Add(work);
        work.Execute("UPDATE assignments SET start_utc = @s, end_utc = @e, request_id = @r WHERE assignment_id = @id",
            ("@s", start), ("@e", end), ("@r", adminRequest), ("@id", a.Id));
        AuditLog.Append(work, action.ToString(), "Assignment", a.Id.ToString("D"), a.RoleId, a.Principal, AuditView.Of(a),
            AuditView.Of(a with { Start = start, End = end }));
        return a.Id;
    }
}
