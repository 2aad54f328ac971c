namespace PimModule.Storage;

/// <summary>
/// The schema_version table: the migrations applied to the store. No other file writes SQL against schema_version.
/// </summary>
internal static partial class SchemaVersionTable
{
    public const string Name = "schema_version";

    /// <summary>The highest migration applied (0 when none is recorded).</summary>
    public static int Current(UnitOfWork work) => (int)work.Scalar<long>("SELECT COALESCE(MAX(version), 0) FROM schema_version");

    public static void Insert(UnitOfWork work, int version, string description) => work.Execute(
        "INSERT INTO schema_version (version, description, applied_utc) VALUES (@version, @description, @now)",
        new { version = (long)version, description, now = work.Now });
}
