using System.Data.Common;

namespace PimModule.Storage;

/// <summary>Applies a provider's numbered migrations at open, once, under the provider's migration lock.</summary>
internal static class Migrator
{
    /// <summary>The schema from which secrets are bound to where they belong (see SecretProtector).</summary>
    public const int BoundSecretsVersion = 5;

    public static int LatestVersion(IStoreProvider provider) => provider.Migrations.Max(m => m.Version);

    /// <returns>The schema version after migrating, and whether this call created the store.</returns>
    public static (int Version, bool Created) Migrate(IStoreProvider provider, string actor, TimeProvider clock,
        Action<UnitOfWork> seed)
    {
        var latest = LatestVersion(provider);
        using var connection = provider.OpenConnection();
        var current = ReadVersion(provider, connection, null);
        Check(provider, current, latest);
        if (current == latest) return (current, false);

        var (transaction, now) = provider.BeginWrite(connection, clock);
        using var tx = transaction;
        var work = new UnitOfWork(connection, tx, actor, now);
        provider.LockForMigration(work);
        current = ReadVersion(provider, connection, tx);
        Check(provider, current, latest);
        var created = current == 0;
        foreach (var m in provider.Migrations.Where(m => m.Version > current).OrderBy(m => m.Version))
        {
            work.Execute(m.Sql);
            work.Execute("INSERT INTO schema_version (version, description, applied_utc) VALUES (@v, @d, @t)",
                ("@v", m.Version), ("@d", m.Description), ("@t", now));
        }
        if (created) seed(work);
        else if (current < BoundSecretsVersion) Mfa.BindLegacySecrets(work); // schema 5 binds secrets to their row and store
        work.Commit();
        return (latest, created);
    }

    public static int ReadVersion(IStoreProvider provider, DbConnection connection, DbTransaction? tx)
    {
        if (!provider.TableExists(connection, "schema_version")) return 0;
        using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "SELECT COALESCE(MAX(version), 0) FROM schema_version";
        return Convert.ToInt32(cmd.ExecuteScalar());
    }

    private static void Check(IStoreProvider provider, int current, int latest)
    {
        if (current > latest)
            throw PimErrors.StoreSchemaTooNew($"The store '{provider.Location}' has schema version {current}, newer than this module knows ({latest}). " +
                "It was written by a newer PimModule; it is left untouched and will not be downgraded.",
                provider.Location, "Update PimModule to a version that knows this schema, or open another store.");
    }
}
