namespace PimModule.Audit;

/// <summary>Reading and verifying the audit log (appending happens inside each change, see AuditLog).</summary>
public sealed class AuditService
{
    private readonly PimStore _store;
    internal AuditService(PimStore store) => _store = store;

    public IReadOnlyList<PimAuditRecord> Query(PimAuditQuery query) => _store.Read(work => AuditLog.Query(work, query));

    public PimAuditVerification Verify() => _store.Read(AuditLog.Verify);
}
