namespace PimModule.Storage;

/// <summary>
/// The policy_rules table: its SQL, its row type and its named predicates. No other file writes SQL against policy_rules.
/// </summary>
internal static partial class PolicyRulesTable
{
}
