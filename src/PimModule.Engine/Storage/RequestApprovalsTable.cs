using PimModule.Requests;
using PimModule.Identity;

namespace PimModule.Storage;

/// <summary>
/// The request_approvals table: every decision on a request, one row per (request, decider) — its key says no principal
/// decides twice on one request. No other file writes SQL against request_approvals. In a Verified store a row counts
/// only as the verified log has it (<see cref="Checkpoint.VerifiedState"/>'s decisions) or when this unit of work wrote it.
/// </summary>
internal static class RequestApprovalsTable
{
    public const string Approve = "Approve";
    public const string Deny = "Deny";

    /// <summary>One decision. <see cref="ApproverKey"/> is the row's key as stored; a row whose key is not its approver's is no one's decision.</summary>
    internal sealed record Row(Guid RequestId, string Approver, long Stage, string Decision, string? Justification, DateTime Decided, string? ApproverKey = null)
    {
        public string Key => ApproverKey ?? Principal.Fold(Approver);
    }

    private const string Select = "SELECT a.request_id, a.approver, a.stage, a.decision, a.justification, a.decided_utc AS decided, a.approver_key FROM request_approvals a";

    public static void Insert(UnitOfWork work, Row r)
    {
        // In a Verified store a row the verified log does not hold (written around the module) is no decision: the
        // decider's own one replaces it. In a Lab store the key refuses a second decision.
        if (work.Verified is not null)
            work.Execute("DELETE FROM request_approvals WHERE request_id = @RequestId AND approver_key = @Key", new { r.RequestId, r.Key });
        Write(work, r);
    }

    private static void Write(UnitOfWork work, Row r) => work.Decided(r.RequestId, r.Key, r.Decided, () => work.Execute(
        "INSERT INTO request_approvals (request_id, approver_key, approver, stage, decision, justification, decided_utc) " +
        "VALUES (@RequestId, @Key, @Approver, @Stage, @Decision, @Justification, @Decided)",
        new { r.RequestId, r.Key, r.Approver, r.Stage, r.Decision, r.Justification, r.Decided }));

    /// <summary>The decisions on one request, in the order they were made.</summary>
    public static List<Row> For(UnitOfWork work, Guid requestId)
        => Counted(work, work.Query<Row>(Select + " WHERE a.request_id = @requestId ORDER BY a.decided_utc, a.approver_key", new { requestId }));

    /// <summary>
    /// A request's decisions as one text column of its row: fields split by U+001F, decisions by U+001E (principals and
    /// justifications never hold control characters). Read back with <see cref="Of"/>.
    /// </summary>
    public static string Aggregate(UnitOfWork work) => work.OnPostgres
        ? "COALESCE((SELECT string_agg(a.approver_key || chr(31) || a.approver || chr(31) || a.stage || chr(31) || a.decision || chr(31) || COALESCE(a.justification, '') || chr(31) || a.decided_utc, chr(30)) " +
          "FROM request_approvals a WHERE a.request_id = q.request_id), '')"
        : "COALESCE((SELECT group_concat(a.approver_key || char(31) || a.approver || char(31) || a.stage || char(31) || a.decision || char(31) || COALESCE(a.justification, '') || char(31) || a.decided_utc, char(30)) " +
          "FROM request_approvals a WHERE a.request_id = q.request_id), '')";

    /// <summary>The decisions a request row carries (see <see cref="Aggregate"/>), in the order they were made; in a Verified store only the verified ones.</summary>
    public static List<Row> Of(UnitOfWork work, RequestRow q)
    {
        if (string.IsNullOrEmpty(q.Decisions?.Value)) return [];
        var rows = new List<Row>();
        foreach (var item in q.Decisions.Value.Split('\u001e'))
        {
            var f = item.Split('\u001f');
            if (f.Length != 6 || !long.TryParse(f[2], System.Globalization.CultureInfo.InvariantCulture, out var stage)
                || !long.TryParse(f[5], System.Globalization.CultureInfo.InvariantCulture, out var ticks)) continue;
            rows.Add(new Row(q.Id, f[1], stage, f[3], f[4].Length == 0 ? null : f[4], StoredValue.Time(ticks, "request_approvals", "decided_utc", q.Id), f[0]));
        }
        return Counted(work, rows.OrderBy(r => r.Decided).ThenBy(r => Principal.Fold(r.Approver), StringComparer.Ordinal).ToList());
    }

    /// <summary>
    /// The rows that are decisions: one per approver, under the approver's own key (a row under another key, written
    /// around the module, is no one's); in a Verified store only as the verified log has them.
    /// </summary>
    private static List<Row> Counted(UnitOfWork work, List<Row> rows)
    {
        rows = rows.FindAll(r => r.ApproverKey is null || r.ApproverKey == Principal.Fold(r.Approver));
        return work.Verified is null ? rows : rows.FindAll(r => work.Believes(r));
    }
}
