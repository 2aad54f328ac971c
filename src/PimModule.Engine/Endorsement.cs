using System.Text.Json.Nodes;
using PimModule.Storage;
using PimModule.Audit;
using PimModule.Notifications;
using PimModule.Policy;

namespace PimModule;

/// <summary>
/// What Protect-PimStore endorses beside the assignments, as the starting point of a store's verified state: every role's
/// policy rules (those that differ from Entra's defaults) and the mail settings, as they are when it is protected.
/// </summary>
internal static class Endorsement
{
    /// <summary>Role id → the role's rules as JSON (ruleId → value).</summary>
    public static Dictionary<string, string> Policies(UnitOfWork work)
    {
        var policies = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var role in PolicyRulesTable.All(work).GroupBy(r => r.RoleId))
        {
            var rules = RolePolicy.FromRules(role.Select(r => (r.RuleId, r.ValueJson))).ToRules().ToDictionary(r => r.RuleId, r => r.Json, StringComparer.Ordinal);
            policies[role.Key.ToString("D")] = System.Text.Json.JsonSerializer.Serialize(rules);
        }
        return policies;
    }

    public static JsonNode? Mail(UnitOfWork work) => JsonNode.Parse(AuditLog.ToJson(NotificationService.ReadMailSetting(work))!);
}
