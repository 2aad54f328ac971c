using System.Security.Cryptography;
using PimModule.Audit;
using PimModule.Audit.Events;
using PimModule.Errors;
using PimModule.Identity;
using PimModule.Identity.Keys;
using PimModule.Storage;

namespace PimModule.Snapshots;

/// <summary>
/// New-PimSnapshot: a root-level principal, acting with a root key, seals the verified state their checkpoint holds — the
/// store, the record it stands at, its digest, the rules version and the records still pending — and stores it (its content
/// in chunks) beside the log, with a CreateSnapshot record. A user with no checkpoint then verifies that snapshot and only
/// the records after it (Snapshots/SnapshotStart.cs).
/// </summary>
public sealed class SnapshotService
{
    private readonly StoreSession _store;
    internal SnapshotService(StoreSession store) => _store = store;

    /// <summary>Seals a snapshot at the verified head (the one there when one exists already); null when the confirmation was declined.</summary>
    public PimSnapshot? New(Func<PimChange, bool>? confirm)
    {
        if (_store.IdentityMode != PimIdentityMode.Verified || _store.Verified is not { } verified || _store.CredentialKey is not { } key)
            throw PimErrors.IdentityModeMismatch($"The store '{_store.Location}' is a Lab store: it has no verified state to snapshot.", _store.Location,
                "Snapshots are of Verified stores; an administrator makes a Lab store Verified with Protect-PimStore.");
        // Asked (and shown) on a read first: who acts, and where the verified head is.
        var head = _store.Read(work =>
        {
            RequireRootKey(work, key);
            // A store is migrated when its administrator connects; a root who connected holds one at the latest schema.
            if (!SnapshotStart.Available(work)) throw new InvalidOperationException("The store was not migrated to keep snapshots.");
            return verified.Head;
        });
        if (confirm is not null && !confirm(new PimChange(_store.Location, $"Seal a snapshot of the verified state at record {head.Sequence} with root key {key.Thumbprint}")))
            return null;
        // Nothing but snapshots since the newest one: it is the state now (a second run, a retried job).
        if (_store.Read(work => SnapshotsTable.Newest(work, head.Sequence) is { } newest && AuditLogTable.CountOtherThan(work, newest.Sequence, SnapshotMade.Name) == 0 ? newest : null)
            is { } existing) return Describe(existing);

        var file = Path.Combine(Directory.CreateTempSubdirectory("pim-snapshot-").FullName, "content");
        try
        {
            Checkpoint.VerifiedState.Content content;
            using (var output = new FileStream(file, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 20))
                content = verified.WriteContent(output);
            var size = new FileInfo(file).Length;
            var seal = new SnapshotSeal(_store.StoreId, content.Sequence, content.Hash, content.Digest, Checkpoint.VerifiedState.Sha256Of(file), size, content.Format,
                Kernel.RulesVersion.Current, content.State.Time.Pending.Select(p => (p.Key, p.Value)).ToList(), SqlTypes.Ticks(_store.UtcNow));
            var envelope = Jws.Sign(key, _store.Principal, seal.Payload(), Jws.SnapshotType);
            var row = new SnapshotsTable.Row(seal.Sequence, seal.HeadHash, _store.Principal, key.Thumbprint, seal.AtTicks, size, envelope);
            return Describe(_store.Write(work =>
            {
                RequireRootKey(work, key);
                if (SnapshotsTable.At(work, seal.Sequence) is { } made) return made; // another session of a root made it meanwhile
                if (!string.Equals(AuditLogTable.BySequence(work, seal.Sequence)?.Hash, seal.HeadHash, StringComparison.Ordinal))
                    throw PimErrors.StoreRolledBack($"The store no longer holds record {seal.Sequence} as the snapshot names it. Nothing was changed.", _store.Location,
                        "Disconnect-PimStore and connect again; tell your administrators.");
                SnapshotsTable.Insert(work, row);
                using (var input = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20))
                {
                    var buffer = new byte[SnapshotChunksTable.ChunkSize];
                    for (var chunk = 0; ; chunk++)
                    {
                        var read = input.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
                        if (read == 0) break;
                        SnapshotChunksTable.Insert(work, seal.Sequence, chunk, buffer.AsSpan(0, read).ToArray());
                    }
                }
                AuditLog.Append(work, new SnapshotMade(_store.StoreId, new SnapshotView(seal.Sequence, seal.HeadHash, seal.StateDigest, seal.ContentSha256, size)));
                return row;
            }));
        }
        finally
        {
            try { Directory.Delete(Path.GetDirectoryName(file)!, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>The newest snapshot the store holds (as stored: whether it counts is decided when a user starts from it); null when none.</summary>
    public PimSnapshot? Newest() => _store.IdentityMode != PimIdentityMode.Verified ? null
        : _store.Read(work => SnapshotStart.Available(work) && SnapshotsTable.Newest(work, long.MaxValue) is { } row ? Describe(row) : null);

    /// <summary>A snapshot is sealed by a root key: the acting principal must be a root-level principal acting with a root key of the verified log.</summary>
    internal static void RequireRootKey(UnitOfWork work, PimKey key, string what = "seal a snapshot of the store")
    {
        var state = work.VerifiedNow()?.State;
        var actor = Principal.Fold(work.Actor);
        var isRoot = state is not null && state.RootKeys.Contains(key.Thumbprint, StringComparer.OrdinalIgnoreCase)
                     && !state.Revoked.Contains(key.Thumbprint, StringComparer.OrdinalIgnoreCase)
                     && state.Bindings.TryGetValue(key.Thumbprint, out var bound) && bound.Principal == actor;
        if (!isRoot)
            throw PimErrors.NotAuthorized(
                $"'{work.Actor}' may not {what}: only a root-level principal does, acting with a root key (key {key.Thumbprint} is not one). Nothing was changed.",
                work.Actor, "Ask the store's root (its creator) or a break-glass root to run New-PimSnapshot, connected with their root key.");
    }

    private PimSnapshot Describe(SnapshotsTable.Row row)
    {
        SnapshotSeal? seal = null;
        try { seal = SnapshotSeal.Parse(Jws.Parse(row.Envelope).Payload); }
        catch (PimException) { }
        return new PimSnapshot
        {
            StoreId = _store.StoreId, Sequence = row.Sequence, HeadHash = row.HeadHash, StateDigest = seal?.StateDigest ?? "", ContentSha256 = seal?.ContentSha256 ?? "",
            SizeBytes = row.Size, CreatedBy = row.Actor, KeyThumbprint = row.KeyId, CreatedDateTime = new DateTime(Math.Clamp(row.CreatedUtc, 0, DateTime.MaxValue.Ticks), DateTimeKind.Utc),
            RulesVersion = seal?.Rules ?? 0, PendingRecords = seal?.Pending.Count ?? 0,
        };
    }
}
