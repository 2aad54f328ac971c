using System.Data.Common;

namespace PimModule.Storage;

/// <summary>
/// One command's work on the store: a connection, its transaction (for writes), the acting principal and
/// the time of the command, read once from the injected clock so every row the command writes agrees.
/// </summary>
internal sealed class UnitOfWork
{
    private AuditHead? _auditHead;

    public UnitOfWork(DbConnection connection, DbTransaction? transaction, string actor, DateTime now)
    {
        Connection = connection;
        Transaction = transaction;
        Actor = actor;
        Now = now;
    }

    public DbConnection Connection { get; }
    public DbTransaction? Transaction { get; }
    public string Actor { get; }
    public DateTime Now { get; }

    /// <summary>The audit chain's head, loaded on first append and written back once, before commit.</summary>
    internal AuditHead? AuditHead { get => _auditHead; set => _auditHead = value; }

    public DbCommand Command(string sql, params (string Name, object? Value)[] parameters)
    {
        var cmd = Connection.CreateCommand();
        cmd.Transaction = Transaction;
        cmd.CommandText = sql;
        foreach (var (name, value) in parameters) AddParameter(cmd, name, value);
        return cmd;
    }

    public static DbParameter AddParameter(DbCommand cmd, string name, object? value)
    {
        var p = cmd.CreateParameter();
        p.ParameterName = name;
        p.Value = Db.ToDb(value);
        cmd.Parameters.Add(p);
        return p;
    }

    public int Execute(string sql, params (string Name, object? Value)[] parameters)
    {
        using var cmd = Command(sql, parameters);
        return cmd.ExecuteNonQuery();
    }

    public object? Scalar(string sql, params (string Name, object? Value)[] parameters)
    {
        using var cmd = Command(sql, parameters);
        var v = cmd.ExecuteScalar();
        return v is DBNull ? null : v;
    }

    public long ScalarLong(string sql, params (string Name, object? Value)[] parameters)
        => Convert.ToInt64(Scalar(sql, parameters) ?? 0L);

    public List<T> Query<T>(string sql, Func<DbDataReader, T> map, params (string Name, object? Value)[] parameters)
    {
        using var cmd = Command(sql, parameters);
        using var reader = cmd.ExecuteReader();
        var list = new List<T>();
        while (reader.Read()) list.Add(map(reader));
        return list;
    }

    public IEnumerable<T> Stream<T>(string sql, Func<DbDataReader, T> map, params (string Name, object? Value)[] parameters)
    {
        using var cmd = Command(sql, parameters);
        using var reader = cmd.ExecuteReader();
        while (reader.Read()) yield return map(reader);
    }
}

/// <summary>Value conversions shared by every provider: times are UTC ticks, booleans 0/1, ids text.</summary>
internal static class Db
{
    public static object ToDb(object? value) => value switch
    {
        null => DBNull.Value,
        DateTime d => ToTicks(d),
        DateTimeOffset o => o.UtcTicks,
        TimeSpan t => t.Ticks,
        bool b => b ? 1L : 0L,
        Guid g => g.ToString("D"),
        Enum e => e.ToString(),
        int i => (long)i,
        _ => value,
    };

    public static long ToTicks(DateTime d) => d.Kind switch
    {
        DateTimeKind.Utc => d.Ticks,
        DateTimeKind.Local => d.ToUniversalTime().Ticks,
        _ => DateTime.SpecifyKind(d, DateTimeKind.Utc).Ticks, // unspecified times are taken as UTC
    };

    public static DateTime FromTicks(long ticks) => new(ticks, DateTimeKind.Utc);

    public static DateTime? GetDateTime(this DbDataReader r, string column)
    {
        var i = r.GetOrdinal(column);
        return r.IsDBNull(i) ? null : FromTicks(r.GetInt64(i));
    }

    public static DateTime GetUtc(this DbDataReader r, string column) => FromTicks(r.GetInt64(r.GetOrdinal(column)));

    public static string? GetStringOrNull(this DbDataReader r, string column)
    {
        var i = r.GetOrdinal(column);
        return r.IsDBNull(i) ? null : r.GetString(i);
    }

    public static string GetText(this DbDataReader r, string column) => r.GetString(r.GetOrdinal(column));

    public static bool GetFlag(this DbDataReader r, string column) => r.GetInt64(r.GetOrdinal(column)) != 0;

    public static long GetLong(this DbDataReader r, string column) => r.GetInt64(r.GetOrdinal(column));

    public static long? GetLongOrNull(this DbDataReader r, string column)
    {
        var i = r.GetOrdinal(column);
        return r.IsDBNull(i) ? null : r.GetInt64(i);
    }

    public static Guid GetGuid(this DbDataReader r, string column) => Guid.Parse(r.GetString(r.GetOrdinal(column)));

    public static Guid? GetGuidOrNull(this DbDataReader r, string column)
    {
        var i = r.GetOrdinal(column);
        return r.IsDBNull(i) ? null : Guid.Parse(r.GetString(i));
    }

    public static TEnum GetEnum<TEnum>(this DbDataReader r, string column) where TEnum : struct, Enum
        => Enum.Parse<TEnum>(r.GetString(r.GetOrdinal(column)));

    /// <summary>Case-insensitive key for principals and role names (stored beside the display form).</summary>
    public static string Key(string text) => text.Trim().ToLowerInvariant();
}
