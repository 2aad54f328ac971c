using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using PimModule.Audit.Events;
using PimModule.Identity.Keys;

namespace PimModule;

/// <summary>
/// The JSON the engine reads on every connect and first answer, compiled ahead (System.Text.Json's source generator): the
/// user's known-stores file, a checkpoint's seal state, the store's genesis and the key records a connect reads, and the
/// small text arrays and maps of the store's columns. The reflection-based serializer builds each type's metadata at
/// first use in every process (about a tenth of a second at a command's start, issue 30); these types' metadata is
/// code instead. What is read and written is unchanged: the same options, the same shapes (tests pin the payloads).
/// Types not listed here still go through reflection.
/// </summary>
[JsonSerializable(typeof(SealState))]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(StoreGenesis))]
[JsonSerializable(typeof(StoreProtection))]
[JsonSerializable(typeof(CredentialView))]
[JsonSerializable(typeof(ArchiveView))]
internal sealed partial class EngineJson : JsonSerializerContext
{
    /// <summary>The audit payloads' read options (<see cref="EventJson.Options"/>, its converters included) with these types' metadata compiled ahead.</summary>
    internal static JsonSerializerOptions ForReading(JsonSerializerOptions options)
    {
        var reading = new JsonSerializerOptions(options) { TypeInfoResolver = JsonTypeInfoResolver.Combine(Default, new DefaultJsonTypeInfoResolver()) };
        reading.MakeReadOnly();
        return reading;
    }
}

/// <summary>The known-stores file's JSON (camelCase, indented), compiled ahead: every connect reads it.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(KnownStores.FileShape))]
internal sealed partial class KnownStoresJson : JsonSerializerContext;
