using PimModule.Storage;
using PimModule.Audit;
using PimModule.Errors;
using PimModule.Files;
using PimModule.Identity;
using PimModule.Validation;

namespace PimModule.Reports;

/// <summary>
/// Export-PimReport: one self-contained HTML file of what the store holds and did in a period. Every figure is an
/// aggregate the database computes (a few grouped queries through the tables' indexes, whatever the store's size); in a
/// Verified store each comes from the verified state (the session's checkpoint), never from the store's rows as read.
/// </summary>
public sealed class ReportService
{
    /// <summary>The period when -Since is not given: the 30 days before -Until.</summary>
    public static readonly TimeSpan DefaultPeriod = TimeSpan.FromDays(30);

    private const int MaxRequesters = 10;
    private const int MaxLatest = 25;

    private readonly StoreSession _store;
    private readonly Alerts.AlertService _alerts;
    private readonly Audit.AuditService _audit;

    internal ReportService(StoreSession store, Alerts.AlertService alerts, Audit.AuditService audit)
    {
        _store = store;
        _alerts = alerts;
        _audit = audit;
    }

    /// <summary>
    /// Writes the report of [<paramref name="since"/>, <paramref name="until"/>) to <paramref name="path"/> (created owner-only),
    /// verifying the whole audit log first when <paramref name="verifyAuditLog"/> is set. <paramref name="progress"/> is told
    /// what is being done and how far along (percent).
    /// </summary>
    public void Export(string path, DateTime? since, DateTime? until, bool verifyAuditLog, bool force, Action<string, int>? progress = null)
    {
        var now = _store.UtcNow;
        var to = until is { } u ? Times.Utc(u, "Until") : now;
        var from = since is { } s ? Times.Utc(s, "Since") : to - DefaultPeriod;
        if (from >= to)
            throw PimErrors.DateTimeInvalid($"-Since ({from:u}) is not before -Until ({to:u}): the period is empty. Nothing was written.",
                from, "Give a -Since earlier than -Until (by default -Until is now and -Since 30 days before it).");

        // Every principal's assignments, requests and the audit log's state: the roles that read PIM (docs/security.md).
        _store.Read(work => { Authorization.RequireReader(work, "export the PIM report (every principal's assignments, requests and alerts)"); return 0; });

        progress?.Invoke("Counting assignments, activations and approvals", 10);
        var data = _store.Read(work => Collect(work, from, to, now));

        progress?.Invoke("Reading the open alerts", 40);
        var alerts = _alerts.Get(null);

        ReportAudit audit;
        if (verifyAuditLog)
        {
            progress?.Invoke("Verifying the audit log", 50);
            var check = _audit.Verify(n => progress?.Invoke($"Verifying the audit log: {n:N0} records", 60));
            audit = new ReportAudit(true, check.IsValid, check.RecordsChecked, check.SealsChecked, check.Reason, check.FirstInvalidSequence, _store.UtcNow,
                check.IsValid
                    ? $"Verified for this report: {check.RecordsChecked:N0} records" + (check.SealsChecked > 0 ? $" and {check.SealsChecked:N0} seals" : "") + " intact."
                    : $"NOT valid: {check.Reason}");
        }
        else audit = data.Audit;

        progress?.Invoke("Drawing the charts", 80);
        var html = HtmlReport.Render(data with { Alerts = alerts, Audit = audit });

        progress?.Invoke("Writing the file", 95);
        OwnerOnlyFile.WriteText(path, force, html);
    }

    private ReportData Collect(UnitOfWork work, DateTime from, DateTime to, DateTime now)
    {
        var roles = RolesTable.All(work);
        var names = roles.ToDictionary(r => r.Id.ToString("D"), r => r.Name, StringComparer.OrdinalIgnoreCase);
        var privileged = roles.Where(r => r.IsPrivileged).Select(r => r.Id).ToList();
        string Name(string id) => names.TryGetValue(id, out var n) ? n : id;

        List<DailyCount> perDay; List<ApprovalWait> waits; List<RequesterCount> requesters; List<AssignmentCount> assignments;
        List<PermanenceCount> permanence; List<ReportActivation> latest; ReportAudit audit;
        if (work.VerifiedNow() is { } verified)
        {
            // The verified state only: the checkpoint's tables, which the session brought up to the store's verified head.
            perDay = verified.ActivationsPerDay(from, to);
            waits = verified.ApprovalWaits(from, to);
            requesters = verified.TopRequesters(from, to, MaxRequesters);
            assignments = verified.CountByTypeAndState(now);
            permanence = verified.PermanenceOfRoles(privileged, now);
            // Justifications are not part of the verified state: a Verified store's report does not show them.
            latest = verified.LatestActivations(from, to, MaxLatest).ConvertAll(q => new ReportActivation(
                new DateTime(q.CreatedTicks, DateTimeKind.Utc), q.PrincipalKey, Name(q.RoleId), q.Status, null));
            var head = verified.Head;
            audit = new ReportAudit(false, true, head.Sequence, 0, null, null, now,
                $"This session verified the log (chain and seals) up to record {head.Sequence:N0} when it made this report; run with -VerifyAuditLog to replay all of it.");
        }
        else
        {
            perDay = RequestsTable.ActivationsPerDay(work, from, to);
            waits = RequestsTable.ApprovalWaits(work, from, to);
            requesters = RequestsTable.TopRequesters(work, from, to, MaxRequesters);
            assignments = AssignmentsTable.CountByTypeAndState(work, now);
            permanence = AssignmentsTable.PermanenceOfRoles(work, privileged, now);
            latest = RequestsTable.LatestActivations(work, from, to, MaxLatest).ConvertAll(q => new ReportActivation(
                q.Created, q.Principal, Name(q.RoleId.ToString("D")), RequestsTable.StatusAt(q, now).ToString(), q.Justification));
            var (records, _) = AuditLog.RecordedHead(work);
            audit = new ReportAudit(false, null, records, 0, null, null, null,
                $"Not verified for this report (a Lab store keeps no verification): the log holds {records:N0} records; run with -VerifyAuditLog, or Test-PimAuditLog.");
        }
        return new ReportData(now, from, to, _store.Location, work.IdentityMode, _store.Principal, names, perDay, waits, assignments, permanence,
            [], requesters, latest, audit);
    }
}
