namespace PimModule.Storage;

/// <summary>
/// The requests table: its SQL, its row type and its named predicates. No other file writes SQL against requests.
/// </summary>
internal static partial class RequestsTable
{
}
