using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace PimModule.Audit.Events;

/// <summary>
/// One audit record as the writer decides it: its action, what it is about and its typed before and after payloads.
/// There is one sealed record type per audit action (issue 29): what a service appends is one of them, and what the
/// state replay, the seal verifier and the alerts read back is the same type, parsed by <see cref="EventJson.Read{T}"/> —
/// no anonymous object is written and no property name is read back as a string. The payloads' JSON is the log's
/// (unchanged from the records PimModule wrote before the events were typed: each type is pinned by a test).
/// </summary>
internal abstract record AuditEvent
{
    /// <summary>The audit action (the record's <c>action</c> column).</summary>
    public abstract string Action { get; }

    /// <summary>What the record is about (its <c>target_type</c> column).</summary>
    public abstract string TargetType { get; }

    public abstract string? TargetId { get; }

    public virtual Guid? RoleId => null;

    public virtual string? Principal => null;

    /// <summary>The payload before the change (null: none).</summary>
    public virtual object? Before => null;

    /// <summary>The payload after the change (null: none, e.g. a removal).</summary>
    public abstract object? After { get; }
}

/// <summary>The JSON of the audit payloads: how events are written and read back.</summary>
internal static class EventJson
{
    /// <summary>Writes as the log always has; reads a time as UTC (a time without an offset is UTC).</summary>
    /// <remarks>The payloads' metadata is compiled ahead (<see cref="EngineJson"/>); any other type goes through reflection.</remarks>
    public static readonly JsonSerializerOptions Options = EngineJson.Resolving(new() { WriteIndented = false, Converters = { new UtcTime() } });

    /// <summary>A payload as its type, or null when there is none or it does not parse as that type (a hostile record counts for nothing).</summary>
    public static T? Read<T>(string? json) where T : class
    {
        if (json is null) return null;
        try { return JsonSerializer.Deserialize<T>(json, Options); }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException or FormatException or ArgumentException) { return null; }
    }

    /// <summary>A duration as payloads write it (<c>TimeSpan.ToString("c")</c>); null when it is not one.</summary>
    public static TimeSpan? Duration(string? text)
        => TimeSpan.TryParseExact(text, "c", CultureInfo.InvariantCulture, out var d) ? d : null;

    public static string Write(object value) => JsonSerializer.Serialize(value, value.GetType(), Options);

    /// <summary>Times in payloads: written as System.Text.Json writes them; read as UTC, whatever the offset (or none: UTC).</summary>
    private sealed class UtcTime : JsonConverter<DateTime>
    {
        public override DateTime Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
            => reader.TokenType == JsonTokenType.String && Time(reader.GetString(), out var t) ? t : throw new JsonException("not a time");

        public override void Write(Utf8JsonWriter writer, DateTime value, JsonSerializerOptions options) => writer.WriteStringValue(value);
    }

    /// <summary>A payload's time as it is read (<see cref="UtcTime"/>): UTC, whatever the offset (or none: UTC).</summary>
    private static bool Time(string? text, out DateTime value)
    {
        if (DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var t))
        {
            value = DateTime.SpecifyKind(t, DateTimeKind.Utc);
            return true;
        }
        value = default;
        return false;
    }

    // ---- plain payloads, read straight off the reader --------------------------------------------------------------
    // The payloads the bulk paths write one a row (an assignment; a batch's queued notices) are read back once each by the
    // state replay, where the serializer's per-call work (a constructor's arguments cached, values boxed) is most of what a
    // record costs. A payload in the plain form — one object (or array of them) of the type's own properties, each once,
    // each a value of its type or null — is read here with the serializer's own primitives (the same reader, GetString,
    // TryGetGuid, the same time): what Read gives for it. Anything else (another property, one twice, another token, text
    // that does not transcode, anything after the value) is left to Read, which decides it as it always has.

    /// <summary>Reads one value starting at the reader's current token; false: not in the plain form (Read decides it).</summary>
    internal delegate bool PlainReader<T>(ref Utf8JsonReader reader, out T? value) where T : class;

    /// <summary>As the serializer transcodes a payload's text: invalid UTF-16 is refused, not replaced.</summary>
    private static readonly System.Text.UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>What <see cref="Read{T}"/> gives for <paramref name="json"/>: read by <paramref name="plain"/> when it is in the plain form.</summary>
    public static T? ReadPlain<T>(string? json, PlainReader<T> plain) where T : class
    {
        if (json is null) return null;
        return TryPlain(json, plain, out var value) ? value : Read<T>(json);
    }

    internal static bool TryPlain<T>(string json, PlainReader<T> plain, out T? value) where T : class
    {
        value = null;
        byte[]? rented = null;
        var max = StrictUtf8.GetMaxByteCount(json.Length);
        Span<byte> utf8 = max <= 1024 ? stackalloc byte[1024] : (rented = System.Buffers.ArrayPool<byte>.Shared.Rent(max));
        try
        {
            var n = StrictUtf8.GetBytes(json, utf8);
            var reader = new Utf8JsonReader(utf8[..n], new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, AllowTrailingCommas = false, MaxDepth = 64 });
            if (!reader.Read() || !plain(ref reader, out var read) || read is null) return false;
            if (reader.Read()) return false; // the serializer takes one value and nothing after it
            value = read;
            return true;
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException or FormatException)
        {
            return false;
        }
        finally
        {
            if (rented is not null) System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>A text or null (the serializer's string: GetString).</summary>
    internal static bool PlainText(ref Utf8JsonReader reader, out string? value)
    {
        value = null;
        if (reader.TokenType == JsonTokenType.Null) return true;
        if (reader.TokenType != JsonTokenType.String) return false;
        value = reader.GetString();
        return true;
    }

    /// <summary>A GUID or null (the serializer's Guid: a string TryGetGuid reads).</summary>
    internal static bool PlainGuid(ref Utf8JsonReader reader, out Guid? value)
    {
        value = null;
        if (reader.TokenType == JsonTokenType.Null) return true;
        if (reader.TokenType != JsonTokenType.String || !reader.TryGetGuid(out var g)) return false;
        value = g;
        return true;
    }

    /// <summary>A time or null (<see cref="UtcTime"/>).</summary>
    internal static bool PlainTime(ref Utf8JsonReader reader, out DateTime? value)
    {
        value = null;
        if (reader.TokenType == JsonTokenType.Null) return true;
        if (reader.TokenType != JsonTokenType.String || !Time(reader.GetString(), out var t)) return false;
        value = t;
        return true;
    }

    /// <summary>
    /// The next property of a plain object: its index in <paramref name="names"/> (each at most once: <paramref name="seen"/>),
    /// the reader on its value; -1 at the object's end. False when it is not plain (another name, a name twice).
    /// </summary>
    internal static bool PlainProperty(ref Utf8JsonReader reader, byte[][] names, ref int seen, out int index)
    {
        index = -1;
        if (!reader.Read()) return false;
        if (reader.TokenType == JsonTokenType.EndObject) return true;
        if (reader.TokenType != JsonTokenType.PropertyName) return false;
        // Looked for from the one after the last found (the plain form writes them in order); matched as the serializer
        // matches them: the name unescaped, case-sensitive.
        var last = 31 - int.LeadingZeroCount(seen);
        for (var k = 1; k <= names.Length; k++)
        {
            var i = (last + k) % names.Length;
            if (!reader.ValueTextEquals(names[i])) continue;
            if ((seen & (1 << i)) != 0) return false;
            seen |= 1 << i;
            index = i;
            return reader.Read();
        }
        return false;
    }

    /// <summary>Property names as <see cref="PlainProperty"/> matches them.</summary>
    internal static byte[][] Names(params string[] names) => [.. names.Select(System.Text.Encoding.UTF8.GetBytes)];
}

/// <summary>JSON already written (the audit log stores it as it is): the bulk paths' assignments and queued notices.</summary>
internal readonly record struct RawJson(string Json);
