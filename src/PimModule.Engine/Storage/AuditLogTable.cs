namespace PimModule.Storage;

/// <summary>
/// The audit_log table: its SQL, its row type and its named predicates. No other file writes SQL against audit_log.
/// </summary>
internal static partial class AuditLogTable
{
}
