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
            => reader.TokenType == JsonTokenType.String && DateTime.TryParse(reader.GetString(), CultureInfo.InvariantCulture,
                   DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var t)
                ? DateTime.SpecifyKind(t, DateTimeKind.Utc)
                : throw new JsonException("not a time");

        public override void Write(Utf8JsonWriter writer, DateTime value, JsonSerializerOptions options) => writer.WriteStringValue(value);
    }
}

/// <summary>JSON already written (the audit log stores it as it is): the bulk paths' assignments and queued notices.</summary>
internal readonly record struct RawJson(string Json);
