using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml;
using PimModule.Errors;
using PimModule.Identity;
using PimModule.Validation;

namespace PimModule.Policy;

/// <summary>Rules ↔ settings: a policy's rules read as its settings and written from them, and the building blocks of each rule's JSON.</summary>
internal static partial class RoleSettings
{
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

    /// <summary>
    /// Every rule of the policy's settings as JSON objects in Graph's shape, filled from the settings: what a Graph export
    /// writes of a rule, and what a Graph import reads a rule's members into (then <see cref="ReadRules"/>).
    /// </summary>
    public static Dictionary<string, JsonObject> RuleObjects(RolePolicy p) => Fill(p);

    /// <summary>Reads the settings that live in the rules <paramref name="ruleIds"/> from <paramref name="rules"/> onto <paramref name="p"/>.</summary>
    public static void ReadRules(IReadOnlyDictionary<string, JsonObject> rules, IReadOnlySet<string> ruleIds, RolePolicy p)
    {
        foreach (var setting in All)
            if (ruleIds.Contains(setting.Rule)) setting.ReadRule(rules, p);
    }

    /// <summary>The members an enablement rule's enabledRules list may hold: its settings' (<see cref="RoleSetting.Enables"/>), in Graph's order.</summary>
    public static string[] EnabledMembers(string ruleId) => All.Where(s => s.Rule == ruleId && s.Enables is not null).Select(s => s.Enables!)
        .OrderBy(m => System.Array.IndexOf(EnabledRuleOrder, m) is var i && i < 0 ? int.MaxValue : i).ToArray();

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
            Enables = enabledRule,
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

    /// <summary>The member of its enablement rule's enabledRules list this setting turns on (null: not an enablement setting).</summary>
    public string? Enables { get; init; }

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
