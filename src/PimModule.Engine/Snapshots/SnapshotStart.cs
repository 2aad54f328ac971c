using System.Security.Cryptography;
using PimModule.Checkpoint;
using PimModule.Errors;
using PimModule.Identity.Keys;
using PimModule.Kernel;
using PimModule.Storage;

namespace PimModule.Snapshots;

/// <summary>
/// Snapshots in a replay: a checkpoint with nothing in it starts from the newest snapshot that counts (or the one
/// Test-PimAuditLog -Since names) and verifies only the records after it; a replay that passes a snapshot compares the
/// state it reached there with the snapshot's digest (PimSnapshotMismatch when they differ). What is refused or disagrees
/// is told (<see cref="VerifiedState.Notices"/>), and the replay goes on from the genesis or its own state: a snapshot never
/// stops a user from verifying the log, it only spares them the work.
/// </summary>
internal static class SnapshotStart
{
    /// <summary>The schema from which a store keeps snapshots.</summary>
    public const int SchemaVersion = 14;

    public static bool Available(UnitOfWork work) => SchemaVersionTable.Current(work) >= SchemaVersion;

    /// <summary>The end of the newest archive the log names (as stored: the replay verifies it), or null when none.</summary>
    public static long? Archived(UnitOfWork work) => Available(work) ? Audit.LogArchive.Newest(work)?.Until : null;

    /// <summary>
    /// An empty checkpoint takes the snapshot <see cref="VerifiedState.StartFrom"/> names when it counts: true when it did (the
    /// checkpoint then holds the state there, and the replay resumes after it). False: the replay starts from the genesis.
    /// </summary>
    public static bool TryTake(VerifiedState v, UnitOfWork work, long upTo)
    {
        if (v.StartFrom is not { } from || !Available(work)) return false;
        var named = from != 0;
        var storeId = StoreInfoTable.Get(work, StoreInfoTable.StoreId) ?? "";
        var row = named ? SnapshotsTable.At(work, from) : SnapshotsTable.Newest(work, upTo);
        if (row is null)
            return named ? throw PimErrors.InputValueInvalid($"The store holds no snapshot at record {from}.", from,
                "Give the Sequence of one of the store's snapshots (New-PimSnapshot returns it; Get-PimStore shows the newest).") : false;
        TrustedSnapshot trusted;
        try { trusted = SnapshotTrust.Check(work, row, storeId, upTo); }
        catch (PimException e) when (e.ErrorId == PimErrors.IdOf(nameof(PimErrors.SnapshotInvalid)))
        {
            if (named) throw;
            v.Notices.Enqueue(e);
            return false;
        }
        var seal = trusted.Seal;
        // A snapshot of another checkpoint format (another PimModule) is not read; one whose pending records are due is
        // judged in the chain's place of those records, which only a replay from the genesis does.
        if (seal.Format != VerifiedState.CheckpointFormat || seal.Pending.Any(p => p.Ticks <= SqlTypes.Ticks(work.Now) + TimeRule.Skew.Ticks)) return false;
        var folder = Directory.CreateTempSubdirectory("pim-snapshot-");
        try
        {
            // The content, hashed as it streams from the store into a file of this user's own, is what the root sealed.
            var file = Path.Combine(folder.FullName, "content");
            string sha;
            long size = 0;
            using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            using (var output = new FileStream(file, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                try
                {
                    foreach (var (_, data) in SnapshotChunksTable.Of(work, row.Sequence))
                    {
                        // More than was sealed is not read on (chunks added around the module would fill this user's disk).
                        if (size + data.Length > seal.Size) { size = -1; break; }
                        hash.AppendData(data);
                        output.Write(data);
                        size += data.Length;
                    }
                    sha = Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant();
                }
                catch (Exception e) when (e is InvalidCastException or System.Data.DataException or FormatException)
                {
                    sha = ""; // a chunk that is not bytes (written around the module): not the content sealed
                }
            }
            string? why = sha != seal.ContentSha256 || size != seal.Size ? "its content is not the content the root key sealed" : null;
            var content = why is null ? v.TakeContent(file) : null;
            why ??= content is null ? "its content is not a checkpoint of this PimModule"
                : content.Sequence != seal.Sequence || content.Hash != seal.HeadHash ? "its content stands at another record than it seals"
                : !string.Equals(content.State.RootThumbprint, trusted.GenesisRoot, StringComparison.OrdinalIgnoreCase) ? "its content names another root of the store"
                : !content.State.RootKeys.Contains(trusted.KeyThumbprint, StringComparer.OrdinalIgnoreCase)
                  || content.State.Revoked.Contains(trusted.KeyThumbprint, StringComparer.OrdinalIgnoreCase) ? "its content does not hold the key that sealed it as a root key"
                : null;
            if (why is null)
            {
                v.StartedAt = seal.Sequence;
                return true;
            }
            if (content is not null) v.Empty();
            var refused = PimErrors.SnapshotInvalid($"The snapshot of store {storeId} at record {row.Sequence} does not count: {why}. It is not used; the log is verified from its beginning instead.",
                row.Sequence, "Tell the store's root-level administrators; a root-level administrator makes a new snapshot with New-PimSnapshot.");
            if (named) throw refused;
            v.Notices.Enqueue(refused);
            return false;
        }
        finally
        {
            try { folder.Delete(recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>The snapshots after <paramref name="after"/> up to <paramref name="upTo"/> that count, where a replay stops to compare (each at the end of a sealed transaction).</summary>
    public static List<TrustedSnapshot> Stops(UnitOfWork work, long after, long upTo)
    {
        if (!Available(work)) return [];
        var rows = SnapshotsTable.Between(work, after, upTo);
        if (rows.Count == 0) return [];
        var storeId = StoreInfoTable.Get(work, StoreInfoTable.StoreId) ?? "";
        var stops = new List<TrustedSnapshot>();
        foreach (var row in rows)
        {
            try
            {
                var trusted = SnapshotTrust.Check(work, row, storeId, upTo);
                if (SealsTable.Covering(work, row.Sequence) is { } seal && seal.ToSequence == row.Sequence) stops.Add(trusted);
            }
            catch (PimException e) when (e.ErrorId == PimErrors.IdOf(nameof(PimErrors.SnapshotInvalid))) { /* told when a user would start from it */ }
        }
        return stops;
    }

    /// <summary>
    /// The state a replay reached at a snapshot's record against the snapshot's digest: PimSnapshotMismatch is told when they
    /// differ. Not compared when the records pending there are not the ones the snapshot kept pending (their time has come
    /// for this replay): the two states then differ by design.
    /// </summary>
    public static void Compare(VerifiedState v, Microsoft.Data.Sqlite.SqliteTransaction tx, SealState reached, TrustedSnapshot snapshot)
    {
        var seal = snapshot.Seal;
        var storeId = seal.StoreId;
        if (!reached.Time.Pending.Keys.Order().SequenceEqual(seal.Pending.Select(p => p.Sequence).Order())) return;
        v.SnapshotsCompared++;
        var digest = v.DigestIn(tx, reached);
        if (digest == seal.StateDigest) return;
        v.Notices.Enqueue(PimErrors.SnapshotMismatch(
            $"The snapshot of store {storeId} at record {seal.Sequence}, sealed by {snapshot.Actor}'s root key {snapshot.KeyThumbprint}, says the verified state there is " +
            $"{seal.StateDigest}; replaying the log to that record reaches {digest}. A user who starts from that snapshot would believe another state than the log's.",
            seal.Sequence, "Tell the store's root-level administrators at once: their root key sealed a state the log does not make (a stolen key, or a fault). " +
                           "Users who connected from it should remove their checkpoint and connect again; the root makes a new snapshot with New-PimSnapshot."));
    }
}
