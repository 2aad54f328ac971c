using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Xunit;

namespace PimModule.Tests;

/// <summary>
/// Which provider the suite runs on: SQLite by default; PostgreSQL when PIM_TEST_PROVIDER=PostgreSql, with
/// PIM_TEST_PG_ADMIN the connection string of an account that may CREATE DATABASE (each store is a fresh one).
/// </summary>
public static class TestProvider
{
    public static PimStoreProvider Kind { get; } =
        string.Equals(Environment.GetEnvironmentVariable("PIM_TEST_PROVIDER"), "PostgreSql", StringComparison.OrdinalIgnoreCase)
            ? PimStoreProvider.PostgreSql : PimStoreProvider.Sqlite;

    public static bool IsPostgres => Kind == PimStoreProvider.PostgreSql;

    public static string AdminConnection => Environment.GetEnvironmentVariable("PIM_TEST_PG_ADMIN")
        ?? throw new InvalidOperationException("PIM_TEST_PROVIDER=PostgreSql needs PIM_TEST_PG_ADMIN (an admin connection string).");

    /// <summary>
    /// The NOLOGIN role that owns every test store's tables, the login that writes them (SELECT, INSERT, UPDATE, DELETE: UPDATE
    /// or DELETE is what lets it take the write lock, LOCK TABLE pim_write_lock IN EXCLUSIVE MODE), and a login that only
    /// reads them (SELECT: it cannot take the write lock).
    /// </summary>
    public const string Owner = "pim_test_owner", WriterLogin = "pim_test_writer", ReaderLogin = "pim_test_reader";

    /// <summary>
    /// A database whose tables the engine made as their owner (it refuses to create a Verified store as the owner:
    /// PimStoreOwnerLogin): every test store is a copy of it. Made once per test run, dropped at its end.
    /// </summary>
    public static readonly Lazy<string> Template = new(() =>
    {
        Admin("DO $do$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pim_test_owner') THEN CREATE ROLE pim_test_owner NOLOGIN; END IF; " +
              "IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pim_test_writer') THEN CREATE ROLE pim_test_writer LOGIN; END IF; " +
              "IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pim_test_reader') THEN CREATE ROLE pim_test_reader LOGIN; END IF; END $do$");
        var template = "pimtest_template_" + Guid.NewGuid().ToString("N")[..12];
        Admin($"CREATE DATABASE {template} OWNER {Owner}");
        AdminIn(template, $"ALTER DEFAULT PRIVILEGES FOR ROLE {Owner} IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {WriterLogin}; " +
                          $"ALTER DEFAULT PRIVILEGES FOR ROLE {Owner} IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {WriterLogin}; " +
                          $"ALTER DEFAULT PRIVILEGES FOR ROLE {Owner} IN SCHEMA public GRANT SELECT ON TABLES TO {ReaderLogin}");
        var owner = new NpgsqlConnectionStringBuilder(AdminConnection) { Database = template, Options = $"-c role={Owner}", Pooling = false }.ConnectionString;
        var folder = Path.Combine(Path.GetTempPath(), "pim-template-" + Guid.NewGuid().ToString("N"));
        try
        {
            var refused = Assert.ThrowsAny<PimException>(() => PimStore.Open(new PimStoreOptions
            {
                Provider = PimStoreProvider.PostgreSql, ConnectionString = owner, Principal = "schema-owner@contoso.com",
                IdentityMode = PimIdentityMode.Verified, UserFolder = folder,
            }).Dispose());
            if (refused.ErrorId != "PimStoreOwnerLogin") throw refused;
        }
        finally { try { Directory.Delete(folder, true); } catch (IOException) { } }
        NpgsqlConnection.ClearAllPools();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => { try { Admin($"DROP DATABASE IF EXISTS {template} WITH (FORCE)"); } catch (NpgsqlException) { } };
        return template;
    });

    /// <summary>The writer login's connection string to a database.</summary>
    public static string Writer(string database)
        => new NpgsqlConnectionStringBuilder(AdminConnection) { Database = database, Username = WriterLogin, Password = null }.ConnectionString;

    private static void AdminIn(string database, string sql)
    {
        using var c = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(AdminConnection) { Database = database, Pooling = false }.ConnectionString);
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    public static void Admin(string sql)
    {
        using var c = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(AdminConnection) { Pooling = false }.ConnectionString);
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}

/// <summary>Where a fresh store lives: a file in a new temporary folder, or a new PostgreSQL database.</summary>
public sealed class TestTarget : IDisposable
{
    /// <param name="empty">PostgreSQL: an empty database, no tables (the store is made by whoever opens it first, as its owner).</param>
    public TestTarget(bool empty = false)
    {
        if (TestProvider.IsPostgres)
        {
            // The store's tables made by their owner (a copy of the run's template); the engine connects as the writer login.
            Database = "pimtest_" + Guid.NewGuid().ToString("N")[..16];
            AdminConnectionString = new NpgsqlConnectionStringBuilder(TestProvider.AdminConnection) { Database = Database }.ConnectionString;
            if (empty)
            {
                TestProvider.Admin($"CREATE DATABASE {Database}");
                ConnectionString = OwnerConnectionString = AdminConnectionString;
            }
            else
            {
                TestProvider.Admin($"CREATE DATABASE {Database} TEMPLATE {TestProvider.Template.Value} OWNER {TestProvider.Owner}");
                ConnectionString = TestProvider.Writer(Database);
                OwnerConnectionString = new NpgsqlConnectionStringBuilder(AdminConnectionString) { Options = $"-c role={TestProvider.Owner}" }.ConnectionString;
            }
        }
        else
        {
            Folder = Path.Combine(Path.GetTempPath(), "pim-unit-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(Folder);
            FilePath = Path.Combine(Folder, "pim.db");
        }
    }

    public string? Folder { get; }
    public string? FilePath { get; }
    public string? Database { get; }
    public string? ConnectionString { get; }
    /// <summary>PostgreSQL: the database's administrator (tampering, time travel, what the writer login may not do).</summary>
    public string? AdminConnectionString { get; }
    /// <summary>PostgreSQL: the login acting as the tables' owner (migrations are the owner's job).</summary>
    public string? OwnerConnectionString { get; }

    /// <summary>Lab unless identity is what the test is about; <paramref name="asOwner"/>: the owner's login (PostgreSQL), to migrate.</summary>
    public PimStoreOptions Options(string? principal, TimeProvider? clock = null, PimIdentityMode mode = PimIdentityMode.Lab, bool asOwner = false) => new()
    {
        Provider = TestProvider.Kind, Path = FilePath, ConnectionString = asOwner ? OwnerConnectionString : ConnectionString, Principal = principal, Clock = clock,
        IdentityMode = mode,
    };

    /// <summary>Changes the store behind the engine's back (tampering, time travel, a future schema).</summary>
    public void Sql(string sql)
    {
        if (TestProvider.IsPostgres)
        {
            using var c = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(AdminConnectionString) { Pooling = false }.ConnectionString);
            c.Open();
            using var cmd = c.CreateCommand();
            // As a superuser attacker would: the store's own triggers off for the session.
            cmd.CommandText = "SET session_replication_role = replica; " + sql;
            cmd.ExecuteNonQuery();
        }
        else
        {
            using var c = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=" + FilePath + ";Pooling=False");
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = sql;
            cmd.ExecuteNonQuery();
        }
    }

    public void Dispose()
    {
        if (Database is not null)
        {
            NpgsqlConnection.ClearAllPools();
            try { TestProvider.Admin($"DROP DATABASE IF EXISTS {Database} WITH (FORCE)"); } catch (NpgsqlException) { }
        }
        else
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(Folder!, true); } catch (IOException) { }
        }
    }
}

/// <summary>A throw-away store on the active provider with a fake clock, deleted after the test.</summary>
public sealed class TestStore : IDisposable
{
    private readonly List<PimStore> _opened = new();

    public TestStore(string principal = "admin@contoso.com", DateTimeOffset? start = null)
    {
        Target = new TestTarget();
        Clock = new FakeTimeProvider(start ?? new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero));
        Store = Open(principal);
    }

    public TestTarget Target { get; }
    public FakeTimeProvider Clock { get; }
    public PimStore Store { get; private set; }

    /// <param name="asOwner">PostgreSQL: as the tables' owner (a migration); else as the writer login.</param>
    public PimStore Open(string principal, bool asOwner = false)
    {
        var store = PimStore.Open(Target.Options(principal, Clock, asOwner: asOwner));
        _opened.Add(store);
        return store;
    }

    public PimStore As(string principal) => Store = Open(principal);

    public void Dispose()
    {
        foreach (var s in _opened) s.Dispose();
        Target.Dispose();
    }

    public void Sql(string sql) => Target.Sql(sql);
}

/// <summary>A test about SQLite files (folders, headers, permissions): skipped when the suite runs on PostgreSQL.</summary>
public sealed class SqliteFactAttribute : Xunit.FactAttribute
{
    public SqliteFactAttribute()
    {
        if (TestProvider.IsPostgres) Skip = "About SQLite files; the PostgreSQL run has its own equivalents.";
    }
}

/// <summary>A test of the PostgreSQL provider itself: runs only when the suite runs on PostgreSQL.</summary>
public sealed class PostgresFactAttribute : Xunit.FactAttribute
{
    public PostgresFactAttribute()
    {
        if (!TestProvider.IsPostgres) Skip = "Runs on PostgreSQL only (PIM_TEST_PROVIDER=PostgreSql).";
    }
}

/// <summary>
/// One Verified test store opened by several principals, each with a PimModule folder of their own (their keys and known
/// stores), so each acts with their own key; everything is closed and removed at the end.
/// </summary>
public sealed class VerifiedPeople : IDisposable
{
    private readonly TestTarget _target = new();
    private readonly List<PimStore> _open = [];

    public string Home { get; } = Path.Combine(Path.GetTempPath(), "pim-people-" + Guid.NewGuid().ToString("N"));

    public PimStore Open(string principal, TimeProvider? clock = null, bool asOwner = false)
    {
        var o = _target.Options(principal, null, PimIdentityMode.Verified, asOwner);
        var store = PimStore.Open(new PimStoreOptions
        {
            Provider = o.Provider, Path = o.Path, ConnectionString = o.ConnectionString, Principal = principal, IdentityMode = PimIdentityMode.Verified,
            UserFolder = Path.Combine(Home, principal), Clock = clock,
        });
        _open.Add(store);
        return store;
    }

    /// <summary>The principal's key folder (where New-PimCredential keeps their key).</summary>
    public string KeysOf(string principal) => Path.Combine(Home, principal, "keys");

    /// <summary>
    /// The store the request tests start from: admin's, with user1's and a1's keys registered; user1 eligible for Security
    /// Reader at '/' (permanent, or from <paramref name="eligibleStart"/> to <paramref name="eligibleEnd"/>); activations need
    /// approval by a1 (or none), no MFA, no approver's reason. Returns admin's session and user1's.
    /// </summary>
    public (PimStore Admin, PimStore User1) ReaderEligible(TimeProvider clock, bool approval, bool requireJustification = false, bool permanent = true,
        DateTime? eligibleStart = null, DateTime? eligibleEnd = null)
    {
        var reader = new PimRoleReference("Security Reader");
        var admin = Open("admin@contoso.com", clock);
        foreach (var p in new[] { "user1@contoso.com", "a1@contoso.com" })
            admin.Credentials.Register(p, PimModule.Identity.Keys.CredentialFolder.Create(p, null, "", root: KeysOf(p)).PublicKey, propose: false);
        admin.Settings.Update(reader, new PimRoleSettingUpdate
        {
            RequireApproval = approval, Approvers = ["a1@contoso.com"], ActivationRequirement = PimActivationRequirement.None,
            RequireJustification = requireJustification, RequireApproverJustification = false,
        });
        admin.Assignments.Assign(PimAssignmentType.Eligible, new PimAssignmentInput
        {
            Principal = "user1@contoso.com", Role = reader, Permanent = permanent, StartDateTime = eligibleStart, EndDateTime = eligibleEnd,
        });
        return (admin, Open("user1@contoso.com", clock));
    }

    /// <summary>Changes the shared store behind the engine's back (an attacker with the database's password).</summary>
    public void Sql(string sql) => _target.Sql(sql);

    public void Dispose()
    {
        foreach (var s in _open) s.Dispose();
        _target.Dispose();
        try { Directory.Delete(Home, true); } catch (IOException) { }
    }
}
