using System.Data.Common;

namespace PimModule.Storage;

/// <summary>A numbered schema change: applied once, in order, at open; the version is recorded with it.</summary>
internal sealed partial record Migration(int Version, string Description, string Sql)
{
    /// <summary>A provider's migrations: the engine's embedded resources named &lt;prefix&gt;NNNN_description.sql, in order.</summary>
    public static IReadOnlyList<Migration> LoadEmbedded(string prefix)
    {
        var asm = typeof(Migration).Assembly;
        return asm.GetManifestResourceNames()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n =>
            {
                var file = n[prefix.Length..^4];                       // 0001_initial
                var version = int.Parse(file[..file.IndexOf('_')], System.Globalization.CultureInfo.InvariantCulture);
                using var s = asm.GetManifestResourceStream(n)!;
                using var r = new StreamReader(s);
                return new Migration(version, file[(file.IndexOf('_') + 1)..].Replace('_', ' '), r.ReadToEnd());
            })
            .OrderBy(m => m.Version)
            .ToList();
    }

    /// <summary>
    /// The tables the migrations make, in the order they make them (so each after the tables it references), without
    /// those a later migration drops: what a store holds beside schema_version. The migrations are the one list of tables.
    /// </summary>
    public static IReadOnlyList<string> TablesMadeBy(IEnumerable<Migration> migrations)
    {
        var tables = new List<string>();
        foreach (var m in migrations)
            foreach (System.Text.RegularExpressions.Match statement in TableStatement().Matches(Comments().Replace(m.Sql, " ")))
            {
                var name = statement.Groups["name"].Value.ToLowerInvariant();
                if (statement.Groups["create"].Success) { if (!tables.Contains(name)) tables.Add(name); }
                else if (statement.Groups["drop"].Success) tables.Remove(name);
                else if (tables.IndexOf(name) is >= 0 and var at) tables[at] = statement.Groups["to"].Value.ToLowerInvariant(); // renamed in place
            }
        return tables;
    }

    /// <summary>SQL comments (a statement in one is not made).</summary>
    [System.Text.RegularExpressions.GeneratedRegex(@"--[^\n]*|/\*.*?\*/", System.Text.RegularExpressions.RegexOptions.Singleline)]
    private static partial System.Text.RegularExpressions.Regex Comments();

    [System.Text.RegularExpressions.GeneratedRegex(
        @"\b(?:(?<create>CREATE)\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?|(?<drop>DROP)\s+TABLE\s+(?:IF\s+EXISTS\s+)?|ALTER\s+TABLE\s+)""?(?<name>\w+)""?(?(create)|(?(drop)|\s+RENAME\s+TO\s+""?(?<to>\w+)""?))",
        System.Text.RegularExpressions.RegexOptions.IgnoreCase)]
    private static partial System.Text.RegularExpressions.Regex TableStatement();
}

/// <summary>
/// One storage provider (SQLite, PostgreSQL). Everything provider-specific sits behind this interface:
/// checking the target before opening, connections, the migrations and how they are serialised, write
/// transactions, and the classification of provider errors. The repositories above it speak portable SQL.
/// </summary>
internal interface IStoreProvider : IDisposable
{
    PimStoreProvider Kind { get; }

    /// <summary>Where the store is, for people: a file path, or a connection string without its password.</summary>
    string Location { get; }

    IReadOnlyList<Migration> Migrations { get; }

    /// <summary>Refuses, before anything is written, a target that cannot be or is not a PIM store.</summary>
    void CheckTarget();

    /// <summary>
    /// True when there is nothing at all at the target yet (SQLite: no file), so that opening it would make a new store;
    /// asked before <see cref="CheckTarget"/> makes anything. False when it cannot be told without connecting (PostgreSQL:
    /// an empty database is found by the migration).
    /// </summary>
    bool NothingThere() => false;

    DbConnection OpenConnection();

    /// <summary>
    /// Begins a transaction that holds the write lock from its first statement, and says the time that stamps it:
    /// the client's clock (SQLite, a local file), or the server's (PostgreSQL; see <see cref="StoreClock"/>).
    /// </summary>
    (DbTransaction Transaction, DateTime Now) BeginWrite(DbConnection connection, TimeProvider clock);

    /// <summary>
    /// Begins a read-only transaction whose statements all see one snapshot of the store (verification reads the log in
    /// several statements: a write between them must not be seen by some and not others).
    /// </summary>
    DbTransaction BeginSnapshot(DbConnection connection);

    /// <summary>Serialises migrations between processes (inside the migration transaction).</summary>
    void LockForMigration(UnitOfWork work);

    /// <summary>
    /// True when the connection's login owns the store's schema or is a superuser (PostgreSQL): it could drop the store's
    /// own checks, so a Verified store makes no day-to-day change with it (PimStoreOwnerLogin). Always false for SQLite.
    /// </summary>
    bool LoginOwnsStore(DbConnection connection) => false;

    bool TableExists(DbConnection connection, string table);

    /// <summary>True for errors worth retrying: a busy/locked database, a serialization failure, a deadlock.</summary>
    bool IsTransient(Exception exception);

    /// <summary>Turns a provider exception into the engine's own; null when it cannot say more than the exception.</summary>
    PimException? Translate(Exception exception);
}
