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
    public PimAuditVerification Verify(Action<long>? progress = null, long? since = null) => _store.ReadLog(work => StateCheck.Verify(work, progress, since));

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
