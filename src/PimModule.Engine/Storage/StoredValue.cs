using System.Collections.Frozen;
using PimModule.Errors;

namespace PimModule.Storage;

/// <summary>
/// The one strict reading of a value as the store holds it (issue 28, finding 4). PimModule writes an enum as its exact
/// name (<c>enum.ToString()</c>) and an id as GUID text ("D" form), so only those forms are read back: no numeric string
/// ("0" is not <c>Eligible</c>), no case folding, no other GUID spelling. Anything else was written around PimModule and
/// is refused as <c>PimStoreCorrupt</c> naming the table, the column and the row's key (its TargetObject); in a Verified
/// store the same refusal is told as <c>PimStoreTampered</c> (<see cref="PimStore"/> retells it, since only the store
/// knows its mode) — never a raw .NET exception and never a silent re-interpretation.
/// </summary>
internal static class StoredValue
{
    /// <summary>The marker in <see cref="Exception.Data"/> of a refusal made here (a Verified store retells it as tampered).</summary>
    public const string Marker = "PimModule.StoredValue";

    private static class Names<T> where T : struct, Enum
    {
        public static readonly FrozenDictionary<string, T> ByName =
            System.Enum.GetValues<T>().ToFrozenDictionary(v => v.ToString(), v => v, StringComparer.Ordinal);

        public static readonly string List = string.Join(", ", System.Enum.GetValues<T>().Select(v => v.ToString()));
    }

    /// <summary>The enum value stored as its exact name; anything else is refused.</summary>
    public static T Enum<T>(string? text, string table, string column, object? key) where T : struct, Enum
        => text is not null && Names<T>.ByName.TryGetValue(text, out var value)
            ? value
            : throw Invalid(table, column, key, text, $"one of {Names<T>.List}");

    /// <summary>An enum value that may be absent (NULL).</summary>
    public static T? OptionalEnum<T>(string? text, string table, string column, object? key) where T : struct, Enum
        => text is null ? null : Enum<T>(text, table, column, key);

    /// <summary>An id stored as GUID text (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx); anything else is refused.</summary>
    public static Guid Id(string? text, string table, string column, object? key)
        => text is not null && Guid.TryParseExact(text, "D", out var id)
            ? id
            : throw Invalid(table, column, key, text, "an id (GUID text)");

    /// <summary>An id that may be absent (NULL).</summary>
    public static Guid? OptionalId(string? text, string table, string column, object? key)
        => text is null ? null : Id(text, table, column, key);

    /// <summary>A whole number as PimModule writes it (invariant digits, no sign but '-', no padding); anything else is refused.</summary>
    public static long Number(string? text, string table, string column, object? key)
        => text is not null && long.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var n)
           && n.ToString(System.Globalization.CultureInfo.InvariantCulture) == text
            ? n
            : throw Invalid(table, column, key, text, "a whole number");

    /// <summary>A whole number that fits an int.</summary>
    public static int Int(string? text, string table, string column, object? key)
        => Number(text, table, column, key) is var n && n is >= int.MinValue and <= int.MaxValue ? (int)n : throw Invalid(table, column, key, text, "a whole number");

    /// <summary>
    /// A time stored as UTC ticks (issue 28, F7): ticks outside DateTime's range are refused, never an
    /// ArgumentOutOfRangeException. Every conversion of stored ticks to a time goes through here.
    /// </summary>
    public static DateTime Time(long ticks, string table, string column, object? key)
        => ticks is >= 0 and <= 3155378975999999999 // DateTime.MinValue.Ticks .. DateTime.MaxValue.Ticks
            ? new DateTime(ticks, DateTimeKind.Utc)
            : throw Invalid(table, column, key, ticks.ToString(System.Globalization.CultureInfo.InvariantCulture), "a time (UTC ticks)");

    /// <summary>
    /// A time read straight from a reader's column: a value SQLite holds as another storage class than INTEGER (TEXT, BLOB,
    /// REAL) is refused rather than read as 0 or truncated.
    /// </summary>
    public static DateTime Time(System.Data.IDataRecord reader, int ordinal, string table, string column, object? key)
        => reader.GetFieldType(ordinal) == typeof(long)
            ? Time(reader.GetInt64(ordinal), table, column, key)
            : throw Invalid(table, column, key, Convert.ToString(reader.GetValue(ordinal), System.Globalization.CultureInfo.InvariantCulture), "a time (UTC ticks)");

    /// <summary>A time that may be absent (NULL).</summary>
    public static DateTime? OptionalTime(long? ticks, string table, string column, object? key)
        => ticks is { } t ? Time(t, table, column, key) : null;

    /// <summary>A flag as PimModule writes it (bool.ToString(): True or False); anything else is refused.</summary>
    public static bool Flag(string? text, string table, string column, object? key)
        => text switch { "True" => true, "False" => false, _ => throw Invalid(table, column, key, text, "True or False") };

    /// <summary>A JSON array of strings (an access review's reviewers); anything else is refused.</summary>
    public static string[] TextArray(string? text, string table, string column, object? key)
    {
        try
        {
            if (text is not null && System.Text.Json.JsonSerializer.Deserialize(text, EngineJson.Default.StringArray) is { } a && a.All(s => s is not null)) return a;
        }
        catch (System.Text.Json.JsonException)
        {
            // refused below
        }
        throw Invalid(table, column, key, text, "a JSON array of text");
    }

    /// <summary>
    /// Reads stored JSON with <paramref name="read"/>: JSON that does not parse, or lacks what PimModule writes into it, is
    /// refused the same way (the value itself is not shown).
    /// </summary>
    public static T Json<T>(Func<T> read, string table, string column, object? key)
    {
        try { return read(); }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or InvalidCastException or NullReferenceException
                                      or FormatException or KeyNotFoundException or ArgumentException)
        {
            throw Invalid(table, column, key, "(JSON that does not read)", "the JSON PimModule writes", e);
        }
    }

    /// <summary>The refusal of a stored value that does not read (the row key is the TargetObject; the value shown shortened).</summary>
    public static PimStoreException Invalid(string table, string column, object? key, string? text, string expected, Exception? inner = null)
    {
        var shown = text is null ? "NULL" : text == "(JSON that does not read)" ? "JSON that does not read" : $"'{Validation.Input.Preview(text)}'";
        var e = PimErrors.StoreCorrupt(
            $"The store's {table}.{column} of row {key} holds {shown}, which PimModule never writes (it expects {expected}): the row was written or " +
            "changed around PimModule, so it is not read as anything else. Nothing was changed.",
            key?.ToString(),
            $"Run Test-PimAuditLog; restore the store from a backup, or put back the {column} PimModule wrote in row {key} of {table}.", inner);
        e.Data[Marker] = true;
        return e;
    }

    /// <summary>
    /// A value Dapper could not convert (a type handler's id, time or flag, or a column of the wrong type): Dapper wraps the
    /// failure in a DataException that names the column ("Error parsing column N (name=value - type)"). Told as the same
    /// refusal (the row's key is not known there; the column is).
    /// </summary>
    public static PimStoreException? FromReader(System.Data.DataException e)
    {
        if (e.InnerException is PimStoreException own && IsInvalid(own)) return own;
        if (e.InnerException is not (FormatException or InvalidCastException or ArgumentException or OverflowException or NullReferenceException)) return null;
        var what = e.Message.StartsWith("Error parsing column", StringComparison.Ordinal) ? e.Message["Error parsing ".Length..] : "a column";
        var x = PimErrors.StoreCorrupt(
            $"The store holds a value PimModule never writes, in {Validation.Input.Preview(what, 120)}: the row was written or changed around PimModule, " +
            "so it is not read as anything else. Nothing was changed.", null,
            "Run Test-PimAuditLog; restore the store from a backup, or put back the value PimModule wrote.", e);
        x.Data[Marker] = true;
        return x;
    }

    /// <summary>
    /// A row Dapper could not build because a column holds a value of another storage class than PimModule writes (SQLite
    /// reports each value's own class, so TEXT in an INTEGER column leaves no constructor of the row type to match): Dapper
    /// says so with an InvalidOperationException naming the row type and the columns it found. Only Dapper's own
    /// materialization message is told as the store refusal; any other InvalidOperationException is left as it is.
    /// </summary>
    public static PimStoreException? FromMaterialization(InvalidOperationException e)
    {
        const string Tail = " materialization";
        if (e.Source != "Dapper" || !e.Message.EndsWith(Tail, StringComparison.Ordinal)) return null;
        var rowType = e.Message[(e.Message.LastIndexOf(" for ", StringComparison.Ordinal) + 5)..^Tail.Length];
        var open = e.Message.IndexOf('(');
        var close = e.Message.LastIndexOf(") is required", StringComparison.Ordinal);
        var found = open >= 0 && close > open
            ? e.Message[(open + 1)..close].Split(", ").Select(p => p.Split(' ', 2)).Where(p => p.Length == 2).Select(p => (Type: p[0], Column: p[1])).ToArray()
            : [];
        // The row type is a record of its table's class (AssignmentsTable+Stored): the table is that class's name in
        // snake_case, and the columns read as another type than the record's are the ones that hold what PimModule never writes.
        var type = typeof(StoredValue).Assembly.GetType(rowType);
        var table = type?.DeclaringType?.Name is { } owner && owner.EndsWith("Table", StringComparison.Ordinal)
            ? string.Concat(owner[..^"Table".Length].Select((c, i) => char.IsUpper(c) ? (i > 0 ? "_" : "") + char.ToLowerInvariant(c) : c.ToString()))
            : "a table";
        var wrong = new List<string>();
        if (type?.GetConstructors().FirstOrDefault(c => c.GetParameters().Length == found.Length) is { } ctor)
            foreach (var (p, f) in ctor.GetParameters().Zip(found))
            {
                var want = Nullable.GetUnderlyingType(p.ParameterType) ?? p.ParameterType;
                // A number PimModule writes as INTEGER read as anything else, or text read as anything but text (a type
                // handler's id, time or flag is read from the reader's own type and is not judged here).
                var bad = want == typeof(string) ? f.Type != "System.String"
                    : want == typeof(long) || want == typeof(int) ? f.Type != "System.Int64" && f.Type != "System.Int32"
                    : false;
                if (bad) wrong.Add($"{table}.{f.Column} ({Kind(f.Type)})");
            }
        var where = wrong.Count > 0 ? string.Join(", ", wrong) : $"{table} ({Validation.Input.Preview(string.Join(", ", found.Select(f => f.Column)), 300)})";
        var x = PimErrors.StoreCorrupt(
            $"The store's {where} holds a value of another type than PimModule writes there: the row was written or changed around " +
            "PimModule, so it is not read as anything else. Nothing was changed.", null,
            $"Run Test-PimAuditLog; restore the store from a backup, or put back the value PimModule wrote in {table}.", e);
        x.Data[Marker] = true;
        return x;

        static string Kind(string t) => t switch
        {
            "System.String" => "text", "System.Byte[]" => "bytes", "System.Double" => "a fraction", "System.Int64" => "a whole number", _ => t,
        };
    }

    /// <summary>True when <paramref name="e"/> is a refusal made here.</summary>
    public static bool IsInvalid(Exception e) => e is PimStoreException && e.Data.Contains(Marker);

    /// <summary>The same refusal told for a Verified store: PimStoreTampered (same message, target and action).</summary>
    public static PimStoreException Tampered(PimStoreException e)
    {
        var t = PimErrors.StoreTampered(e.Message, e.Target, e.RecommendedAction, e);
        t.Data[Marker] = true;
        return t;
    }
}
