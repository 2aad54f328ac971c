namespace PimModule.Storage;

// The requests SQL of the store's overview, maintenance and completion (area "Tables"); the lead folds it into
// RequestsTable.cs and reconciles PendingAt / LapsedAt with the requests helper's.
internal static partial class RequestsTable
{
    /// <summary>
    /// Still pending at @now: awaiting approval and made within the last 24 hours (Limits.PendingRequestLifetime); bind
    /// the cut with <see cref="PendingCut"/>. A pending request older than that has lapsed (<see cref="LapsedPendingAt"/>)
    /// and maintenance marks it Expired.
    /// </summary>
    public const string PendingAtSql = "status = 'PendingApproval' AND created_utc > @pendingCut";

    /// <summary>Awaiting approval but made 24 hours or more before @now: lapsed (the complement of <see cref="PendingAtSql"/>).</summary>
    public const string LapsedPendingAt = "status = 'PendingApproval' AND created_utc <= @pendingCut";

    /// <summary>The @pendingCut of <see cref="PendingAtSql"/> at <paramref name="now"/>.</summary>
    public static DateTime PendingCut(DateTime now) => now - Limits.PendingRequestLifetime;

    /// <summary>A lapsed request as maintenance expires it.</summary>
    internal sealed record LapsedRow(Guid RequestId, DateTime CreatedUtc, Guid RoleId, string Principal);

    public static long CountPendingAt(UnitOfWork work, DateTime now)
        => work.Scalar<long>("SELECT COUNT(*) FROM requests WHERE " + PendingAtSql, new { pendingCut = PendingCut(now) });

    /// <summary>The requests still awaiting approval 24 hours after they were made.</summary>
    public static List<LapsedRow> LapsedAt(UnitOfWork work, DateTime now) => work.Query<LapsedRow>(
        "SELECT request_id, created_utc, role_id, principal FROM requests WHERE " + LapsedPendingAt, new { pendingCut = PendingCut(now) });

    /// <summary>Marks a request that is still pending Expired, decided at <paramref name="decided"/>; the rows changed.</summary>
    public static int Expire(UnitOfWork work, Guid requestId, DateTime decided) => work.Execute(
        "UPDATE requests SET status = 'Expired', decided_utc = @decided WHERE request_id = @requestId AND status = 'PendingApproval'",
        new { decided, requestId });

    /// <summary>Deletes the decided requests made and decided before <paramref name="cut"/> (pending ones stay).</summary>
    public static int DeleteDecidedBefore(UnitOfWork work, DateTime cut) => work.Execute(
        "DELETE FROM requests WHERE status <> 'PendingApproval' AND created_utc < @cut AND (decided_utc IS NULL OR decided_utc < @cut)", new { cut });

    /// <summary>The principals who made requests, in order (completion), at most <paramref name="max"/>.</summary>
    public static List<string> KnownPrincipals(UnitOfWork work, int max)
        => work.Query<string>("SELECT DISTINCT principal FROM requests ORDER BY 1 LIMIT @max", new { max = (long)max });
}
