namespace PimModule.Storage;

/// <summary>
/// The store_info table (key/value: the store's id and creator, the audit chain's head, mail and alert settings): its
/// SQL and its row type. No other file writes SQL against store_info.
/// </summary>
internal static partial class StoreInfoTable
{
    internal sealed record Row(string Key, string Value);

    public const string StoreId = "store_id";
    public const string CreatedBy = "created_by";
    public const string CreatedUtc = "created_utc";
    public const string BootstrapAssignmentId = "bootstrap_assignment_id";
    public const string AuditHeadSequence = "audit_head_sequence";
    public const string AuditHeadHash = "audit_head_hash";
    public const string IdentityMode = "identity_mode";
    public const string RootThumbprint = "root_thumbprint";
    /// <summary>The first record of the Verified part of a store protected from Lab (display only: verification finds it in the log).</summary>
    public const string VerifiedFromSequence = "verified_from_sequence";

    public static string? Get(UnitOfWork work, string key)
        => work.QueryFirstOrDefault<string>("SELECT value FROM store_info WHERE key = @key", new { key });

    /// <summary>Several keys read in one statement (one snapshot of them, even outside a transaction).</summary>
    public static Dictionary<string, string> Many(UnitOfWork work, string[] keys)
        => work.Query<Row>("SELECT key, value FROM store_info WHERE " + work.AnyOf("key", "keys"), new { keys = work.TextList(keys) })
            .ToDictionary(r => r.Key, r => r.Value, StringComparer.Ordinal);

    /// <summary>As <see cref="Many"/> (the keys are the list parameter @headKeys): the head's statement in a batch (<see cref="UnitOfWork.ReadAhead"/>).</summary>
    public static string ManySql(UnitOfWork work) => "SELECT key, value FROM store_info WHERE " + work.AnyOf("key", "headKeys");

    /// <summary>The rows whose key starts with <paramref name="prefix"/> (a settings group such as "mail.").</summary>
    public static List<Row> WithPrefix(UnitOfWork work, string prefix)
        => work.Query<Row>("SELECT key, value FROM store_info WHERE key LIKE @pattern", new { pattern = prefix + "%" });

    /// <summary>A new key (the store's creation).</summary>
    public static void Insert(UnitOfWork work, string key, string value)
        => work.Execute("INSERT INTO store_info (key, value) VALUES (@key, @value)", new { key, value });

    /// <summary>Sets a key, adding it when it is not there yet.</summary>
    public static void Put(UnitOfWork work, string key, string value)
        => work.Execute("INSERT INTO store_info (key, value) VALUES (@key, @value) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            new { key, value });

    /// <summary>Replaces a key's value only while it still is <paramref name="expected"/> (null: whatever it is); the rows changed.</summary>
    public static int Replace(UnitOfWork work, string key, string value, string? expected = null) => expected is null
        ? work.Execute("UPDATE store_info SET value = @value WHERE key = @key", new { key, value })
        : work.Execute("UPDATE store_info SET value = @value WHERE key = @key AND value = @expected", new { key, value, expected });

    public static int Delete(UnitOfWork work, string key) => work.Execute("DELETE FROM store_info WHERE key = @key", new { key });
}
