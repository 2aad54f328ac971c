using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using PimModule.Audit.Events;
using PimModule.Identity.Keys;

namespace PimModule;

/// <summary>
/// The JSON the engine reads and writes at a command's start, compiled ahead (System.Text.Json's source generator): a
/// checkpoint's seal state, the audit payloads (a store's genesis, key records, assignments, requests, reviews …), and the
/// small text arrays and maps of the store's columns. The reflection-based serializer builds each type's metadata at
/// first use in every process (about a tenth of a second at a command's start, issue 30); these types' metadata is
/// code instead. What is read and written is unchanged: the same options, the same shapes (tests pin the payloads).
/// Types not listed here still go through reflection — among them every type with init-only properties (ActivationRequest,
/// ExtensionRequest): the generator sets each of those, present in the JSON or not, where reflection sets only what is there.
/// </summary>
[JsonSerializable(typeof(SealState))]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(StoreGenesis))]
[JsonSerializable(typeof(StoreProtection))]
[JsonSerializable(typeof(CredentialView))]
[JsonSerializable(typeof(ArchiveView))]
[JsonSerializable(typeof(SnapshotView))]
[JsonSerializable(typeof(Pruning))]
[JsonSerializable(typeof(RestorePoint))]
[JsonSerializable(typeof(RestoreConfirmation))]
[JsonSerializable(typeof(SchemaVersionView))]
[JsonSerializable(typeof(AccessReviewItemView))]
[JsonSerializable(typeof(AccessReviewView))]
[JsonSerializable(typeof(AccessReviewDecision))]
[JsonSerializable(typeof(AccessReviewPrior))]
[JsonSerializable(typeof(AccessReviewOutcome))]
[JsonSerializable(typeof(AccessReviewCompletion))]
[JsonSerializable(typeof(AccessReviewStatus))]
[JsonSerializable(typeof(AssignmentView))]
[JsonSerializable(typeof(RequestState))]
[JsonSerializable(typeof(RequestDecision))]
[JsonSerializable(typeof(DirectoryObjectView))]
[JsonSerializable(typeof(RoleView))]
[JsonSerializable(typeof(QueuedNotice))]
[JsonSerializable(typeof(List<QueuedNotice>))]
[JsonSerializable(typeof(MfaRegistration))]
[JsonSerializable(typeof(MfaRefusal))]
[JsonSerializable(typeof(RateLimit))]
internal sealed partial class EngineJson : JsonSerializerContext
{
    /// <summary>
    /// Options whose types' metadata comes from here when it is listed (with the options' own converters), and from
    /// reflection otherwise. The bytes written are the same either way: AuditEventTests pins every payload's JSON.
    /// </summary>
    internal static JsonSerializerOptions Resolving(JsonSerializerOptions options)
    {
        options.TypeInfoResolver = JsonTypeInfoResolver.Combine(Default, new DefaultJsonTypeInfoResolver());
        options.MakeReadOnly();
        return options;
    }
}

/// <summary>The known-stores file's JSON (camelCase, indented), compiled ahead: every connect reads it.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(KnownStores.FileShape))]
internal sealed partial class KnownStoresJson : JsonSerializerContext;
