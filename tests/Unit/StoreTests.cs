using Dapper;
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
        using var target = new TestTarget();
        var stores = new PimStore[6];
        Parallel.For(0, stores.Length, i => stores[i] = PimStore.Open(target.Options($"p{i}")));
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

    [SqliteFact]
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

    [SqliteFact]
    public void A_missing_folder_is_created_owner_only_with_its_missing_parents()
    {
        var top = Path.Combine(Path.GetTempPath(), "no-such-" + Guid.NewGuid().ToString("N"));
        var path = Path.Combine(top, "inner", "pim.db");
        try
        {
            using (PimStore.Open(new PimStoreOptions { Path = path, IdentityMode = PimIdentityMode.Lab })) { }
            Assert.True(File.Exists(path));
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(top));
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(path)!));
            }
        }
        finally { if (Directory.Exists(top)) Directory.Delete(top, recursive: true); }
    }

    [SqliteFact]
    public void A_path_under_a_file_is_refused()
    {
        var file = Path.Combine(Path.GetTempPath(), "a-file-" + Guid.NewGuid().ToString("N"));
        File.WriteAllText(file, "not a folder");
        try
        {
            var e = Assert.Throws<PimStoreException>(() => PimStore.Open(new PimStoreOptions { Path = Path.Combine(file, "pim.db") }));
            Assert.Equal("PimStoreFolderNotFound", e.ErrorId);
            Assert.Equal("not a folder", File.ReadAllText(file));
        }
        finally { File.Delete(file); }
    }

    [Fact]
    public void Migrations_are_numbered_without_gaps_and_the_same_on_both_providers()
    {
        using var sqlite = new Storage.Sqlite.SqliteStoreProvider(Path.Combine(Path.GetTempPath(), "unused.db"));
        var versions = sqlite.Migrations.Select(m => m.Version).ToList();
        Assert.Equal(Enumerable.Range(1, versions.Count), versions);
        using var pg = new Storage.Postgres.PostgresStoreProvider("Host=127.0.0.1;Database=unused;Username=u");
        Assert.Equal(sqlite.Migrations.Select(m => (m.Version, m.Description)), pg.Migrations.Select(m => (m.Version, m.Description)));
    }

    [Fact]
    public void A_postgres_location_never_shows_the_password()
    {
        using var pg = new Storage.Postgres.PostgresStoreProvider("Host=db.contoso.com;Port=5433;Database=pim;Username=pim;Password=s3cret!");
        Assert.DoesNotContain("s3cret", pg.Location);
        Assert.Contains("db.contoso.com", pg.Location);
        Assert.Contains("Database=pim", pg.Location);
    }

    [PostgresFact]
    public void A_database_with_other_tables_is_refused_untouched()
    {
        using var target = new TestTarget(empty: true);
        target.Sql("CREATE TABLE customers (id BIGINT PRIMARY KEY, name TEXT); INSERT INTO customers VALUES (1, 'Contoso')");
        var e = Assert.Throws<PimStoreException>(() => PimStore.Open(target.Options("admin@contoso.com")));
        Assert.Equal("PimStoreInvalid", e.ErrorId);
        Npgsql.NpgsqlConnection.ClearAllPools();
        using var c = new Npgsql.NpgsqlConnection(target.ConnectionString);
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT (SELECT COUNT(*) FROM customers), to_regclass('schema_version') IS NULL";
        using var r = cmd.ExecuteReader();
        Assert.True(r.Read());
        Assert.Equal(1L, r.GetInt64(0));
        Assert.True(r.GetBoolean(1));
    }

    [PostgresFact]
    public void An_unreachable_server_is_refused_as_unavailable()
    {
        var e = Assert.Throws<PimStoreException>(() => PimStore.Open(new PimStoreOptions
        {
            Provider = PimStoreProvider.PostgreSql, ConnectionString = "Host=127.0.0.1;Port=1;Database=pim;Username=pim;Password=x;Timeout=3",
        }));
        Assert.Equal("PimStoreUnavailable", e.ErrorId);
        Assert.Contains("127.0.0.1:1", e.Message);
        Assert.DoesNotContain("Password", e.Message);
    }

    [PostgresFact]
    public void A_missing_database_is_refused_as_unavailable()
    {
        var cs = new Npgsql.NpgsqlConnectionStringBuilder(TestProvider.AdminConnection) { Database = "pim_no_such_" + Guid.NewGuid().ToString("N")[..8] };
        var e = Assert.Throws<PimStoreException>(() => PimStore.Open(new PimStoreOptions { Provider = PimStoreProvider.PostgreSql, ConnectionString = cs.ConnectionString }));
        Assert.Equal("PimStoreUnavailable", e.ErrorId);
        Assert.Contains(cs.Database!, e.Message);
    }

    [PostgresFact]
    public void The_postgres_schema_has_the_same_tables_and_columns_as_sqlite()
    {
        using var pg = new TestStore();
        using var lite = new SqliteProbe();
        var expected = lite.Columns();
        var actual = new SortedSet<string>(StringComparer.Ordinal);
        using (var c = new Npgsql.NpgsqlConnection(pg.Target.ConnectionString))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "SELECT table_name || '.' || column_name || ':' || CASE WHEN data_type = 'bigint' THEN 'INTEGER' WHEN data_type = 'bytea' THEN 'BLOB' ELSE upper(data_type) END " +
                              "FROM information_schema.columns WHERE table_schema = current_schema()";
            using var r = cmd.ExecuteReader();
            while (r.Read()) actual.Add(r.GetString(0));
        }
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void The_tables_are_those_the_migrations_make_in_their_order_and_do_not_drop()
    {
        Storage.Migration[] migrations =
        [
            new(1, "one", "CREATE TABLE a (x INTEGER);\nCREATE TABLE IF NOT EXISTS b (y INTEGER REFERENCES a (x));\nCREATE INDEX ix_b ON b (y);"),
            new(2, "two", "drop table if exists a;\ncreate table c (z TEXT);\nALTER TABLE b ADD COLUMN w TEXT;"),
        ];
        Assert.Equal(["b", "c"], Storage.Migration.TablesMadeBy(migrations));
        Assert.Equal(["a", "b"], Storage.Migration.TablesMadeBy(migrations.Take(1)));
        // SQLite's table rebuild (a new table, the old dropped, the new renamed), quoted names, and statements in comments.
        Storage.Migration[] rebuilt =
        [
            new(1, "one", "CREATE TABLE a (x INTEGER);\nCREATE TABLE \"q\" (y INTEGER); -- DROP TABLE a\n/* CREATE TABLE z (w INTEGER); */"),
            new(2, "two", "CREATE TABLE a_new (x INTEGER, v TEXT);\nINSERT INTO a_new SELECT x, NULL FROM a;\nDROP TABLE a;\nALTER TABLE a_new RENAME TO a;\nALTER TABLE q ADD COLUMN u TEXT;"),
        ];
        Assert.Equal(["a", "q"], Storage.Migration.TablesMadeBy(rebuilt.Take(1)));
        Assert.Equal(["q", "a"], Storage.Migration.TablesMadeBy(rebuilt));
        // The store's own migrations: the tables it holds, as before this list was derived.
        Assert.Equal(["schema_version", "store_info", "roles", "assignments", "requests", "audit_log", "policy_rules", "mfa_methods", "notifications",
                      "credentials", "seals", "directory_objects", "request_approvals", "access_reviews", "access_review_items", "snapshots", "snapshot_chunks", "groups", "group_members"],
            Storage.Migration.TablesMadeBy(Storage.Migration.LoadEmbedded("PimModule.Sqlite.")));
    }

    /// <summary>
    /// Copy-PimStore copies every table of the schema (PostgreSQL's is SQLite's, above), each after the tables it references:
    /// a table added by a migration and not to the copier would be left behind by every copy, silently.
    /// </summary>
    [Fact]
    public void The_store_copier_copies_every_table_each_after_those_it_references()
    {
        var folder = Path.Combine(Path.GetTempPath(), "pim-copier-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            var path = Path.Combine(folder, "pim.db");
            PimStore.Open(new PimStoreOptions { Path = path, Principal = "probe", IdentityMode = PimIdentityMode.Lab }).Dispose();
            using var c = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=" + path + ";Pooling=False");
            c.Open();
            var tables = c.Query<string>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' AND name <> 'schema_version'").ToHashSet();
            Assert.Equal(tables.Order(), Storage.StoreCopier.Tables.Order());
            var order = Storage.StoreCopier.Tables.Select((t, i) => (t, i)).ToDictionary(x => x.t, x => x.i);
            foreach (var t in Storage.StoreCopier.Tables)
                foreach (var referenced in c.Query<string>($"SELECT \"table\" FROM pragma_foreign_key_list('{t}')"))
                    Assert.True(order[referenced] < order[t], $"{t} references {referenced}, which the copier copies after it");
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(folder, true); } catch (IOException) { }
        }
    }

    /// <summary>A fresh SQLite store beside a PostgreSQL run, to compare schemas.</summary>
    private sealed class SqliteProbe : IDisposable
    {
        private readonly string _folder = Path.Combine(Path.GetTempPath(), "pim-probe-" + Guid.NewGuid().ToString("N"));

        public SortedSet<string> Columns()
        {
            Directory.CreateDirectory(_folder);
            var path = Path.Combine(_folder, "pim.db");
            PimStore.Open(new PimStoreOptions { Path = path, Principal = "probe", IdentityMode = PimIdentityMode.Lab }).Dispose();
            var set = new SortedSet<string>(StringComparer.Ordinal);
            using var c = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=" + path + ";Pooling=False");
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "SELECT m.name || '.' || p.name || ':' || upper(p.type) FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table'";
            using var r = cmd.ExecuteReader();
            while (r.Read()) set.Add(r.GetString(0));
            return set;
        }

        public void Dispose()
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(_folder, true); } catch (IOException) { }
        }
    }
}
