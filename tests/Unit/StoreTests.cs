using Xunit;

namespace PimModule.Tests;

public class StoreTests
{
    [Fact]
    public void A_new_store_is_migrated_seeded_and_its_creator_is_privileged_role_administrator()
    {
        using var t = new TestStore("creator@contoso.com");
        Assert.True(t.Store.Created);
        var info = t.Store.GetInfo();
        Assert.Equal(t.Store.SchemaVersion, info.SchemaVersion);
        Assert.True(info.RoleCount >= 60);
        Assert.Equal(1, info.ActiveAssignmentCount);
        Assert.Equal("creator@contoso.com", info.CreatedBy);
        // The creator may administer; another principal may not.
        t.Store.Roles.Create("Creator's role", null);
        var other = t.As("user1@contoso.com");
        var e = Assert.Throws<PimException>(() => other.Roles.Create("Not allowed", null));
        Assert.Equal("PimNotAuthorized", e.ErrorId);
    }

    [Fact]
    public void Reopening_does_not_migrate_or_seed_again()
    {
        using var t = new TestStore();
        var again = t.Open("someone@contoso.com");
        Assert.False(again.Created);
        Assert.Equal(1, again.GetInfo().ActiveAssignmentCount);
        again.Dispose();
    }

    [Fact]
    public void Processes_opening_a_new_store_at_once_create_it_once()
    {
        var folder = Path.Combine(Path.GetTempPath(), "pim-race-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "pim.db");
        var stores = new PimStore[6];
        Parallel.For(0, stores.Length, i => stores[i] = PimStore.Open(new PimStoreOptions { Path = path, Principal = $"p{i}" }));
        Assert.Single(stores, s => s.Created);
        var info = stores[0].GetInfo();
        Assert.Equal(1, info.ActiveAssignmentCount);
        Assert.Equal(RoleCatalog.BuiltIn.Count, info.RoleCount);
        Assert.True(stores[0].Audit.Verify().IsValid);
        foreach (var s in stores) s.Dispose();
    }

    [Fact]
    public void A_newer_schema_is_refused()
    {
        using var t = new TestStore();
        t.Sql("INSERT INTO schema_version (version, description, applied_utc) VALUES (500, 'future', 0)");
        var e = Assert.Throws<PimStoreException>(() => t.Open("admin@contoso.com"));
        Assert.Equal("PimStoreSchemaTooNew", e.ErrorId);
    }

    [Fact]
    public void A_file_that_is_not_sqlite_is_refused_untouched()
    {
        var path = Path.Combine(Path.GetTempPath(), "pim-notdb-" + Guid.NewGuid().ToString("N") + ".db");
        File.WriteAllText(path, "hello, not a database");
        try
        {
            var e = Assert.Throws<PimStoreException>(() => PimStore.Open(new PimStoreOptions { Path = path }));
            Assert.Equal("PimStoreInvalid", e.ErrorId);
            Assert.Equal("hello, not a database", File.ReadAllText(path));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void A_missing_folder_is_refused()
    {
        var path = Path.Combine(Path.GetTempPath(), "no-such-" + Guid.NewGuid().ToString("N"), "pim.db");
        var e = Assert.Throws<PimStoreException>(() => PimStore.Open(new PimStoreOptions { Path = path }));
        Assert.Equal("PimStoreFolderNotFound", e.ErrorId);
        Assert.False(Directory.Exists(Path.GetDirectoryName(path)));
    }

    [Fact]
    public void Migrations_are_numbered_without_gaps()
    {
        var provider = new Storage.Sqlite.SqliteStoreProvider(Path.Combine(Path.GetTempPath(), "unused.db"));
        var versions = provider.Migrations.Select(m => m.Version).ToList();
        Assert.Equal(Enumerable.Range(1, versions.Count), versions);
    }
}
