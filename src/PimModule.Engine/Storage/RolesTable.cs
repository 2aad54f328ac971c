namespace PimModule.Storage;

/// <summary>
/// The roles table: its SQL, its row type and its named predicates. No other file writes SQL against roles.
/// </summary>
internal static partial class RolesTable
{
}
