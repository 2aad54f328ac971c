using PimModule.Errors;
using PimModule.Identity;
using PimModule.Interop;
using PimModule.Roles;
using PimModule.Validation;

namespace PimModule.Policy;

/// <summary>
/// Role settings compared by type: both sides are read into the typed policy first (a file in either format, a
/// settings object, a role of the store), so 'True' and true, PT8H and 08:00:00, or the order of a list never differ.
/// </summary>
public sealed class SettingsComparison
{
    private readonly StoreSession _store;
    internal SettingsComparison(StoreSession store) => _store = store;

    /// <summary>One side: the roles' policies it holds.</summary>
    public sealed class Side
    {
        internal List<(string Role, Guid RoleId, RolePolicy Policy)> Policies { get; } = [];

        /// <summary>Adds the policies of another side to this one.</summary>
        public void Add(Side other) => Policies.AddRange(other.Policies);
    }

    /// <summary>A settings object (Get-PimRoleSetting's output).</summary>
    public Side FromSettings(IEnumerable<PimRoleSetting> settings)
    {
        var side = new Side();
        foreach (var s in settings) side.Policies.Add((s.Role, s.RoleId, FromSetting(s)));
        return side;
    }

    /// <summary>
    /// Rows of Get-PimRoleSetting | Export-Csv read back with Import-Csv (every value text): each column is read as its
    /// setting's type first — 'True' is the boolean true, '08:00:00' and 'PT8H' the same duration — so a CSV never
    /// differs from the store by its spelling. The Notifications column of a CSV is a summary and is not compared.
    /// </summary>
    public Side FromRows(IEnumerable<IReadOnlyDictionary<string, string?>> rows) => _store.Read(work =>
    {
        var side = new Side();
        foreach (var row in rows)
        {
            var roleText = row.GetValueOrDefault("Role") ?? row.GetValueOrDefault("RoleId")
                ?? throw PimErrors.InputInvalid("A row has no Role or RoleId column.", null, "Give rows of Get-PimRoleSetting | Export-Csv.");
            var role = RoleService.Resolve(work, Guid.TryParse(row.GetValueOrDefault("RoleId"), out var id) ? new PimRoleReference(id) : new PimRoleReference(roleText));
            var p = SettingsService.Load(work, role.Id); // the notifications a CSV row cannot say are the role's own
            var update = new PimRoleSettingUpdate();
            foreach (var setting in RoleSettings.All)
            {
                if (!row.TryGetValue(setting.Name, out var text)) continue;
                update[setting.Name] = Typed(setting, text ?? "", role.Name);
            }
            update.ApplyTo(p);
            side.Policies.Add((role.Name, role.Id, p));
        }
        return side;
    });

    private static object Typed(RoleSetting s, string text, string role)
    {
        PimException Bad() => PimErrors.InputValueInvalid($"The {s.Name} of '{role}' is '{Input.Preview(text)}', which is not a {s.Type.Name}.", text,
            $"Give {s.Name} as Get-PimRoleSetting | Export-Csv writes it.");
        if (s.Type == typeof(bool)) return bool.TryParse(text.Trim(), out var b) ? b : throw Bad();
        if (s.Type == typeof(TimeSpan)) return Durations.Parse(text, s.Name == "ActivationMaxDuration" ? "Hours" : "Days", s.Name) ?? throw Bad();
        if (s.Type == typeof(PimActivationRequirement))
            return Enum.TryParse<PimActivationRequirement>(text.Trim(), true, out var r) && Enum.IsDefined(r) && !int.TryParse(text, out _) ? r : throw Bad();
        if (s.Type == typeof(List<string>)) return text.Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        return text;
    }

    internal static RolePolicy FromSetting(PimRoleSetting s)
    {
        var p = new RolePolicy();
        var update = new PimRoleSettingUpdate();
        foreach (var setting in RoleSettings.All)
            update[setting.Name] = typeof(PimRoleSetting).GetProperty(setting.Name)!.GetValue(s) switch
            {
                null when setting.EmptyClears => "",
                var v => v,
            };
        update.ApplyTo(p);
        foreach (var n in s.Notifications)
            p.Notifications[(n.Event, n.Recipient)] = new RolePolicy.NotificationRule(n.DefaultRecipients, [.. n.AdditionalRecipients], n.CriticalOnly);
        return p;
    }

    /// <summary>Roles of the store, by name or id.</summary>
    public Side FromStore(IEnumerable<PimRoleReference> roles) => _store.Read(work =>
    {
        var side = new Side();
        foreach (var r in roles)
        {
            var role = RoleService.Resolve(work, r);
            side.Policies.Add((role.Name, role.Id, SettingsService.Load(work, role.Id)));
        }
        return side;
    });

    /// <summary>A file in either format (PimModule's, or Graph's policies with their assignments), read without writing.</summary>
    public Side FromFiles(IReadOnlyList<(string Json, string Source)> files) => _store.Read(work =>
    {
        var side = new Side();
        var graph = new List<(string, string)>();
        foreach (var (json, source) in files)
        {
            if (!SettingsService.IsOwnFormat(json)) { graph.Add((json, source)); continue; }
            foreach (var (name, id, policy) in SettingsService.ReadFile(json, source))
            {
                var role = (id is { } g ? RoleService.Find(work, new PimRoleReference(g)) : null) ?? (name is { } n ? RoleService.Find(work, new PimRoleReference(n)) : null);
                side.Policies.Add((role?.Name ?? name ?? id.ToString()!, role?.Id ?? id ?? Guid.Empty, policy));
            }
        }
        if (graph.Count > 0)
        {
            var directory = DirectoryMap.Of(work);
            foreach (var f in GraphPolicyFile.Collect(graph))
            {
                var p = new RolePolicy();
                GraphPolicy.Read(f.Rules, p, directory, f.Where);
                var role = RoleService.Find(work, new PimRoleReference(f.RoleId));
                side.Policies.Add((role?.Name ?? f.RoleId.ToString(), f.RoleId, p));
            }
        }
        return side;
    });

    /// <summary>The differences, one per setting: a side with one policy against one with one compares those two; otherwise roles pair by id.</summary>
    public static IReadOnlyList<PimRoleSettingDifference> Compare(Side reference, Side difference)
    {
        var result = new List<PimRoleSettingDifference>();
        if (reference.Policies.Count == 1 && difference.Policies.Count == 1)
        {
            var (ra, _, pa) = reference.Policies[0];
            var (rb, _, pb) = difference.Policies[0];
            result.AddRange(Differences(string.Equals(ra, rb, StringComparison.OrdinalIgnoreCase) ? ra : $"{ra} ↔ {rb}", pa, pb));
            return result;
        }
        var b = difference.Policies.GroupBy(x => x.RoleId).ToDictionary(g => g.Key, g => g.First());
        var seen = new HashSet<Guid>();
        foreach (var (role, id, policy) in reference.Policies)
        {
            if (!seen.Add(id)) continue;
            if (b.TryGetValue(id, out var other)) result.AddRange(Differences(role, policy, other.Policy));
            else result.Add(new PimRoleSettingDifference { Role = role, Setting = "Role", Reference = role, Difference = null });
        }
        foreach (var (role, id, _) in difference.Policies)
            if (seen.Add(id)) result.Add(new PimRoleSettingDifference { Role = role, Setting = "Role", Reference = null, Difference = role });
        return result;
    }

    private static IEnumerable<PimRoleSettingDifference> Differences(string role, RolePolicy a, RolePolicy b)
    {
        static string Key(RoleSetting s, RolePolicy p) => s.Output(p) is PimPrincipalList list
            ? string.Join(";", list.Select(Principal.Fold).Order(StringComparer.Ordinal)) // a list of principals is a set
            : s.Describe(p);
        foreach (var s in RoleSettings.All)
            if (Key(s, a) != Key(s, b))
                yield return new PimRoleSettingDifference { Role = role, Setting = s.Name, Reference = s.Output(a), Difference = s.Output(b) };
        foreach (var key in a.Notifications.Keys.OrderBy(k => k.Item1).ThenBy(k => k.Item2))
        {
            var x = a.Notifications[key];
            var y = b.Notifications[key];
            if (x.DefaultRecipients != y.DefaultRecipients || x.CriticalOnly != y.CriticalOnly
                || !x.AdditionalRecipients.Order(StringComparer.OrdinalIgnoreCase).SequenceEqual(y.AdditionalRecipients.Order(StringComparer.OrdinalIgnoreCase), Principal.Comparer))
                yield return new PimRoleSettingDifference
                {
                    Role = role, Setting = $"Notification.{key.Item1}.{key.Item2}",
                    Reference = Show(x), Difference = Show(y),
                };
        }
    }

    private static string Show(RolePolicy.NotificationRule r)
        => $"DefaultRecipients={r.DefaultRecipients}; AdditionalRecipients={string.Join(";", r.AdditionalRecipients)}; CriticalOnly={r.CriticalOnly}";
}
