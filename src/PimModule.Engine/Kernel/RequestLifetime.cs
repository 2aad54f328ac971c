using PimModule.Policy;

namespace PimModule.Kernel;

/// <summary>
/// How long a request waits for a decision — the one definition of "pending" that the tables (in memory and as SQL), the
/// write path, maintenance and the state replay call: each approval stage has <see cref="Limits.PendingRequestLifetime"/>
/// (24 hours) from when the request reached it; after that it is expired, decided or not.
/// </summary>
internal static class RequestLifetime
{
    /// <summary>When a request in a stage that began at <paramref name="stageStart"/> expires if nobody decides it.</summary>
    public static DateTime ExpiresAt(DateTime stageStart) => stageStart + Limits.PendingRequestLifetime;

    /// <summary>Whether a request with <paramref name="status"/> whose stage began at <paramref name="stageStart"/> is pending at <paramref name="at"/>.</summary>
    public static bool IsPending(PimRequestStatus status, DateTime stageStart, DateTime at)
        => status == PimRequestStatus.PendingApproval && at < ExpiresAt(stageStart);

    /// <summary>Whether a still-pending request is past its lifetime at <paramref name="at"/>: it reads as expired, and anyone may mark it so.</summary>
    public static bool HasExpired(DateTime stageStart, DateTime at) => at >= ExpiresAt(stageStart);

    private static readonly string Ticks = Limits.PendingRequestLifetime.Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary><see cref="IsPending"/> as SQL over the requests table (alias q) at @now.</summary>
    public static readonly string PendingSql = $"(q.status = 'PendingApproval' AND q.stage_started_utc > @now - {Ticks})";

    /// <summary>Stored as pending, but past its lifetime at @now (reads as Expired until maintenance marks it so), as SQL.</summary>
    public static readonly string ExpiredUndecidedSql = $"(q.status = 'PendingApproval' AND q.stage_started_utc <= @now - {Ticks})";
}
