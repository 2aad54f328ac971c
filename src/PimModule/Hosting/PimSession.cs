namespace PimModule.Hosting;

/// <summary>
/// The store this PowerShell process works on. No command needs Connect-PimStore first: the first use opens
/// the default store ($env:PIM_STORE_CONNECTION, a PostgreSQL connection string, if set; else $env:PIM_STORE_PATH,
/// else the per-user data folder), creating and migrating it.
/// A Connect-PimStore that fails leaves the session with no store: every command is then refused
/// (PimNotConnected) until a connect succeeds, and nothing falls back to the default store.
/// Disconnect-PimStore puts the session back as it started (the next command opens the default store).
/// </summary>
internal static class PimSession
{
    private static readonly object Gate = new();
    private static PimStore? _store;
    /// <summary>Why the session has no store: the failure of the last Connect-PimStore (null when none failed).</summary>
    private static string? _failedConnect;

    public const string StorePathVariable = "PIM_STORE_PATH";
    public const string StoreConnectionVariable = "PIM_STORE_CONNECTION";

    public static PimStore? Current
    {
        get { lock (Gate) return _store; }
    }

    /// <summary>True when the last Connect-PimStore failed and no connect has succeeded since.</summary>
    public static bool ConnectFailed
    {
        get { lock (Gate) return _failedConnect is not null; }
    }

    public static PimStore GetOrOpen()
    {
        lock (Gate)
        {
            if (_store is not null) return _store;
            if (_failedConnect is not null) throw NotConnected(_failedConnect);
            return _store = PimStore.Open(DefaultOptions(null));
        }
    }

    /// <summary>The refusal of every command after a failed Connect-PimStore.</summary>
    public static PimException NotConnected(string why) => PimErrors.NotConnected($"This session has no store: the last Connect-PimStore failed ({why}). Nothing was opened in its place.", null,
        "Run a Connect-PimStore that succeeds (Connect-PimStore -Path <file> or -ConnectionString <s>), or Disconnect-PimStore to go back to the default store.");

    /// <summary>
    /// Opens <paramref name="options"/> and makes it the session's store. On failure the session keeps no store
    /// (the one open before is closed too): later commands are refused until a connect succeeds.
    /// </summary>
    public static PimStore Connect(PimStoreOptions options) => Connect(() => options);

    /// <summary>As <see cref="Connect(PimStoreOptions)"/>, with options that may themselves fail to resolve.</summary>
    public static PimStore Connect(Func<PimStoreOptions> options) => Connect(() => PimStore.Open(options()))!;

    /// <summary>
    /// Makes the store <paramref name="open"/> returns the session's; null (declined) leaves the session as it is. A failure
    /// leaves the session with no store, as a failed Connect-PimStore does.
    /// </summary>
    public static PimStore? Connect(Func<PimStore?> open, bool keepOnFailure = false)
    {
        PimStore? store;
        try
        {
            store = open();
            if (store is null) return null;
        }
        catch (Exception) when (keepOnFailure)
        {
            throw; // a refused change of the store (Protect-PimStore) leaves the session as it was
        }
        catch (Exception e)
        {
            lock (Gate)
            {
                _store?.Dispose();
                _store = null;
                _failedConnect = e is PimException p ? p.ErrorId : e.GetType().Name;
            }
            throw;
        }
        lock (Gate)
        {
            var old = _store;
            _store = store;
            _failedConnect = null;
            if (old is not null && !ReferenceEquals(old, store)) old.Dispose();
        }
        return store;
    }

    /// <summary>Closes the store; the session is as it started (the next command opens the default store).</summary>
    public static void Close()
    {
        lock (Gate)
        {
            _store?.Dispose();
            _store = null;
            _failedConnect = null;
        }
    }

    /// <summary>The owner-only mode of the module's per-user data folder on Linux and macOS.</summary>
    internal const UnixFileMode PrivateFolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

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
            CreatePrivateFolder(folder);
            path = Path.Combine(folder, "pim.db");
        }
        return new PimStoreOptions { Provider = PimStoreProvider.Sqlite, Path = path, Principal = principal };
    }

    /// <summary>
    /// The module's own per-user folder (the default store, the secret key): readable by its owner only
    /// (0700 on Linux and macOS; on Windows the profile's ACL). A folder left group- or world-readable by an
    /// older version is tightened.
    /// </summary>
    internal static void CreatePrivateFolder(string folder)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
            return;
        }
        Directory.CreateDirectory(folder, PrivateFolderMode);
        try
        {
            if ((File.GetUnixFileMode(folder) & ~PrivateFolderMode) != 0) File.SetUnixFileMode(folder, PrivateFolderMode);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // not ours to change (another owner): the store and key files themselves are still 0600
        }
    }
}
