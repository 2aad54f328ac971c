namespace PimModule.Storage;

/// <summary>
/// The policy_rules table: its SQL, its row type and its named predicates. No other file writes SQL against policy_rules.
/// One row per rule of a role that differs from Entra's default (a role with no rows has the default policy);
/// value_json holds the rule in Graph's shape.
/// </summary>
internal static partial class PolicyRulesTable
{
    /// <summary>One stored rule.</summary>
    internal sealed record Row(Guid RoleId, string RuleId, string ValueJson, DateTime ModifiedUtc, string ModifiedBy);

    /// <summary>A rule's id and JSON.</summary>
    internal sealed record Rule(string RuleId, string ValueJson);

    /// <summary>Who changed a role's rules last, and when.</summary>
    internal sealed record Modified(string ModifiedBy, DateTime ModifiedUtc);

    private const string Columns = "role_id, rule_id, value_json, modified_utc, modified_by";

    /// <summary>Every stored rule of every role.</summary>
    public static List<Row> All(UnitOfWork work) => work.Query<Row>($"SELECT {Columns} FROM policy_rules");

    /// <summary>The stored rules of one role.</summary>
    public static List<Rule> OfRole(UnitOfWork work, Guid roleId)
        => work.Query<Rule>("SELECT rule_id, value_json FROM policy_rules WHERE role_id = @roleId", new { roleId });

    /// <summary>The last change of a role's rules; null for a role with Entra's defaults.</summary>
    public static Modified? LastModified(UnitOfWork work, Guid roleId)
        => work.QueryFirstOrDefault<Modified>(
            "SELECT modified_by, modified_utc FROM policy_rules WHERE role_id = @roleId ORDER BY modified_utc DESC LIMIT 1", new { roleId });

    /// <summary>Writes (inserts or replaces) one rule of a role.</summary>
    public static void Upsert(UnitOfWork work, Row row)
        => work.Execute($"INSERT INTO policy_rules ({Columns}) VALUES (@RoleId, @RuleId, @ValueJson, @ModifiedUtc, @ModifiedBy) " +
                        "ON CONFLICT (role_id, rule_id) DO UPDATE SET value_json = excluded.value_json, " +
                        "modified_utc = excluded.modified_utc, modified_by = excluded.modified_by", row);

    /// <summary>Deletes one rule of a role (it is back to Entra's default).</summary>
    public static void Delete(UnitOfWork work, Guid roleId, string ruleId)
        => work.Execute("DELETE FROM policy_rules WHERE role_id = @roleId AND rule_id = @ruleId", new { roleId, ruleId });
}
