namespace PimModule.Storage;

/// <summary>
/// The mfa_methods table: its SQL, its row type and its named predicates. No other file writes SQL against mfa_methods.
/// </summary>
internal static partial class MfaMethodsTable
{
}
