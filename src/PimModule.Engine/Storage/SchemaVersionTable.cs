namespace PimModule.Storage;

/// <summary>
/// The schema_version table: its SQL, its row type and its named predicates. No other file writes SQL against schema_version.
/// </summary>
internal static partial class SchemaVersionTable
{
}
