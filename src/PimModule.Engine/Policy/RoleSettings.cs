using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml;
using PimModule.Errors;
using PimModule.Identity;
using PimModule.Validation;

namespace PimModule.Policy;

/// <summary>
/// The role settings, each defined once: its name (the property of <see cref="PimRoleSetting"/>, the parameter of
/// Set-PimRoleSetting, the CSV column, the JSON member of an export file), its type, the policy rule it lives in and
/// how it reads and writes that rule, how it is normalised when set, validated, shown in -WhatIf and the audit log,
/// and written to an export file. <see cref="RolePolicy"/>, <see cref="PimRoleSettingUpdate"/>, the export file and
/// Set-PimRoleSetting all walk this table; adding a setting is a row here and its property on <see cref="RolePolicy"/>
/// (plus the output property and the cmdlet parameter, which C# cannot derive).
/// </summary>
internal static partial class RoleSettings
{
    // ---- the policy rules: Graph's unifiedRoleManagementPolicyRule shapes, in the order they are written ----------

    /// <summary>
    /// Each rule's JSON shape (member order as written); the settings fill the members. A rule whose JSON equals the
    /// one of the default policy is not stored. PimModule's own rules (Entra has no such rule) are left out of a policy's
    /// rules while they hold the defaults, so a policy that does not use them is Entra's rules only.
    /// </summary>
    public static readonly IReadOnlyList<(string Id, string Shape)> Rules =
    [
        (RolePolicy.ActivationExpirationRule, """{"isExpirationRequired":true,"maximumDuration":null}"""),
        (RolePolicy.ActivationEnablementRule, """{"enabledRules":[]}"""),
        (RolePolicy.AuthenticationContextRule, """{"isEnabled":false,"claimValue":null}"""),
        (RolePolicy.ApprovalRule, """{"isApprovalRequired":false,"isApproverJustificationRequired":false,"approvers":[]}"""),
        (RolePolicy.EligibilityExpirationRule, """{"isExpirationRequired":false,"maximumDuration":null}"""),
        (RolePolicy.AssignmentExpirationRule, """{"isExpirationRequired":false,"maximumDuration":null}"""),
        (RolePolicy.AssignmentEnablementRule, """{"enabledRules":[]}"""),
        (RolePolicy.TextPatternRule, """{"justificationPattern":null,"ticketPattern":null}"""),
        (RolePolicy.ApprovalStagesRule, """{"requiredApprovals":1,"escalationApprovers":[],"escalationAfter":null,"secondStage":null}"""),
    ];

    private static readonly HashSet<string> OwnRules = new([RolePolicy.TextPatternRule, RolePolicy.ApprovalStagesRule], StringComparer.Ordinal);

    /// <summary>The order of the members of an enablement rule's enabledRules list (Graph's).</summary>
    private static readonly string[] EnabledRuleOrder = ["MultiFactorAuthentication", "Justification", "Ticketing"];

    // ---- the settings, in the order of the flat object, the export file and the CSV columns ----------------------

    public static readonly RoleSetting<TimeSpan> ActivationMaxDuration = Duration(nameof(RolePolicy.ActivationMaxDuration),
        p => p.ActivationMaxDuration, (p, v) => p.ActivationMaxDuration = v, RolePolicy.ActivationExpirationRule, "maximumDuration",
        (p, role) =>
        {
            if (p.ActivationMaxDuration < RolePolicy.MinActivation || p.ActivationMaxDuration > RolePolicy.MaxActivation)
                throw PimErrors.ActivationDurationOutOfRange($"ActivationMaxDuration {p.ActivationMaxDuration:c} for '{role}' is out of range: it must be between 30 minutes and 24 hours.",
                    p.ActivationMaxDuration, "Give -ActivationMaxDuration between '00:30:00' and '24:00:00' (for example 4h).");
        });

    public static readonly RoleSetting<PimActivationRequirement> ActivationRequirement = new(nameof(RolePolicy.ActivationRequirement),
        p => p.ActivationRequirement, (p, v) => p.ActivationRequirement = v, RolePolicy.ActivationEnablementRule)
    {
        // Mfa is a member of the enablement rule; an authentication context is its own rule.
        Enables = "MultiFactorAuthentication",
        ToRule = (v, rules) =>
        {
            if (v == PimActivationRequirement.Mfa) Enable(rules[RolePolicy.ActivationEnablementRule], "MultiFactorAuthentication");
            rules[RolePolicy.AuthenticationContextRule]["isEnabled"] = v == PimActivationRequirement.AuthenticationContext;
        },
        FromRule = rules => (bool)rules[RolePolicy.AuthenticationContextRule]["isEnabled"]! ? PimActivationRequirement.AuthenticationContext
            : IsEnabled(rules[RolePolicy.ActivationEnablementRule], "MultiFactorAuthentication") ? PimActivationRequirement.Mfa
            : PimActivationRequirement.None,
        OnSet = (p, v, update) =>
        {
            // Moving away from an authentication context drops its id, unless the caller names one (then Validate refuses).
            if (v != PimActivationRequirement.AuthenticationContext && !update.Names(nameof(RolePolicy.AuthenticationContextId)))
                p.AuthenticationContextId = null;
        },
        Check = (p, role) =>
        {
            if (p.ActivationRequirement == PimActivationRequirement.AuthenticationContext)
            {
                if (string.IsNullOrWhiteSpace(p.AuthenticationContextId))
                    throw PimErrors.AuthenticationContextRequired($"'{role}' would require a Conditional Access authentication context on activation, but no context is named.",
                        role, "Give -AuthenticationContextId (for example c1) together with -ActivationRequirement AuthenticationContext.");
                if (!RolePolicy.IsAuthenticationContextId(p.AuthenticationContextId))
                    throw PimErrors.AuthenticationContextInvalid($"'{p.AuthenticationContextId}' is not an authentication context id; Entra's ids are c1 to c99.",
                        p.AuthenticationContextId, "Give -AuthenticationContextId as c1 … c99.");
            }
            else if (!string.IsNullOrEmpty(p.AuthenticationContextId))
            {
                throw PimErrors.AuthenticationContextNotApplicable($"-AuthenticationContextId '{p.AuthenticationContextId}' applies only when the activation requirement is AuthenticationContext; '{role}' requires {p.ActivationRequirement}.",
                    p.AuthenticationContextId, "Add -ActivationRequirement AuthenticationContext, or leave out -AuthenticationContextId.");
            }
        },
    };

    public static readonly RoleSetting<string?> AuthenticationContextId = Text(nameof(RolePolicy.AuthenticationContextId),
        p => p.AuthenticationContextId, (p, v) => p.AuthenticationContextId = v, RolePolicy.AuthenticationContextRule, "claimValue",
        v => v.Trim().Length == 0 ? null : v.Trim(),
        (p, _) => Input.Text(p.AuthenticationContextId, "AuthenticationContextId", Input.AuthenticationContextIdLength));

    public static readonly RoleSetting<bool> RequireJustification = Enabled(nameof(RolePolicy.RequireJustification),
        p => p.RequireJustification, (p, v) => p.RequireJustification = v, RolePolicy.ActivationEnablementRule, "Justification");

    public static readonly RoleSetting<bool> RequireTicket = Enabled(nameof(RolePolicy.RequireTicket),
        p => p.RequireTicket, (p, v) => p.RequireTicket = v, RolePolicy.ActivationEnablementRule, "Ticketing");

    public static readonly RoleSetting<bool> RequireApproval = Flag(nameof(RolePolicy.RequireApproval),
        p => p.RequireApproval, (p, v) => p.RequireApproval = v, RolePolicy.ApprovalRule, "isApprovalRequired");

    public static readonly RoleSetting<List<string>> Approvers = new(nameof(RolePolicy.Approvers),
        p => p.Approvers, (p, v) => p.Approvers = v, RolePolicy.ApprovalRule)
    {
        ToRule = (v, rules) => rules[RolePolicy.ApprovalRule]["approvers"] = Array(v),
        FromRule = rules => Strings(rules[RolePolicy.ApprovalRule]["approvers"]),
        FromInput = value => Principals(value, nameof(RolePolicy.Approvers)),
        FromFile = v => [.. v ?? throw new JsonException("Approvers is null; give a list (possibly empty).")],
        FileDefault = [],
        Show = v => string.Join(";", v),
        ToOutput = v => new PimPrincipalList(v),
        Copy = v => [.. v],
        Check = (p, _) =>
        {
            Input.List(p.Approvers, "Approvers", Input.PrincipalLength);
            foreach (var a in p.Approvers) Principal.Validate(a, "Approvers");
        },
    };

    public static readonly RoleSetting<bool> RequireApproverJustification = Flag(nameof(RolePolicy.RequireApproverJustification),
        p => p.RequireApproverJustification, (p, v) => p.RequireApproverJustification = v, RolePolicy.ApprovalRule, "isApproverJustificationRequired");

    public static readonly RoleSetting<bool> AllowPermanentEligible = Flag(nameof(RolePolicy.AllowPermanentEligible),
        p => p.AllowPermanentEligible, (p, v) => p.AllowPermanentEligible = v, RolePolicy.EligibilityExpirationRule, "isExpirationRequired", inverted: true);

    public static readonly RoleSetting<TimeSpan> EligibleExpiresAfter = Duration(nameof(RolePolicy.EligibleExpiresAfter),
        p => p.EligibleExpiresAfter, (p, v) => p.EligibleExpiresAfter = v, RolePolicy.EligibilityExpirationRule, "maximumDuration",
        (p, role) => ExpiresAfter(nameof(RolePolicy.EligibleExpiresAfter), p.EligibleExpiresAfter, role));

    public static readonly RoleSetting<bool> AllowPermanentActive = Flag(nameof(RolePolicy.AllowPermanentActive),
        p => p.AllowPermanentActive, (p, v) => p.AllowPermanentActive = v, RolePolicy.AssignmentExpirationRule, "isExpirationRequired", inverted: true);

    public static readonly RoleSetting<TimeSpan> ActiveExpiresAfter = Duration(nameof(RolePolicy.ActiveExpiresAfter),
        p => p.ActiveExpiresAfter, (p, v) => p.ActiveExpiresAfter = v, RolePolicy.AssignmentExpirationRule, "maximumDuration",
        (p, role) => ExpiresAfter(nameof(RolePolicy.ActiveExpiresAfter), p.ActiveExpiresAfter, role));

    public static readonly RoleSetting<bool> RequireMfaOnActiveAssignment = Enabled(nameof(RolePolicy.RequireMfaOnActiveAssignment),
        p => p.RequireMfaOnActiveAssignment, (p, v) => p.RequireMfaOnActiveAssignment = v, RolePolicy.AssignmentEnablementRule, "MultiFactorAuthentication");

    public static readonly RoleSetting<bool> RequireJustificationOnActiveAssignment = Enabled(nameof(RolePolicy.RequireJustificationOnActiveAssignment),
        p => p.RequireJustificationOnActiveAssignment, (p, v) => p.RequireJustificationOnActiveAssignment = v, RolePolicy.AssignmentEnablementRule, "Justification");

    public static readonly RoleSetting<string?> JustificationPattern = Pattern(nameof(RolePolicy.JustificationPattern),
        p => p.JustificationPattern, (p, v) => p.JustificationPattern = v, "justificationPattern");

    public static readonly RoleSetting<string?> TicketPattern = Pattern(nameof(RolePolicy.TicketPattern),
        p => p.TicketPattern, (p, v) => p.TicketPattern = v, "ticketPattern");

    /// <summary>Stage 1's quorum (stage 1 is Approvers); 1 to 99, and at most the number of listed approvers.</summary>
    public static readonly RoleSetting<int> RequiredApprovals = new(nameof(RolePolicy.RequiredApprovals),
        p => p.RequiredApprovals, (p, v) => p.RequiredApprovals = v, RolePolicy.ApprovalStagesRule)
    {
        ToRule = (v, rules) => rules[RolePolicy.ApprovalStagesRule]["requiredApprovals"] = v,
        FromRule = rules => (int)rules[RolePolicy.ApprovalStagesRule]["requiredApprovals"]!,
        FromInput = value => StageSettings.Count(value, nameof(RolePolicy.RequiredApprovals)),
        FileDefault = 1,
        OmitWhen = v => v == 1,
        OmitFromFileWhenEmpty = true,
        Check = (p, role) => StageSettings.CheckQuorum(1, p.Approvers, p.RequiredApprovals, role),
    };

    /// <summary>
    /// The approval stages as one value (New-PimApprovalStage objects; one JSON column in CSV). Setting it sets stage 1's
    /// Approvers and RequiredApprovals too; Set-PimRoleSetting refuses -Approvers or -RequiredApprovals that differ from it.
    /// </summary>
    public static readonly RoleSetting<List<RolePolicy.ApprovalStageRule>> ApprovalStages = new("ApprovalStages",
        p => p.Stages.Select(s => s.Copy()).ToList(), StageSettings.Set, RolePolicy.ApprovalStagesRule)
    {
        // Stage 1's approvers and quorum are their own settings' members; this one writes the rest.
        ToRule = (v, rules) =>
        {
            var rule = rules[RolePolicy.ApprovalStagesRule];
            rule["escalationApprovers"] = Array(v[0].EscalationApprovers);
            rule["escalationAfter"] = v[0].EscalationAfter is { } e ? XmlConvert.ToString(e) : null;
            rule["secondStage"] = v.Count > 1 ? StageSettings.ToJson(v[1]) : null;
        },
        FromRule = rules =>
        {
            var rule = rules[RolePolicy.ApprovalStagesRule];
            var first = new RolePolicy.ApprovalStageRule(Strings(rules[RolePolicy.ApprovalRule]["approvers"]), (int)rule["requiredApprovals"]!,
                Strings(rule["escalationApprovers"]), rule["escalationAfter"] is { } e ? XmlConvert.ToTimeSpan((string)e!) : null);
            return rule["secondStage"] is JsonObject second ? [first, StageSettings.FromJson(second)] : [first];
        },
        FromInput = value => StageSettings.FromInput(value),
        FromFile = v => v is { Count: >= 1 and <= 2 } ? v.Select(s => StageSettings.Normalize(s)).ToList()
            : throw new JsonException("ApprovalStages must list one or two stages."),
        FileDefault = [new RolePolicy.ApprovalStageRule([], 1, [], null)],
        OmitFromFileWhenEmpty = true,
        OmitWhen = v => v.Count == 1 && v[0].RequiredApprovals == 1 && v[0].EscalationAfter is null && v[0].EscalationApprovers.Count == 0,
        Show = v => StageSettings.ToOutput(v).ToString(),
        ToOutput = v => StageSettings.ToOutput(v),
        Copy = v => v.Select(s => s.Copy()).ToList(),
        Check = (p, role) => StageSettings.Check(p, role),
    };

    /// <summary>Every setting, in the order of the flat object, the export file and the CSV columns.</summary>
    public static readonly IReadOnlyList<RoleSetting> All =
    [
        ActivationMaxDuration, ActivationRequirement, AuthenticationContextId, RequireJustification, RequireTicket, RequireApproval,
        Approvers, RequireApproverJustification, AllowPermanentEligible, EligibleExpiresAfter, AllowPermanentActive, ActiveExpiresAfter,
        RequireMfaOnActiveAssignment, RequireJustificationOnActiveAssignment, JustificationPattern, TicketPattern,
        RequiredApprovals, ApprovalStages,
    ];

    /// <summary>
    /// The order settings are checked in (which refusal a policy with several faults gets); settings not named here
    /// are checked afterwards, in table order.
    /// </summary>
    public static readonly IReadOnlyList<RoleSetting> CheckOrder =
        ((RoleSetting[])[AuthenticationContextId, ActivationMaxDuration, ActivationRequirement, EligibleExpiresAfter, ActiveExpiresAfter, Approvers])
        .Concat(All).Distinct().ToList();

    private static readonly Dictionary<string, RoleSetting> ByName = All.ToDictionary(s => s.Name, StringComparer.OrdinalIgnoreCase);

    public static RoleSetting? Find(string name) => ByName.GetValueOrDefault(name);

}
