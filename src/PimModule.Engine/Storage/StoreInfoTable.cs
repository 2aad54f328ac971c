namespace PimModule.Storage;

/// <summary>
/// The store_info table: its SQL, its row type and its named predicates. No other file writes SQL against store_info.
/// </summary>
internal static partial class StoreInfoTable
{
}
