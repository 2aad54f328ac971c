using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace PimModule.Audit.Events;

/// <summary>A record about the store itself.</summary>
internal abstract record StoreEvent : AuditEvent
{
    public sealed override string TargetType => "Store";
}

/// <summary>
/// The store's first record. A Verified store's names its root key (the trust anchor every user pins); a Lab store's
/// only who made it.
/// </summary>
internal sealed record StoreGenesis(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? StoreId,
    string? CreatedBy,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? IdentityMode,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? RootPublicKey,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? RootThumbprint,
    int? BuiltInRoles);

internal sealed record StoreCreated(string Creator, StoreGenesis Genesis) : StoreEvent
{
    public const string Name = "CreateStore";
    public override string Action => Name;
    public override string? TargetId => null;
    public override string? Principal => Creator;
    public override object? After => Genesis;
}

/// <summary>
/// Protect-PimStore's record: the root key, and what the Lab past is endorsed as — the assignments of privileged and
/// custom roles, every role's policy rules (role id → their JSON) and the mail settings.
/// </summary>
internal sealed record StoreProtection(string? StoreId, string? CreatedBy, string? IdentityMode, string? RootPublicKey, string? RootThumbprint,
    IReadOnlyList<JsonObject?>? Endorsed, int? MfaMethodsRemoved, IReadOnlyDictionary<string, string>? Policies, JsonNode? Mail)
{
    /// <summary>The genesis a protection stands for (its root key, for the seal verifier).</summary>
    [JsonIgnore] public StoreGenesis Root => new(StoreId, CreatedBy, IdentityMode, RootPublicKey, RootThumbprint, null);
}

internal sealed record StoreProtected(string Store, string Protector, StoreProtection Protection) : StoreEvent
{
    public const string Name = "ProtectStore";
    public override string Action => Name;
    public override string? TargetId => Store;
    public override string? Principal => Protector;
    public override object? After => Protection;
}

internal sealed record RestorePoint(long Sequence, string Hash);

internal sealed record RestoreConfirmation(RestorePoint RestoredTo, string? Reason);

/// <summary>A key administrator confirms the store was restored from a backup (its log ends earlier than a user's checkpoint).</summary>
internal sealed record RestoreConfirmed(string Store, long Sequence, string Hash, string? Reason) : StoreEvent
{
    public const string Name = "ConfirmRestore";
    public override string Action => Name;
    public override string? TargetId => Store;
    public override object? After => new RestoreConfirmation(new RestorePoint(Sequence, Hash), Reason);
}

internal sealed record SchemaVersionView(int SchemaVersion);

internal sealed record SchemaMigration(int SchemaVersion, IReadOnlyList<string> Migrations);

/// <summary>An administrator's migration of a Verified store's schema.</summary>
internal sealed record SchemaMigrated(string Store, int From, SchemaMigration To) : StoreEvent
{
    public const string Name = "MigrateSchema";
    public override string Action => Name;
    public override string? TargetId => Store;
    public override object? Before => new SchemaVersionView(From);
    public override object? After => To;
}

/// <summary>What pruning removed: history that ended before <see cref="Before"/>.</summary>
internal sealed record Pruning(DateTime? Before, int Requests, int Assignments, int Notifications);

internal sealed record HistoryPruned(Pruning Pruned) : StoreEvent
{
    public const string Name = "PruneHistory";
    public override string Action => Name;
    public override string? TargetId => null;
    public override object? After => Pruned;
}

internal sealed record SnapshotView(long Sequence, string HeadHash, string StateDigest, string ContentSha256, long Size);

/// <summary>A root-level principal sealed a snapshot of the verified state (New-PimSnapshot): changes no state; the snapshot row holds the root's envelope.</summary>
internal sealed record SnapshotMade(string Store, SnapshotView Snapshot) : StoreEvent
{
    public const string Name = "CreateSnapshot";
    public override string Action => Name;
    public override string? TargetId => Store;
    public override object? After => Snapshot;
}

/// <summary>What an archive removed: the records after <see cref="From"/> up to <see cref="Until"/> (a snapshot's record, whose hash is <see cref="HeadHash"/>), kept in a file whose SHA-256 is <see cref="Sha256"/>.</summary>
internal sealed record ArchiveView(long From, long Until, string HeadHash, string Sha256, long Records, long Removed);

/// <summary>A root-level principal archived a closed range of the log (Export-PimAuditLog -Until -Remove).</summary>
internal sealed record LogArchived(string Store, ArchiveView Archive) : StoreEvent
{
    public const string Name = Identity.Keys.Seals.ArchiveAction;
    public override string Action => Name;
    public override string? TargetId => Store;
    public override object? After => Archive;
}
