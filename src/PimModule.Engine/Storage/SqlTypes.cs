using System.Data;
using Dapper;

namespace PimModule.Storage;

/// <summary>
/// The store's value conversions, registered with Dapper once: times are UTC ticks (INTEGER/BIGINT), durations
/// ticks, ids GUID text, flags 0/1. Dapper consults its built-in type map before any handler (DapperLib/Dapper #303,
/// #1315), so the types handled here are removed from that map first — otherwise a DateTime would bind as TEXT
/// against INTEGER ticks, and SQLite sorts every INTEGER before any TEXT. Enums are never given to Dapper as enums (it
/// sends them as integers, #259): callers pass <c>enum.ToString()</c>; reading text into an enum Dapper does itself.
/// </summary>
internal static class SqlTypes
{
    private static int _registered;

    public static void Register()
    {
        if (Interlocked.Exchange(ref _registered, 1) == 1) return;
        foreach (var t in new[] { typeof(DateTime), typeof(DateTime?), typeof(Guid), typeof(Guid?), typeof(bool), typeof(bool?),
                     typeof(TimeSpan), typeof(TimeSpan?), typeof(DateTimeOffset), typeof(DateTimeOffset?) })
            SqlMapper.RemoveTypeMap(t);
        DefaultTypeMap.MatchNamesWithUnderscores = true; // snake_case columns map to PascalCase members
        SqlMapper.AddTypeHandler(new UtcTicks());
        SqlMapper.AddTypeHandler(new OffsetTicks());
        SqlMapper.AddTypeHandler(new DurationTicks());
        SqlMapper.AddTypeHandler(new GuidText());
        SqlMapper.AddTypeHandler(new Flag());
        SqlMapper.AddTypeHandler(new Aggregated());
    }

    /// <summary>
    /// A text column computed by an aggregate (a request's decisions): SQLite gives such a column no declared type, so
    /// its value may arrive as text or as bytes; either is read as UTF-8 text.
    /// </summary>
    internal sealed record AggregateText(string Value);

    private sealed class Aggregated : SqlMapper.TypeHandler<AggregateText>
    {
        public override void SetValue(IDbDataParameter parameter, AggregateText? value) => parameter.Value = value?.Value;

        public override AggregateText Parse(object value) => new(value switch
        {
            byte[] b => System.Text.Encoding.UTF8.GetString(b),
            _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "",
        });
    }

    /// <summary>UTC ticks of a time: the engine's times are Kind Utc; Local is converted; Unspecified is taken as UTC.</summary>
    public static long Ticks(DateTime d) => d.Kind switch
    {
        DateTimeKind.Utc => d.Ticks,
        DateTimeKind.Local => d.ToUniversalTime().Ticks,
        // A caller's Unspecified time is local time and is converted where it enters the engine (Times.Utc); what still
        // arrives Unspecified is an internal constant (DateTime.MaxValue as "no end" in a dedupe key), taken as it is.
        _ => d.Ticks,
    };

    // Stored ticks become a time only through StoredValue.Time (strict: out of range is the store refusal).
    private static long Long(object value) => value switch
    {
        long l => l,
        int i => i,
        string s => long.Parse(s, System.Globalization.CultureInfo.InvariantCulture),
        _ => Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture),
    };

    private sealed class UtcTicks : SqlMapper.TypeHandler<DateTime>
    {
        public override void SetValue(IDbDataParameter parameter, DateTime value)
        {
            parameter.DbType = DbType.Int64;
            parameter.Value = Ticks(value);
        }

        public override DateTime Parse(object value) => new(Long(value), DateTimeKind.Utc); // out of range: Dapper's DataException names the column (StoredValue.FromReader)
    }

    private sealed class OffsetTicks : SqlMapper.TypeHandler<DateTimeOffset>
    {
        public override void SetValue(IDbDataParameter parameter, DateTimeOffset value)
        {
            parameter.DbType = DbType.Int64;
            parameter.Value = value.UtcTicks;
        }

        public override DateTimeOffset Parse(object value) => new(Long(value), TimeSpan.Zero);
    }

    private sealed class DurationTicks : SqlMapper.TypeHandler<TimeSpan>
    {
        public override void SetValue(IDbDataParameter parameter, TimeSpan value)
        {
            parameter.DbType = DbType.Int64;
            parameter.Value = value.Ticks;
        }

        public override TimeSpan Parse(object value) => TimeSpan.FromTicks(Long(value));
    }

    private sealed class GuidText : SqlMapper.TypeHandler<Guid>
    {
        public override void SetValue(IDbDataParameter parameter, Guid value)
        {
            parameter.DbType = DbType.String;
            parameter.Value = value.ToString("D");
        }

        public override Guid Parse(object value) => value is Guid g ? g : Guid.ParseExact((string)value, "D"); // only the form PimModule writes
    }

    private sealed class Flag : SqlMapper.TypeHandler<bool>
    {
        public override void SetValue(IDbDataParameter parameter, bool value)
        {
            parameter.DbType = DbType.Int64;
            parameter.Value = value ? 1L : 0L;
        }

        public override bool Parse(object value) => value is bool b ? b : Long(value) != 0;
    }
}
