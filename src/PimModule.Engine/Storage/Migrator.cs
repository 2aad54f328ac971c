using PimModule.Errors;

namespace PimModule.Storage;

/// <summary>
/// Applies a provider's numbered migrations at open, once, under the provider's migration lock, in one unit of work
/// committed through UnitOfWork.Commit like every other change. What a new or migrated store needs of the domain (the
/// catalogue and the creator's assignment; re-encrypting secrets) the caller passes in: storage never calls the domain.
/// </summary>
internal static class Migrator
{
    /// <summary>The schema from which secrets are bound to where they belong (see SecretProtector).</summary>
    public const int BoundSecretsVersion = 5;

    public static int LatestVersion(IStoreProvider provider) => provider.Migrations.Max(m => m.Version);

    /// <param name="seed">Fills a store this call created (in the migrating unit of work).</param>
    /// <param name="upgrade">Adapts the data of an existing store migrated from the given version (in the migrating unit of work).</param>
    /// <returns>The schema version after migrating, and whether this call created the store.</returns>
    /// <summary>The schema from which a store may be Verified (the identity tables): its migrations are sealed by an administrator.</summary>
    public const int IdentityVersion = 7;

    /// <param name="deferVerified">
    /// True for a store at <see cref="IdentityVersion"/> or later: when it is Verified (<paramref name="isVerified"/> asks),
    /// nothing is migrated here: its migrations are an administrator's sealed change, once the opener's identity is proven.
    /// </param>
    public static (int Version, bool Created) Migrate(IStoreProvider provider, string actor, TimeProvider clock,
        Action<UnitOfWork> seed, Action<UnitOfWork, int> upgrade, Func<UnitOfWork, bool>? isVerified = null)
    {
        var latest = LatestVersion(provider);
        using var connection = provider.OpenConnection();
        var reading = new UnitOfWork(connection, null, actor, clock.GetUtcNow().UtcDateTime);
        var current = ReadVersion(provider, reading);
        Check(provider, current, latest);
        // Tables made by the schema's owner, and no store in them yet (PostgreSQL: the owner prepares, the writer creates).
        if (current == latest && Seeded(reading)) return (current, false);
        if (current >= IdentityVersion && current < latest && isVerified?.Invoke(reading) == true) return (current, false);

        var (transaction, now) = provider.BeginWrite(connection, clock);
        using var tx = transaction;
        var work = new UnitOfWork(connection, tx, actor, now);
        provider.LockForMigration(work);
        current = ReadVersion(provider, work);
        Check(provider, current, latest);
        var created = current == 0 || !Seeded(work);
        Apply(provider, work, current);
        if (created) seed(work);
        else upgrade(work, current);
        created = created && Seeded(work); // the owner prepared the tables only: no store in them yet
        work.Commit();
        return (latest, created);
    }

    /// <summary>True when the store's tables hold a store (its id), not only its schema.</summary>
    private static bool Seeded(UnitOfWork work) => StoreInfoTable.Get(work, StoreInfoTable.StoreId) is not null;

    /// <summary>Runs the migrations after <paramref name="current"/> in the caller's unit of work (which holds the migration lock); the ones run.</summary>
    public static IReadOnlyList<Migration> Apply(IStoreProvider provider, UnitOfWork work, int current)
    {
        var pending = provider.Migrations.Where(m => m.Version > current).OrderBy(m => m.Version).ToList();
        foreach (var m in pending)
        {
            work.Execute(m.Sql, new { });
            SchemaVersionTable.Insert(work, m.Version, m.Description);
        }
        return pending;
    }

    /// <summary>The store's schema version; 0 for a database that is not a store yet.</summary>
    public static int ReadVersion(IStoreProvider provider, UnitOfWork work)
        => provider.TableExists(work.Connection, SchemaVersionTable.Name) ? SchemaVersionTable.Current(work) : 0;

    private static void Check(IStoreProvider provider, int current, int latest)
    {
        if (current > latest)
            throw PimErrors.StoreSchemaTooNew($"The store '{provider.Location}' has schema version {current}, newer than this module knows ({latest}). " +
                "It was written by a newer PimModule; it is left untouched and will not be downgraded.",
                provider.Location, "Update PimModule to a version that knows this schema, or open another store.");
    }
}
