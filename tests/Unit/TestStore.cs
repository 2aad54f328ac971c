using Microsoft.Extensions.Time.Testing;

namespace PimModule.Tests;

/// <summary>A throw-away SQLite store with a fake clock, deleted after the test.</summary>
public sealed class TestStore : IDisposable
{
    public TestStore(string principal = "admin@contoso.com", DateTimeOffset? start = null)
    {
        Folder = Path.Combine(Path.GetTempPath(), "pim-unit-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Folder);
        Path_ = System.IO.Path.Combine(Folder, "pim.db");
        Clock = new FakeTimeProvider(start ?? new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero));
        Store = Open(principal);
    }

    public string Folder { get; }
    public string Path_ { get; }
    public FakeTimeProvider Clock { get; }
    public PimStore Store { get; private set; }

    public PimStore Open(string principal) => PimStore.Open(new PimStoreOptions
    {
        Provider = PimStoreProvider.Sqlite, Path = Path_, Principal = principal, Clock = Clock,
    });

    public PimStore As(string principal) => Store = Open(principal);

    public void Dispose()
    {
        Store.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(Folder, true); } catch (IOException) { }
    }

    public void Sql(string sql)
    {
        using var c = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=" + Path_ + ";Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}
