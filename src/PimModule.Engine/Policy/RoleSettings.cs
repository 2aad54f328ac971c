using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml;

namespace PimModule.Policy;

/// <summary>
/// The role settings, each defined once: its name (the property of <see cref="PimRoleSetting"/>, the parameter of
/// Set-PimRoleSetting, the CSV column, the JSON member of an export file), its type, the policy rule it lives in and
/// how it reads and writes that rule, how it is normalised when set, validated, shown in -WhatIf and the audit log,
/// and written to an export file. <see cref="RolePolicy"/>, <see cref="PimRoleSettingUpdate"/>, the export file and
/// Set-PimRoleSetting all walk this table; adding a setting is a row here and its property on <see cref="RolePolicy"/>
/// (plus the output property and the cmdlet parameter, which C# cannot derive).
/// </summary>
internal static class RoleSettings
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

    // ---- rules <-> settings ------------------------------------------------------------------------

    /// <summary>The rules of the policy's settings as JSON (PimModule's own rules only when they differ from the default).</summary>
    public static IEnumerable<(string RuleId, string Json)> ToRules(RolePolicy p)
    {
        foreach (var (id, rule) in Fill(p))
        {
            var json = rule.ToJsonString();
            if (!OwnRules.Contains(id) || json != DefaultJson.Value[id]) yield return (id, json);
        }
    }

    /// <summary>Every rule of the policy's settings as JSON objects, filled from the settings.</summary>
    private static Dictionary<string, JsonObject> Fill(RolePolicy p)
    {
        var rules = Rules.ToDictionary(r => r.Id, r => JsonNode.Parse(r.Shape)!.AsObject(), StringComparer.Ordinal);
        foreach (var s in All) s.WriteRule(p, rules);
        foreach (var rule in rules.Values)
            if (rule["enabledRules"] is JsonArray enabled && enabled.Count > 1)
            {
                var ordered = enabled.Select(x => (string)x!).OrderBy(x => System.Array.IndexOf(EnabledRuleOrder, x)).ToList();
                rule["enabledRules"] = Array(ordered);
            }
        return rules;
    }

    private static readonly Lazy<Dictionary<string, string>> DefaultJson =
        new(() => Fill(new RolePolicy()).ToDictionary(kv => kv.Key, kv => kv.Value.ToJsonString(), StringComparer.Ordinal));

    // The default policy's rules as built (not parsed) nodes, only ever read: shared by every policy read.
    private static readonly Lazy<Dictionary<string, JsonObject>> DefaultNodes = new(() =>
    {
        var rules = Fill(new RolePolicy());
        foreach (var rule in rules.Values) // materialise every node now, so that concurrent reads never initialise one
            foreach (var (_, node) in rule)
                if (node is JsonArray a) _ = a.Count;
        return rules;
    });

    /// <summary>Reads every setting from the rules: the default policy's rules overlaid with the stored ones.</summary>
    public static void FromRules(IReadOnlyDictionary<string, string> stored, RolePolicy p)
    {
        if (stored.Count == 0) return; // a new RolePolicy holds the defaults
        var rules = new Dictionary<string, JsonObject>(DefaultNodes.Value, StringComparer.Ordinal);
        foreach (var (id, json) in stored) rules[id] = JsonNode.Parse(json)!.AsObject();
        foreach (var setting in All) setting.ReadRule(rules, p);
    }

    public static bool IsSettingRule(string ruleId) => DefaultJson.Value.ContainsKey(ruleId);

    // ---- building blocks ---------------------------------------------------------------------------

    private static RoleSetting<bool> Flag(string name, Func<RolePolicy, bool> get, Action<RolePolicy, bool> set, string rule, string member,
        bool inverted = false) => new(name, get, set, rule)
    {
        ToRule = (v, rules) => rules[rule][member] = v != inverted,
        FromRule = rules => (bool)rules[rule][member]! != inverted,
    };

    /// <summary>A setting that is one member of an enablement rule's enabledRules list.</summary>
    private static RoleSetting<bool> Enabled(string name, Func<RolePolicy, bool> get, Action<RolePolicy, bool> set, string rule, string enabledRule)
        => new(name, get, set, rule)
        {
            ToRule = (v, rules) => { if (v) Enable(rules[rule], enabledRule); },
            FromRule = rules => IsEnabled(rules[rule], enabledRule),
        };

    private static RoleSetting<TimeSpan> Duration(string name, Func<RolePolicy, TimeSpan> get, Action<RolePolicy, TimeSpan> set, string rule,
        string member, Action<RolePolicy, string> check) => new(name, get, set, rule)
    {
        ToRule = (v, rules) => rules[rule][member] = XmlConvert.ToString(v),
        FromRule = rules => XmlConvert.ToTimeSpan((string)rules[rule][member]!),
        Show = v => v.ToString("c"),
        Check = check,
    };

    private static RoleSetting<string?> Text(string name, Func<RolePolicy, string?> get, Action<RolePolicy, string?> set, string rule,
        string member, Func<string, string?> normalize, Action<RolePolicy, string> check) => new(name, get, set, rule)
    {
        ToRule = (v, rules) => rules[rule][member] = v,
        FromRule = rules => (string?)rules[rule][member],
        FromInput = value => normalize(value as string ?? Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? ""),
        FromFile = v => string.IsNullOrEmpty(v) ? null : v,
        Show = v => v ?? "",
        Check = check,
    };

    /// <summary>A .NET regular expression (run with NonBacktracking) that a justification or ticket number must match; empty = none.</summary>
    private static RoleSetting<string?> Pattern(string name, Func<RolePolicy, string?> get, Action<RolePolicy, string?> set, string member)
        => Text(name, get, set, RolePolicy.TextPatternRule, member, v => v.Length == 0 ? null : v,
            (p, role) => TextPatterns.Validate(get(p), name, role)) with { OmitFromFileWhenEmpty = true };

    private static void ExpiresAfter(string name, TimeSpan value, string role)
    {
        if (value > Times.MaxDuration)
            throw PimErrors.DurationInvalid($"{name} {Times.Describe(value)} for '{role}' is out of range: at most {Times.Describe(Times.MaxDuration)} (100 years) is allowed.",
                value, $"Give -{name} between 1 day and 100 years, for example 180d.");
        if (value < RolePolicy.MinExpiresAfter)
            throw PimErrors.ExpirationOutOfRange($"{name} must be a period of at least 1 day; {value:c} was given for '{role}'.",
                value, $"Give -{name} between 1 day and 100 years, for example 180d.");
    }

    /// <summary>Principals or addresses given as a list whose items may hold several, separated by ';' or ','.</summary>
    internal static List<string> Principals(object value, string name)
    {
        IEnumerable<string?> items = value switch
        {
            string s => [s],
            IEnumerable<string?> e => e,
            System.Collections.IEnumerable e => e.Cast<object?>().Select(o => o?.ToString()),
            _ => [value.ToString()],
        };
        return Input.NoNullItems(items.ToList(), name)
            .SelectMany(x => x!.Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Distinct(Principal.Comparer).ToList();
    }

    private static void Enable(JsonObject rule, string name) => ((JsonArray)rule["enabledRules"]!).Add(name);

    private static bool IsEnabled(JsonObject rule, string name) => Strings(rule["enabledRules"]).Contains(name);

    internal static JsonArray Array(IEnumerable<string> items) => new(items.Select(i => (JsonNode?)JsonValue.Create(i)).ToArray());

    internal static List<string> Strings(JsonNode? node) => node is JsonArray a ? a.Select(x => (string)x!).ToList() : [];
}

/// <summary>One role setting (see <see cref="RoleSettings"/>).</summary>
internal abstract record RoleSetting(string Name, string Rule)
{
    /// <summary>The setting's type as the engine holds it.</summary>
    public abstract Type Type { get; }

    /// <summary>
    /// Written to an export file only when set: a setting added after the file format, so that files of stores that do
    /// not use it stay as they were (and older versions of the module import them).
    /// </summary>
    public bool OmitFromFileWhenEmpty { get; init; }

    /// <summary>A string or list setting: naming it with an empty value clears it (a null value of a parameter counts as empty).</summary>
    public abstract bool EmptyClears { get; }

    public abstract void WriteRule(RolePolicy p, Dictionary<string, JsonObject> rules);
    public abstract void ReadRule(IReadOnlyDictionary<string, JsonObject> rules, RolePolicy p);
    public abstract void Apply(RolePolicy p, object value, PimRoleSettingUpdate update);
    public abstract void Validate(RolePolicy p, string role);
    public abstract string Describe(RolePolicy p);
    public abstract object? Output(RolePolicy p);
    public abstract void CopyTo(RolePolicy from, RolePolicy to);
    public abstract bool IsEmpty(RolePolicy p);
    public abstract void WriteFile(Utf8JsonWriter writer, RolePolicy p, JsonSerializerOptions options);
    public abstract void ReadFile(ref Utf8JsonReader reader, RolePolicy p, JsonSerializerOptions options);
    public abstract void SetFileDefault(RolePolicy p);
}

internal sealed record RoleSetting<T>(string Name, Func<RolePolicy, T> Get, Action<RolePolicy, T> Set, string Rule) : RoleSetting(Name, Rule)
{
    public required Action<T, Dictionary<string, JsonObject>> ToRule { get; init; }
    public required Func<IReadOnlyDictionary<string, JsonObject>, T> FromRule { get; init; }

    /// <summary>A value given to Set-PimRoleSetting (or the update object) turned into the setting's type.</summary>
    public Func<object, T> FromInput { get; init; } = value => (T)value;

    /// <summary>A side effect of setting this one on others (ActivationRequirement drops the context id).</summary>
    public Action<RolePolicy, T, PimRoleSettingUpdate>? OnSet { get; init; }

    public Action<RolePolicy, string>? Check { get; init; }
    public Func<T, string> Show { get; init; } = v => v?.ToString() ?? "";
    public Func<T, object?> ToOutput { get; init; } = v => v;
    public Func<T, T> Copy { get; init; } = v => v;
    public Func<T, T> FromFile { get; init; } = v => v;

    /// <summary>When the value counts as empty (left out of an export file): the setting's default.</summary>
    public Func<T, bool>? OmitWhen { get; init; }

    /// <summary>The value of a member missing from an export file (as the file's typed members had: the type's default).</summary>
    public T FileDefault { get; init; } = default!;

    public override Type Type => typeof(T);
    public override bool EmptyClears => typeof(T) == typeof(string) || typeof(T) == typeof(List<string>);

    public override void WriteRule(RolePolicy p, Dictionary<string, JsonObject> rules) => ToRule(Get(p), rules);
    public override void ReadRule(IReadOnlyDictionary<string, JsonObject> rules, RolePolicy p) => Set(p, FromRule(rules));

    public override void Apply(RolePolicy p, object value, PimRoleSettingUpdate update)
    {
        var v = FromInput(value);
        Set(p, v);
        OnSet?.Invoke(p, v, update);
    }

    public override void Validate(RolePolicy p, string role) => Check?.Invoke(p, role);
    public override string Describe(RolePolicy p) => Show(Get(p));
    public override object? Output(RolePolicy p) => ToOutput(Get(p));
    public override void CopyTo(RolePolicy from, RolePolicy to) => Set(to, Copy(Get(from)));

    public override bool IsEmpty(RolePolicy p) => OmitWhen is { } omit ? omit(Get(p)) : Get(p) switch
    {
        null => true,
        string s => s.Length == 0,
        List<string> l => l.Count == 0,
        _ => false,
    };

    public override void WriteFile(Utf8JsonWriter writer, RolePolicy p, JsonSerializerOptions options)
        => JsonSerializer.Serialize(writer, Get(p), options);

    public override void ReadFile(ref Utf8JsonReader reader, RolePolicy p, JsonSerializerOptions options)
        => Set(p, FromFile(JsonSerializer.Deserialize<T>(ref reader, options)!));

    public override void SetFileDefault(RolePolicy p) => Set(p, Copy(FileDefault));
}
