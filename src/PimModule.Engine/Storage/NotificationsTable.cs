namespace PimModule.Storage;

/// <summary>
/// The notifications table: its SQL, its row type and its named predicates. No other file writes SQL against notifications.
/// </summary>
internal static partial class NotificationsTable
{
}
