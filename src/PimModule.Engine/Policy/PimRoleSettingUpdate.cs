namespace PimModule.Policy;

/// <summary>The settings Set-PimRoleSetting names; null = leave as it is. An empty string or list clears.</summary>
public sealed class PimRoleSettingUpdate
{
    public TimeSpan? ActivationMaxDuration { get; init; }
    public PimActivationRequirement? ActivationRequirement { get; init; }
    public string? AuthenticationContextId { get; init; }
    public bool? RequireJustification { get; init; }
    public bool? RequireTicket { get; init; }
    public bool? RequireApproval { get; init; }
    public IReadOnlyList<string>? Approvers { get; init; }
    public bool? RequireApproverJustification { get; init; }
    public bool? AllowPermanentEligible { get; init; }
    public TimeSpan? EligibleExpiresAfter { get; init; }
    public bool? AllowPermanentActive { get; init; }
    public TimeSpan? ActiveExpiresAfter { get; init; }
    public bool? RequireMfaOnActiveAssignment { get; init; }
    public bool? RequireJustificationOnActiveAssignment { get; init; }

    internal void ApplyTo(RolePolicy p)
    {
        if (ActivationMaxDuration is { } d) p.ActivationMaxDuration = d;
        if (ActivationRequirement is { } r)
        {
            p.ActivationRequirement = r;
            // Moving away from an authentication context drops its id, unless the caller names one (then Validate refuses).
            if (r != PimActivationRequirement.AuthenticationContext && AuthenticationContextId is null) p.AuthenticationContextId = null;
        }
        if (AuthenticationContextId is { } id) p.AuthenticationContextId = id.Trim().Length == 0 ? null : id.Trim();
        if (RequireJustification is { } j) p.RequireJustification = j;
        if (RequireTicket is { } t) p.RequireTicket = t;
        if (RequireApproval is { } a) p.RequireApproval = a;
        if (Approvers is { } list)
            p.Approvers = Input.NoNullItems(list, nameof(Approvers)).SelectMany(x => x.Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                .Distinct(Principal.Comparer).ToList();
        if (RequireApproverJustification is { } aj) p.RequireApproverJustification = aj;
        if (AllowPermanentEligible is { } pe) p.AllowPermanentEligible = pe;
        if (EligibleExpiresAfter is { } ee) p.EligibleExpiresAfter = ee;
        if (AllowPermanentActive is { } pa) p.AllowPermanentActive = pa;
        if (ActiveExpiresAfter is { } ae) p.ActiveExpiresAfter = ae;
        if (RequireMfaOnActiveAssignment is { } m) p.RequireMfaOnActiveAssignment = m;
        if (RequireJustificationOnActiveAssignment is { } ja) p.RequireJustificationOnActiveAssignment = ja;
    }
}

/// <summary>What Set-PimNotificationSetting names for one row; null = leave as it is.</summary>
public sealed class PimNotificationUpdate
{
    public PimNotificationEvent Event { get; init; }
    public PimNotificationRecipient Recipient { get; init; }
    public bool? DefaultRecipients { get; init; }
    public IReadOnlyList<string>? AdditionalRecipients { get; init; }
    public bool? CriticalOnly { get; init; }

    internal void ApplyTo(RolePolicy p)
    {
        var row = p.Notifications[(Event, Recipient)];
        p.Notifications[(Event, Recipient)] = new RolePolicy.NotificationRule(
            DefaultRecipients ?? row.DefaultRecipients,
            AdditionalRecipients is null
                ? row.AdditionalRecipients
                : Input.NoNullItems(AdditionalRecipients, nameof(AdditionalRecipients)).SelectMany(x => x.Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    .Distinct(Principal.Comparer).ToList(),
            CriticalOnly ?? row.CriticalOnly);
    }
}
