namespace PimModule.Requests;

/// <summary>
/// Just-in-time activation and everything around it, as PimStore.Activations offers it to the cmdlets. The work is
/// split by who acts: <see cref="ActivationRequests"/> (requesting, and what -WhatIf reports), <see cref="RequestDecisions"/>
/// (approving, denying, cancelling) and <see cref="SelfService"/> (deactivating, asking for extensions); where an
/// activation comes from and how long it may last is <see cref="Eligibility"/>'s, for all of them.
/// </summary>
public sealed class ActivationService
{
    private readonly ActivationRequests _requests;
    private readonly RequestDecisions _decisions;
    private readonly SelfService _self;

    internal ActivationService(StoreSession store)
    {
        _requests = new ActivationRequests(store);
        _decisions = new RequestDecisions(store);
        _self = new SelfService(store);
    }

    public PimRequest? RequestActivation(PimActivationInput input, Func<PimChange, bool>? confirm = null) => _requests.Request(input, confirm);

    /// <summary>What -WhatIf of Request-PimActivation reports: whether it would pass, else the rule that blocks it.</summary>
    public (bool Passes, string Message, PimException? Blocker) CheckActivation(PimActivationInput input) => _requests.Check(input);

    public PimRequest? Approve(Guid requestId, string? justification, Func<PimChange, bool>? confirm = null) => _decisions.Approve(requestId, justification, confirm);

    public PimRequest? Deny(Guid requestId, string? justification, Func<PimChange, bool>? confirm = null) => _decisions.Deny(requestId, justification, confirm);

    /// <summary>Cancels one's own pending request.</summary>
    public PimRequest? Cancel(Guid requestId, Func<PimChange, bool>? confirm = null) => _decisions.Cancel(requestId, confirm);

    public PimRequest? RequestDeactivation(PimRoleReference? role, string? scope, Guid? assignmentId, Func<PimChange, bool>? confirm = null)
        => _self.Deactivate(role, scope, assignmentId, confirm);

    public PimRequest? RequestExtension(PimRoleReference? role, string? scope, PimAssignmentType type, Guid? assignmentId,
        TimeSpan? duration, string? justification, Func<PimChange, bool>? confirm = null)
        => _self.RequestExtension(role, scope, type, assignmentId, duration, justification, confirm);
}
