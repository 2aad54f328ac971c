using PimModule.Files;
using PimModule.Identity;
using PimModule.Verification;

namespace PimModule.Audit;

/// <summary>Reading and verifying the audit log (appending happens inside each change, see AuditLog).</summary>
public sealed class AuditService
{
    private readonly StoreSession _store;
    internal AuditService(StoreSession store) => _store = store;

    public IReadOnlyList<PimAuditRecord> Query(PimAuditQuery query) => _store.ReadLog(work => AuditLog.Query(work, query));

    /// <summary>
    /// Test-PimAuditLog: the chain (and in a Verified store every seal, binding and entitlement, replayed from the genesis
    /// into a fresh state that trusts no checkpoint), and that the store's state rows agree with that state.
    /// </summary>
    /// <param name="since">Replays from the snapshot at this record instead (it must count: PimSnapshotInvalid otherwise).</param>
    /// <param name="archives">The archive files of the log's beginning (Export-PimAuditLog -Until -Remove), oldest first: the replay reads across them.</param>
    public PimAuditVerification Verify(Action<long>? progress = null, long? since = null, IReadOnlyList<string>? archives = null)
    {
        var files = archives?.Select(LogArchive.Read).ToList();
        return _store.ReadLog(work => StateCheck.Verify(work, progress, since, files));
    }

    /// <summary>
    /// Export-PimAuditLog -Until: writes the records after the previous archive up to the snapshot at <paramref name="until"/>
    /// (it must count) and their seals to <paramref name="path"/>, owner-only; with <paramref name="remove"/> a root-level
    /// principal acting with a root key then removes them from the store with a sealed ArchiveLog record carrying the file's
    /// SHA-256 (<see cref="LogArchive"/>). Null when the confirmation was declined.
    /// </summary>
    public (long Records, long Seals, string Sha256, long Removed)? Archive(string path, bool force, long until, bool remove, Func<PimChange, bool>? confirm)
    {
        if (_store.IdentityMode != PimIdentityMode.Verified || _store.CredentialKey is not { } key)
            throw Errors.PimErrors.IdentityModeMismatch($"The store '{_store.Location}' is a Lab store: it has no snapshots to archive the log up to.", _store.Location,
                "Export the whole log with Export-PimAuditLog -Path (without -Until).");
        var (from, headHash) = _store.Read(work =>
        {
            if (remove) Snapshots.SnapshotService.RequireRootKey(work, key, "remove a range of the audit log into an archive");
            else Authorization.RequireReader(work, "export the audit log", asStored: true);
            var row = Storage.SnapshotsTable.At(work, until) ?? throw Errors.PimErrors.InputValueInvalid($"The store holds no snapshot at record {until}: a range is archived up to a snapshot. Nothing was changed.",
                until, "Give what New-PimSnapshot returned (Get-PimStore shows the newest snapshot's record), or make one with New-PimSnapshot.");
            Snapshots.SnapshotTrust.Check(work, row, _store.StoreId, AuditLog.RecordedHead(work).Sequence);
            var after = LogArchive.Newest(work)?.Until ?? 0;
            if (until <= after) throw Errors.PimErrors.InputValueInvalid($"The log is archived up to record {after} already; -Until {until} names nothing after it. Nothing was changed.",
                until, "Give a newer snapshot (New-PimSnapshot makes one at the head).");
            return (after, row.HeadHash);
        });
        if (confirm is not null && !confirm(new PimChange(path, remove
                ? $"Archive records {from + 1}-{until} of the audit log into the file, then remove them from the store (a sealed ArchiveLog record)"
                : $"Export records {from + 1}-{until} of the audit log and their seals"))) return null;
        var (records, seals) = OwnerOnlyFile.Write(path, force, stream =>
        {
            using var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false), leaveOpen: true) { NewLine = "\n" };
            return _store.ReadLog(work => LogArchive.Write(work, writer, from, until, headHash));
        });
        var sha = Checkpoint.VerifiedState.Sha256Of(path);
        if (!remove) return (records, seals, sha, 0);
        var removed = _store.Write(work =>
        {
            Snapshots.SnapshotService.RequireRootKey(work, key, "remove a range of the audit log into an archive");
            if ((LogArchive.Newest(work)?.Until ?? 0) != from)
                throw Errors.PimErrors.StoreBusy("Another session archived the log meanwhile. The file was written; nothing was removed.", _store.Location,
                    "Run Export-PimAuditLog -Until again (with -Force) for the range that is left.");
            var count = LogArchive.Remove(work, from, until);
            AuditLog.Append(work, new Events.LogArchived(_store.StoreId, new Events.ArchiveView(from, until, headHash, sha, records, count)));
            return count;
        });
        return (records, seals, sha, removed);
    }

    /// <summary>Writes the log and its seals (JSON lines, RFC 8785) to <paramref name="path"/>, created owner-only; the records and seals written.</summary>
    public (long Records, long Seals) Export(string path, bool force)
    {
        // The whole log, every principal's records: the roles that read PIM (docs/security.md). Asked before the file is made.
        _store.ReadLog(work => { Authorization.RequireReader(work, "export the whole audit log", asStored: true); return 0; });
        return OwnerOnlyFile.Write(path, force, stream =>
        {
            using var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false), leaveOpen: true) { NewLine = "\n" };
            return _store.ReadLog(work => AuditExport.Write(work, writer));
        });
    }
}
