namespace PimModule.Storage;

// Settings' part of the roles table (to be folded into RolesTable.cs by the lead): every role, by name.
internal static partial class RolesTable
{
    /// <summary>Every role of the catalogue, ordered by name (the order Get-PimRoleSetting and Export-PimRoleSetting list them in).</summary>
    public static List<PimRole> AllByName(UnitOfWork work) => work.Query<PimRole>(
        "SELECT role_id AS id, name, description, is_built_in, is_privileged, created_utc AS created_date_time, created_by " +
        "FROM roles ORDER BY name_key");
}
