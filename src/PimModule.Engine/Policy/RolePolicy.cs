using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Xml;

namespace PimModule.Policy;

/// <summary>
/// A role's policy: Entra's unifiedRoleManagementPolicy rules, each stored under its rule id. This class is
/// the one place that knows the rules, their defaults (Entra's), how they map to the flat settings object,
/// and which combinations are valid.
/// </summary>
internal sealed partial class RolePolicy
{
    public const string ActivationExpirationRule = "Expiration_EndUser_Assignment";
    public const string ActivationEnablementRule = "Enablement_EndUser_Assignment";
    public const string AuthenticationContextRule = "AuthenticationContext_EndUser_Assignment";
    public const string ApprovalRule = "Approval_EndUser_Assignment";
    public const string EligibilityExpirationRule = "Expiration_Admin_Eligibility";
    public const string AssignmentExpirationRule = "Expiration_Admin_Assignment";
    public const string AssignmentEnablementRule = "Enablement_Admin_Assignment";

    public static readonly TimeSpan MinActivation = TimeSpan.FromMinutes(30);
    public static readonly TimeSpan MaxActivation = TimeSpan.FromHours(24);

    public TimeSpan ActivationMaxDuration { get; set; } = TimeSpan.FromHours(8);
    public PimActivationRequirement ActivationRequirement { get; set; } = PimActivationRequirement.Mfa;
    public string? AuthenticationContextId { get; set; }
    public bool RequireJustification { get; set; } = true;
    public bool RequireTicket { get; set; }
    public bool RequireApproval { get; set; }
    public List<string> Approvers { get; set; } = [];
    public bool RequireApproverJustification { get; set; } = true;
    public bool AllowPermanentEligible { get; set; } = true;
    public TimeSpan EligibleExpiresAfter { get; set; } = TimeSpan.FromDays(365);
    public bool AllowPermanentActive { get; set; } = true;
    public TimeSpan ActiveExpiresAfter { get; set; } = TimeSpan.FromDays(180);
    public bool RequireMfaOnActiveAssignment { get; set; }
    public bool RequireJustificationOnActiveAssignment { get; set; } = true;
    public Dictionary<(PimNotificationEvent, PimNotificationRecipient), NotificationRule> Notifications { get; private set; } = DefaultNotifications();

    /// <summary>What a requester writes when activating: a justification and ticket when required, each matching its pattern.</summary>
    public void CheckActivationText(string role, string? justification, string? ticketNumber)
    {
        if (RequireJustification && string.IsNullOrWhiteSpace(justification))
            throw Refusals.JustificationRequired(role, "RequireJustification");
        if (RequireTicket && string.IsNullOrWhiteSpace(ticketNumber))
            throw PimErrors.TicketRequired($"The settings of '{role}' require ticket information on activation (RequireTicket).", role,
                "Give -TicketNumber (and -TicketSystem) of the change or incident ticket.");
        CheckPatterns(role, justification, ticketNumber);
    }

    /// <summary>What an administrator writes when assigning (or updating) a role: a justification when required, the patterns.</summary>
    public void CheckAdminText(string role, PimAssignmentType type, string? justification, string? ticketNumber)
    {
        if (type == PimAssignmentType.Active && RequireJustificationOnActiveAssignment && string.IsNullOrWhiteSpace(justification))
            throw Refusals.JustificationRequired(role, "RequireJustificationOnActiveAssignment");
        CheckPatterns(role, justification, ticketNumber);
    }

    /// <summary>JustificationPattern and TicketPattern (issue 12): implemented beside the setting descriptors.</summary>
    partial void CheckPatterns(string role, string? justification, string? ticketNumber);

    public sealed record NotificationRule(bool DefaultRecipients, IReadOnlyList<string> AdditionalRecipients, bool CriticalOnly);

    private static Dictionary<(PimNotificationEvent, PimNotificationRecipient), NotificationRule> DefaultNotifications()
    {
        var d = new Dictionary<(PimNotificationEvent, PimNotificationRecipient), NotificationRule>();
        foreach (var e in Enum.GetValues<PimNotificationEvent>())
            foreach (var r in Enum.GetValues<PimNotificationRecipient>())
                d[(e, r)] = new NotificationRule(true, [], false);
        return d;
    }

    /// <summary>Entra's rule id of a notification row, e.g. Notification_Admin_Admin_Eligibility.</summary>
    public static string NotificationRuleId(PimNotificationEvent evt, PimNotificationRecipient recipient) => evt switch
    {
        PimNotificationEvent.EligibleAssigned => $"Notification_{recipient}_Admin_Eligibility",
        PimNotificationEvent.ActiveAssigned => $"Notification_{recipient}_Admin_Assignment",
        _ => $"Notification_{recipient}_EndUser_Assignment",
    };

    public RolePolicy Clone()
    {
        var c = (RolePolicy)MemberwiseClone();
        c.Approvers = [.. Approvers];
        c.Notifications = new(Notifications);
        return c;
    }

    // ---- rules <-> storage -------------------------------------------------------------------------

    /// <summary>Every rule of this policy as (rule id, JSON in Graph's shape), in a fixed order.</summary>
    public IEnumerable<(string RuleId, string Json)> ToRules()
    {
        static string J(JsonObject o) => o.ToJsonString();
        static JsonArray A(IEnumerable<string> items) => new(items.Select(i => (JsonNode?)JsonValue.Create(i)).ToArray());

        yield return (ActivationExpirationRule, J(new JsonObject
        {
            ["isExpirationRequired"] = true, ["maximumDuration"] = XmlConvert.ToString(ActivationMaxDuration),
        }));
        var enabled = new List<string>();
        if (ActivationRequirement == PimActivationRequirement.Mfa) enabled.Add("MultiFactorAuthentication");
        if (RequireJustification) enabled.Add("Justification");
        if (RequireTicket) enabled.Add("Ticketing");
        yield return (ActivationEnablementRule, J(new JsonObject { ["enabledRules"] = A(enabled) }));
        yield return (AuthenticationContextRule, J(new JsonObject
        {
            ["isEnabled"] = ActivationRequirement == PimActivationRequirement.AuthenticationContext,
            ["claimValue"] = AuthenticationContextId,
        }));
        yield return (ApprovalRule, J(new JsonObject
        {
            ["isApprovalRequired"] = RequireApproval, ["isApproverJustificationRequired"] = RequireApproverJustification,
            ["approvers"] = A(Approvers),
        }));
        yield return (EligibilityExpirationRule, J(new JsonObject
        {
            ["isExpirationRequired"] = !AllowPermanentEligible, ["maximumDuration"] = XmlConvert.ToString(EligibleExpiresAfter),
        }));
        yield return (AssignmentExpirationRule, J(new JsonObject
        {
            ["isExpirationRequired"] = !AllowPermanentActive, ["maximumDuration"] = XmlConvert.ToString(ActiveExpiresAfter),
        }));
        var admin = new List<string>();
        if (RequireMfaOnActiveAssignment) admin.Add("MultiFactorAuthentication");
        if (RequireJustificationOnActiveAssignment) admin.Add("Justification");
        yield return (AssignmentEnablementRule, J(new JsonObject { ["enabledRules"] = A(admin) }));
        foreach (var ((evt, recipient), rule) in Notifications.OrderBy(k => k.Key.Item1).ThenBy(k => k.Key.Item2))
            yield return (NotificationRuleId(evt, recipient), J(new JsonObject
            {
                ["isDefaultRecipientsEnabled"] = rule.DefaultRecipients,
                ["notificationLevel"] = rule.CriticalOnly ? "Critical" : "All",
                ["notificationRecipients"] = A(rule.AdditionalRecipients),
            }));
    }

    private static readonly Lazy<Dictionary<string, string>> DefaultRules =
        new(() => new RolePolicy().ToRules().ToDictionary(r => r.RuleId, r => r.Json));

    public static bool IsDefaultRule(string ruleId, string json) => DefaultRules.Value.TryGetValue(ruleId, out var d) && d == json;

    /// <summary>The policy made of Entra's defaults overlaid with the stored rules.</summary>
    public static RolePolicy FromRules(IEnumerable<(string RuleId, string Json)> rows)
    {
        var p = new RolePolicy();
        var mfa = true;
        var authContext = false;
        foreach (var (ruleId, json) in rows)
        {
            var o = JsonNode.Parse(json)!.AsObject();
            switch (ruleId)
            {
                case ActivationExpirationRule:
                    p.ActivationMaxDuration = XmlConvert.ToTimeSpan((string)o["maximumDuration"]!);
                    break;
                case ActivationEnablementRule:
                    var rules = Strings(o["enabledRules"]);
                    mfa = rules.Contains("MultiFactorAuthentication");
                    p.RequireJustification = rules.Contains("Justification");
                    p.RequireTicket = rules.Contains("Ticketing");
                    break;
                case AuthenticationContextRule:
                    authContext = (bool)o["isEnabled"]!;
                    p.AuthenticationContextId = (string?)o["claimValue"];
                    break;
                case ApprovalRule:
                    p.RequireApproval = (bool)o["isApprovalRequired"]!;
                    p.RequireApproverJustification = (bool)o["isApproverJustificationRequired"]!;
                    p.Approvers = Strings(o["approvers"]);
                    break;
                case EligibilityExpirationRule:
                    p.AllowPermanentEligible = !(bool)o["isExpirationRequired"]!;
                    p.EligibleExpiresAfter = XmlConvert.ToTimeSpan((string)o["maximumDuration"]!);
                    break;
                case AssignmentExpirationRule:
                    p.AllowPermanentActive = !(bool)o["isExpirationRequired"]!;
                    p.ActiveExpiresAfter = XmlConvert.ToTimeSpan((string)o["maximumDuration"]!);
                    break;
                case AssignmentEnablementRule:
                    var admin = Strings(o["enabledRules"]);
                    p.RequireMfaOnActiveAssignment = admin.Contains("MultiFactorAuthentication");
                    p.RequireJustificationOnActiveAssignment = admin.Contains("Justification");
                    break;
                default:
                    foreach (var evt in Enum.GetValues<PimNotificationEvent>())
                        foreach (var r in Enum.GetValues<PimNotificationRecipient>())
                            if (NotificationRuleId(evt, r) == ruleId)
                                p.Notifications[(evt, r)] = new NotificationRule((bool)o["isDefaultRecipientsEnabled"]!,
                                    Strings(o["notificationRecipients"]), (string?)o["notificationLevel"] == "Critical");
                    break;
            }
        }
        p.ActivationRequirement = authContext ? PimActivationRequirement.AuthenticationContext
            : mfa ? PimActivationRequirement.Mfa : PimActivationRequirement.None;
        return p;
    }

    private static List<string> Strings(JsonNode? node) => node is JsonArray a ? a.Select(x => (string)x!).ToList() : [];

    // ---- the flat object ---------------------------------------------------------------------------

    public PimRoleSetting ToSetting(PimRole role, string? modifiedBy, DateTime? modified) => new()
    {
        Role = role.Name,
        RoleId = role.Id,
        ActivationMaxDuration = ActivationMaxDuration,
        ActivationRequirement = ActivationRequirement,
        AuthenticationContextId = AuthenticationContextId,
        RequireJustification = RequireJustification,
        RequireTicket = RequireTicket,
        RequireApproval = RequireApproval,
        Approvers = new PimPrincipalList(Approvers),
        RequireApproverJustification = RequireApproverJustification,
        AllowPermanentEligible = AllowPermanentEligible,
        EligibleExpiresAfter = EligibleExpiresAfter,
        AllowPermanentActive = AllowPermanentActive,
        ActiveExpiresAfter = ActiveExpiresAfter,
        RequireMfaOnActiveAssignment = RequireMfaOnActiveAssignment,
        RequireJustificationOnActiveAssignment = RequireJustificationOnActiveAssignment,
        Notifications = new PimNotificationSettingList(Notifications
            .OrderBy(k => k.Key.Item1).ThenBy(k => k.Key.Item2)
            .Select(k => new PimNotificationSetting
            {
                Role = role.Name, RoleId = role.Id, Event = k.Key.Item1, Recipient = k.Key.Item2,
                DefaultRecipients = k.Value.DefaultRecipients, AdditionalRecipients = new PimPrincipalList(k.Value.AdditionalRecipients),
                CriticalOnly = k.Value.CriticalOnly, RuleId = NotificationRuleId(k.Key.Item1, k.Key.Item2),
            }).ToList()),
        IsDefault = modifiedBy is null,
        ModifiedBy = modifiedBy,
        ModifiedDateTime = modified,
    };

    /// <summary>A plain, ordered view for the audit log and for -WhatIf descriptions.</summary>
    public SortedDictionary<string, string> Describe()
    {
        var d = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["ActivationMaxDuration"] = ActivationMaxDuration.ToString("c"),
            ["ActivationRequirement"] = ActivationRequirement.ToString(),
            ["AuthenticationContextId"] = AuthenticationContextId ?? "",
            ["RequireJustification"] = RequireJustification.ToString(),
            ["RequireTicket"] = RequireTicket.ToString(),
            ["RequireApproval"] = RequireApproval.ToString(),
            ["Approvers"] = string.Join(";", Approvers),
            ["RequireApproverJustification"] = RequireApproverJustification.ToString(),
            ["AllowPermanentEligible"] = AllowPermanentEligible.ToString(),
            ["EligibleExpiresAfter"] = EligibleExpiresAfter.ToString("c"),
            ["AllowPermanentActive"] = AllowPermanentActive.ToString(),
            ["ActiveExpiresAfter"] = ActiveExpiresAfter.ToString("c"),
            ["RequireMfaOnActiveAssignment"] = RequireMfaOnActiveAssignment.ToString(),
            ["RequireJustificationOnActiveAssignment"] = RequireJustificationOnActiveAssignment.ToString(),
        };
        foreach (var ((evt, r), rule) in Notifications)
            d[$"Notification.{evt}.{r}"] = $"Default={rule.DefaultRecipients};Additional={string.Join(",", rule.AdditionalRecipients)};CriticalOnly={rule.CriticalOnly}";
        return d;
    }

    public static string Diff(RolePolicy before, RolePolicy after)
    {
        var a = before.Describe();
        var b = after.Describe();
        var changes = b.Where(kv => a[kv.Key] != kv.Value).Select(kv => $"{kv.Key}: '{a[kv.Key]}' -> '{kv.Value}'").ToList();
        return changes.Count == 0 ? "no change" : string.Join("; ", changes);
    }

    // ---- validation --------------------------------------------------------------------------------

    [GeneratedRegex(@"^c([1-9]|[1-9][0-9])\z")]
    private static partial Regex AuthenticationContextShape();

    [GeneratedRegex(@"^[^@\s;,""'<>]+@[^@\s;,""'<>]+\.[^@\s;,""'<>]+\z")]
    private static partial Regex MailShape();

    /// <summary>An e-mail address a notification can go to: ASCII (as principals are), at most 256 characters, no control characters.</summary>
    public static bool IsMailAddress(string text)
        => text.Length <= Input.MailAddressLength && text.All(c => c is > ' ' and < '\u007F') && MailShape().IsMatch(text);

    /// <summary>The shortest and longest EligibleExpiresAfter / ActiveExpiresAfter.</summary>
    public static readonly TimeSpan MinExpiresAfter = TimeSpan.FromDays(1);

    /// <summary>Refuses a policy Entra would refuse; says which setting to change.</summary>
    public void Validate(string role)
    {
        Input.Text(AuthenticationContextId, "AuthenticationContextId", Input.AuthenticationContextIdLength);
        if (ActivationMaxDuration < MinActivation || ActivationMaxDuration > MaxActivation)
            throw PimErrors.ActivationDurationOutOfRange($"ActivationMaxDuration {ActivationMaxDuration:c} for '{role}' is out of range: it must be between 30 minutes and 24 hours.",
                ActivationMaxDuration, "Give -ActivationMaxDuration between '00:30:00' and '24:00:00' (for example 4h).");
        if (ActivationRequirement == PimActivationRequirement.AuthenticationContext)
        {
            if (string.IsNullOrWhiteSpace(AuthenticationContextId))
                throw PimErrors.AuthenticationContextRequired($"'{role}' would require a Conditional Access authentication context on activation, but no context is named.",
                    role, "Give -AuthenticationContextId (for example c1) together with -ActivationRequirement AuthenticationContext.");
            if (!AuthenticationContextShape().IsMatch(AuthenticationContextId))
                throw PimErrors.AuthenticationContextInvalid($"'{AuthenticationContextId}' is not an authentication context id; Entra's ids are c1 to c99.",
                    AuthenticationContextId, "Give -AuthenticationContextId as c1 … c99.");
        }
        else if (!string.IsNullOrEmpty(AuthenticationContextId))
        {
            throw PimErrors.AuthenticationContextNotApplicable($"-AuthenticationContextId '{AuthenticationContextId}' applies only when the activation requirement is AuthenticationContext; '{role}' requires {ActivationRequirement}.",
                AuthenticationContextId, "Add -ActivationRequirement AuthenticationContext, or leave out -AuthenticationContextId.");
        }
        foreach (var (name, value) in new[] { ("EligibleExpiresAfter", EligibleExpiresAfter), ("ActiveExpiresAfter", ActiveExpiresAfter) })
        {
            if (value > Times.MaxDuration)
                throw PimErrors.DurationInvalid($"{name} {Times.Describe(value)} for '{role}' is out of range: at most {Times.Describe(Times.MaxDuration)} (100 years) is allowed.",
                    value, $"Give -{name} between 1 day and 100 years, for example 180d.");
            if (value < MinExpiresAfter)
                throw PimErrors.ExpirationOutOfRange($"{name} must be a period of at least 1 day; {value:c} was given for '{role}'.",
                    value, $"Give -{name} between 1 day and 100 years, for example 180d.");
        }
        Input.List(Approvers, "Approvers", Input.PrincipalLength);
        foreach (var a in Approvers) Principal.Validate(a, "Approvers");
        foreach (var ((evt, r), rule) in Notifications)
        {
            Input.List(rule.AdditionalRecipients, "AdditionalRecipients", Input.MailAddressLength);
            foreach (var address in rule.AdditionalRecipients)
                if (!IsMailAddress(address))
                    throw PimErrors.RecipientInvalid($"'{Input.Preview(address)}' is not an email address (notification {evt}/{r} of '{role}'); addresses are ASCII, as principals are.",
                        Input.Preview(address), "Give -AdditionalRecipients as email addresses, for example secops@contoso.com.");
        }
    }
}
