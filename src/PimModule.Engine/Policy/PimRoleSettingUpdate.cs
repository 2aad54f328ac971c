using PimModule.Errors;
using PimModule.Identity;
using PimModule.Validation;

namespace PimModule.Policy;

/// <summary>
/// The settings Set-PimRoleSetting names, by name (the table of <see cref="RoleSettings"/>); a setting not named is
/// left as it is. An empty string or list clears. The typed properties are the same values for C# callers; a setting
/// without one is named through the indexer: <c>new PimRoleSettingUpdate { ["TicketPattern"] = "^INC[0-9]+$" }</c>.
/// </summary>
public sealed class PimRoleSettingUpdate
{
    private readonly Dictionary<string, object> _values = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The names of every role setting, in the order of the settings object.</summary>
    public static IReadOnlyList<string> SettingNames { get; } = RoleSettings.All.Select(s => s.Name).ToList();

    /// <summary>Whether an empty value of the setting clears it (a string or list): a parameter named with $null counts as empty.</summary>
    public static bool EmptyClears(string setting) => Setting(setting).EmptyClears;

    /// <summary>The value named for a setting; null = not named. Setting null un-names it.</summary>
    public object? this[string setting]
    {
        get => _values.GetValueOrDefault(Setting(setting).Name);
        set
        {
            var name = Setting(setting).Name;
            if (value is null) _values.Remove(name);
            else _values[name] = value;
        }
    }

    /// <summary>Whether the update names the setting.</summary>
    public bool Names(string setting) => _values.ContainsKey(setting);

    private static RoleSetting Setting(string name) => RoleSettings.Find(name)
        ?? throw new ArgumentException($"There is no role setting '{name}'; the settings are {string.Join(", ", SettingNames)}.", nameof(name));

    private T? Value<T>(string name) where T : class => _values.TryGetValue(name, out var v) ? v as T : null;

    public TimeSpan? ActivationMaxDuration { get => Duration(nameof(ActivationMaxDuration)); init => this[nameof(ActivationMaxDuration)] = value; }
    public PimActivationRequirement? ActivationRequirement { get => _values.TryGetValue(nameof(ActivationRequirement), out var v) ? (PimActivationRequirement)v : null; init => this[nameof(ActivationRequirement)] = value; }
    public string? AuthenticationContextId { get => Value<string>(nameof(AuthenticationContextId)); init => this[nameof(AuthenticationContextId)] = value; }
    public bool? RequireJustification { get => Flag(nameof(RequireJustification)); init => this[nameof(RequireJustification)] = value; }
    public bool? RequireTicket { get => Flag(nameof(RequireTicket)); init => this[nameof(RequireTicket)] = value; }
    public bool? RequireApproval { get => Flag(nameof(RequireApproval)); init => this[nameof(RequireApproval)] = value; }
    public IReadOnlyList<string>? Approvers { get => Value<IReadOnlyList<string>>(nameof(Approvers)); init => this[nameof(Approvers)] = value; }
    public bool? RequireApproverJustification { get => Flag(nameof(RequireApproverJustification)); init => this[nameof(RequireApproverJustification)] = value; }
    public bool? AllowPermanentEligible { get => Flag(nameof(AllowPermanentEligible)); init => this[nameof(AllowPermanentEligible)] = value; }
    public TimeSpan? EligibleExpiresAfter { get => Duration(nameof(EligibleExpiresAfter)); init => this[nameof(EligibleExpiresAfter)] = value; }
    public bool? AllowPermanentActive { get => Flag(nameof(AllowPermanentActive)); init => this[nameof(AllowPermanentActive)] = value; }
    public TimeSpan? ActiveExpiresAfter { get => Duration(nameof(ActiveExpiresAfter)); init => this[nameof(ActiveExpiresAfter)] = value; }
    public bool? RequireMfaOnActiveAssignment { get => Flag(nameof(RequireMfaOnActiveAssignment)); init => this[nameof(RequireMfaOnActiveAssignment)] = value; }
    public bool? RequireJustificationOnActiveAssignment { get => Flag(nameof(RequireJustificationOnActiveAssignment)); init => this[nameof(RequireJustificationOnActiveAssignment)] = value; }

    public int? RequiredApprovals { get => _values.TryGetValue(nameof(RequiredApprovals), out var v) ? StageSettings.Count(v, nameof(RequiredApprovals)) : null; init => this[nameof(RequiredApprovals)] = value; }
    /// <summary>The approval stages (New-PimApprovalStage objects, or their JSON); stage 1 sets Approvers and RequiredApprovals.</summary>
    public IReadOnlyList<PimApprovalStage>? ApprovalStages { get => Value<IReadOnlyList<PimApprovalStage>>(nameof(ApprovalStages)); init => this[nameof(ApprovalStages)] = value; }

    private bool? Flag(string name) => _values.TryGetValue(name, out var v) ? (bool)v : null;
    private TimeSpan? Duration(string name) => _values.TryGetValue(name, out var v) ? (TimeSpan)v : null;

    internal void ApplyTo(RolePolicy p)
    {
        CheckStageOne();
        foreach (var s in RoleSettings.All)
            if (_values.TryGetValue(s.Name, out var value))
                s.Apply(p, value, this);
    }

    /// <summary>-Approvers or -RequiredApprovals beside -ApprovalStages: refused unless they say what its stage 1 says.</summary>
    private void CheckStageOne()
    {
        if (!_values.TryGetValue("ApprovalStages", out var given)) return;
        var first = StageSettings.FromInput(given)[0];
        if (_values.TryGetValue("Approvers", out var approvers))
        {
            var listed = RoleSettings.Principals(approvers, "Approvers");
            if (listed.Count != first.Approvers.Count || listed.Except(first.Approvers, Principal.Comparer).Any())
                throw PimErrors.ApprovalStagesConflict(
                    $"-Approvers ({string.Join(";", listed)}) and stage 1 of -ApprovalStages ({string.Join(";", first.Approvers)}) name different approvers.",
                    string.Join(";", listed), "Give stage 1's approvers in one place: -ApprovalStages alone, or -Approvers without -ApprovalStages.");
        }
        if (_values.TryGetValue("RequiredApprovals", out var required) && StageSettings.Count(required, "RequiredApprovals") != first.RequiredApprovals)
            throw PimErrors.ApprovalStagesConflict(
                $"-RequiredApprovals {required} and stage 1 of -ApprovalStages ({first.RequiredApprovals} required) differ.",
                required, "Give stage 1's quorum in one place: -ApprovalStages alone, or -RequiredApprovals without -ApprovalStages.");
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
