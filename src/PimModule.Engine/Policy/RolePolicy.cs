using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using PimModule.Errors;
using PimModule.Requests;
using PimModule.Validation;

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
    /// <summary>PimModule's own rule (Entra has none): JustificationPattern and TicketPattern.</summary>
    public const string TextPatternRule = "TextPattern_PimModule";
    /// <summary>
    /// PimModule's own rule: the tenant's identity of this role's Graph policy (the policy's id and metadata, its
    /// roleManagementPolicyAssignment) as Import-PimRoleSetting read it, so a Graph export addresses the same policy.
    /// Not a setting: Copy- and the PimModule-format import keep the destination's own; Reset- clears it (the role's
    /// Graph export then has its placeholder id). One tenant policy id is one role's (GraphPolicyFile.Holder).
    /// </summary>
    public const string GraphIdentityRule = "GraphIdentity_PimModule";
    /// <summary>
    /// PimModule's own rule: approval in stages (Entra's portal has one stage, first approver wins). Stage 1's quorum and
    /// escalation, and an optional second stage; stage 1's approvers are Entra's <see cref="ApprovalRule"/>.
    /// </summary>
    public const string ApprovalStagesRule = "ApprovalStages_PimModule";

    /// <summary>The Graph identity (JSON: {"policy": {…}, "assignment": {…}}), or null when the role never came from Graph.</summary>
    public string? GraphIdentity { get; set; }

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
    /// <summary>Stage 1's quorum: how many distinct approvers must approve (1: the first approver decides).</summary>
    public int RequiredApprovals { get; set; } = 1;
    /// <summary>Stage 1's escalation approvers: who may decide once the stage has gone <see cref="EscalationAfter"/> without its quorum.</summary>
    public List<string> EscalationApprovers { get; set; } = [];
    public TimeSpan? EscalationAfter { get; set; }
    /// <summary>The second approval stage, or null (one stage).</summary>
    public ApprovalStageRule? SecondStage { get; set; }

    /// <summary>The approval stages, in order: stage 1 from Approvers, RequiredApprovals and its escalation; then <see cref="SecondStage"/>.</summary>
    public IReadOnlyList<ApprovalStageRule> Stages
    {
        get
        {
            var first = new ApprovalStageRule(Approvers, RequiredApprovals, EscalationApprovers, EscalationAfter);
            return SecondStage is null ? [first] : [first, SecondStage];
        }
    }

    /// <summary>The stage a request at <paramref name="stage"/> is decided in (a stage removed meanwhile: the last one).</summary>
    public ApprovalStageRule Stage(int stage) => Stages[Math.Clamp(stage, 1, Stages.Count) - 1];

    /// <summary>Whether <paramref name="stage"/> is the last stage: its quorum provisions the request.</summary>
    public bool IsLastStage(int stage) => stage >= Stages.Count;
    public bool AllowPermanentEligible { get; set; } = true;
    public TimeSpan EligibleExpiresAfter { get; set; } = TimeSpan.FromDays(365);
    public bool AllowPermanentActive { get; set; } = true;
    public TimeSpan ActiveExpiresAfter { get; set; } = TimeSpan.FromDays(180);
    public bool RequireMfaOnActiveAssignment { get; set; }
    public bool RequireJustificationOnActiveAssignment { get; set; } = true;
    public string? JustificationPattern { get; set; }
    public string? TicketPattern { get; set; }
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

    /// <summary>JustificationPattern and TicketPattern: implemented in TextPatterns.cs.</summary>
    partial void CheckPatterns(string role, string? justification, string? ticketNumber);

    /// <summary>One approval stage: its approvers (empty: the default approvers), quorum and escalation.</summary>
    public sealed record ApprovalStageRule(List<string> Approvers, int RequiredApprovals, List<string> EscalationApprovers, TimeSpan? EscalationAfter)
    {
        public ApprovalStageRule Copy() => this with { Approvers = [.. Approvers], EscalationApprovers = [.. EscalationApprovers] };
    }

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
        foreach (var s in RoleSettings.All) s.CopyTo(this, c);
        c.Notifications = new(Notifications);
        return c;
    }

    // ---- rules <-> storage -------------------------------------------------------------------------

    /// <summary>Every rule of this policy as (rule id, JSON in Graph's shape), in a fixed order.</summary>
    public IEnumerable<(string RuleId, string Json)> ToRules()
    {
        foreach (var rule in RoleSettings.ToRules(this)) yield return rule;
        foreach (var ((evt, recipient), rule) in Notifications.OrderBy(k => k.Key.Item1).ThenBy(k => k.Key.Item2))
            yield return (NotificationRuleId(evt, recipient), new JsonObject
            {
                ["isDefaultRecipientsEnabled"] = rule.DefaultRecipients,
                ["notificationLevel"] = rule.CriticalOnly ? "Critical" : "All",
                ["notificationRecipients"] = RoleSettings.Array(rule.AdditionalRecipients),
            }.ToJsonString());
        if (GraphIdentity is not null) yield return (GraphIdentityRule, GraphIdentity);
    }

    private static readonly Lazy<Dictionary<string, string>> DefaultRules =
        new(() => new RolePolicy().ToRules().ToDictionary(r => r.RuleId, r => r.Json));

    public static bool IsDefaultRule(string ruleId, string json) => DefaultRules.Value.TryGetValue(ruleId, out var d) && d == json;

    /// <summary>A rule id this version of PimModule reads and writes (rows of other ids are left as they are).</summary>
    public static bool IsKnownRule(string ruleId) => RoleSettings.IsSettingRule(ruleId) || DefaultRules.Value.ContainsKey(ruleId) || ruleId == GraphIdentityRule;

    /// <summary>A policy from the rules a sealed RoleSetting record carries (rule id → JSON; none: Entra's defaults).</summary>
    public static RolePolicy FromRulesJson(string? rulesJson)
    {
        if (rulesJson is null) return FromRules([]);
        var rules = System.Text.Json.JsonSerializer.Deserialize(rulesJson, EngineJson.Default.DictionaryStringString) ?? [];
        return FromRules(rules.Select(kv => (kv.Key, kv.Value)));
    }

    /// <summary>The policy made of Entra's defaults overlaid with the stored rules.</summary>
    public static RolePolicy FromRules(IEnumerable<(string RuleId, string Json)> rows)
    {
        var p = new RolePolicy();
        var settingRules = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (ruleId, json) in rows)
        {
            if (RoleSettings.IsSettingRule(ruleId))
            {
                settingRules[ruleId] = json;
                continue;
            }
            if (ruleId == GraphIdentityRule)
            {
                p.GraphIdentity = json;
                continue;
            }
            foreach (var evt in Enum.GetValues<PimNotificationEvent>())
                foreach (var r in Enum.GetValues<PimNotificationRecipient>())
                    if (NotificationRuleId(evt, r) == ruleId)
                    {
                        var o = JsonNode.Parse(json)!.AsObject();
                        p.Notifications[(evt, r)] = new NotificationRule((bool)o["isDefaultRecipientsEnabled"]!,
                            RoleSettings.Strings(o["notificationRecipients"]), (string?)o["notificationLevel"] == "Critical");
                    }
        }
        RoleSettings.FromRules(settingRules, p);
        return p;
    }

    // ---- the flat object ---------------------------------------------------------------------------

    /// <summary>The PimRoleSetting properties the settings fill, by name (checked once: every setting has its property).</summary>
    private static readonly (RoleSetting Setting, System.Reflection.PropertyInfo Property)[] OutputProperties = RoleSettings.All
        .Select(s => (s, typeof(PimRoleSetting).GetProperty(s.Name)
                         ?? throw new InvalidOperationException($"PimRoleSetting has no property for the setting {s.Name}.")))
        .ToArray();

    public PimRoleSetting ToSetting(PimRole role, string? modifiedBy, DateTime? modified)
    {
        var setting = new PimRoleSetting
        {
            Role = role.Name,
            RoleId = role.Id,
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
        foreach (var (s, property) in OutputProperties) property.SetValue(setting, s.Output(this));
        return setting;
    }

    /// <summary>A plain, ordered view for the audit log and for -WhatIf descriptions.</summary>
    public SortedDictionary<string, string> Describe()
    {
        var d = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var s in RoleSettings.All) d[s.Name] = s.Describe(this);
        foreach (var ((evt, r), rule) in Notifications)
            d[$"Notification.{evt}.{r}"] = $"Default={rule.DefaultRecipients};Additional={string.Join(",", rule.AdditionalRecipients)};CriticalOnly={rule.CriticalOnly}";
        if (GraphIdentity is not null) d["GraphIdentity"] = DescribeGraphIdentity(GraphIdentity);
        return d;
    }

    /// <summary>The Graph identity in a few words: the tenant's policy id and a digest of the rest.</summary>
    private static string DescribeGraphIdentity(string json)
    {
        var digest = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(json)))[..12].ToLowerInvariant();
        try { return $"{(string?)JsonNode.Parse(json)?["policy"]?["id"]} ({digest})"; }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException) { return digest; }
    }

    public static string Diff(RolePolicy before, RolePolicy after)
    {
        var a = before.Describe();
        var b = after.Describe();
        var changes = b.Keys.Union(a.Keys).Distinct().Order(StringComparer.Ordinal)
            .Where(k => a.GetValueOrDefault(k) != b.GetValueOrDefault(k))
            .Select(k => $"{k}: '{a.GetValueOrDefault(k)}' -> '{b.GetValueOrDefault(k)}'").ToList();
        return changes.Count == 0 ? "no change" : string.Join("; ", changes);
    }

    // ---- validation --------------------------------------------------------------------------------

    [GeneratedRegex(@"^c([1-9]|[1-9][0-9])\z")]
    private static partial Regex AuthenticationContextShape();

    public static bool IsAuthenticationContextId(string id) => AuthenticationContextShape().IsMatch(id);

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
        foreach (var s in RoleSettings.CheckOrder) s.Validate(this, role);
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
