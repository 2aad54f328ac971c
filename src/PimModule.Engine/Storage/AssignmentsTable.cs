namespace PimModule.Storage;

/// <summary>
/// The assignments table: its SQL, its row type and its named predicates. No other file writes SQL against assignments.
/// </summary>
internal static partial class AssignmentsTable
{
}
