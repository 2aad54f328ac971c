namespace PimModule.Hosting;

/// <summary>
/// The store this PowerShell process works on. No command needs Connect-PimStore first: the first use opens
/// the default store ($env:PIM_STORE_CONNECTION, a PostgreSQL connection string, if set; else $env:PIM_STORE_PATH,
/// else the per-user data folder), creating and migrating it.
/// </summary>
internal static class PimSession
{
    private static readonly object Gate = new();
    private static PimStore? _store;

    public const string StorePathVariable = "PIM_STORE_PATH";
    public const string StoreConnectionVariable = "PIM_STORE_CONNECTION";

    public static PimStore? Current
    {
        get { lock (Gate) return _store; }
    }

    public static PimStore GetOrOpen()
    {
        lock (Gate)
        {
            return _store ??= PimStore.Open(DefaultOptions(null));
        }
    }

    public static PimStore Connect(PimStoreOptions options)
    {
        var store = PimStore.Open(options); // opened before the old one closes: a refusal keeps the session as it was
        lock (Gate)
        {
            var old = _store;
            _store = store;
            if (old is not null && !ReferenceEquals(old, store) && old.Location != store.Location) old.Dispose();
        }
        return store;
    }

    public static void Close()
    {
        lock (Gate)
        {
            _store?.Dispose();
            _store = null;
        }
    }

    public static PimStoreOptions DefaultOptions(string? principal)
    {
        var connection = Environment.GetEnvironmentVariable(StoreConnectionVariable);
        if (!string.IsNullOrWhiteSpace(connection))
            return new PimStoreOptions
            {
                Provider = PimStoreProvider.PostgreSql, ConnectionString = connection, Principal = principal,
            };
        var path = Environment.GetEnvironmentVariable(StorePathVariable);
        if (string.IsNullOrWhiteSpace(path))
        {
            var folder = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData,
                Environment.SpecialFolderOption.Create), "PimModule");
            Directory.CreateDirectory(folder);
            path = Path.Combine(folder, "pim.db");
        }
        return new PimStoreOptions { Provider = PimStoreProvider.Sqlite, Path = path, Principal = principal };
    }
}
