namespace PimModule.Policy;

/// <summary>Fixed rules of PIM that are not per-role settings.</summary>
public static class Limits
{
    /// <summary>A pending request that nobody decides within this time is Expired.</summary>
    public static readonly TimeSpan PendingRequestLifetime = TimeSpan.FromHours(24);

    /// <summary>How many activation requests of one role (at different scopes) one principal may have waiting at once.</summary>
    public const int MaxPendingActivationsPerRole = 5;

    /// <summary>
    /// How many self-service writes — what a principal may write about themselves without an administrative role:
    /// registering their own MFA method, binding their own new key, requesting an activation, deactivating early,
    /// asking for an extension or renewal, canceling their own request — one principal may make within each window
    /// (issue 28, finding 5). Counted from the audit log, per principal key, inside the write transaction (so several
    /// windows or processes of one person share one count), by record time. The next one is refused (PimRateLimited);
    /// the first refusal in a window is audited as one RateLimited record, later ones write nothing. Administrators'
    /// changes of others (assignments, bulk imports, resets) are not self-service and not limited.
    /// </summary>
    /// <remarks>
    /// 100 in 10 minutes: a person activates a few roles a day, and the busiest honest use seen (one person's console and
    /// runbook registering 40 times each; a runbook activating one role at a few dozen scopes) stays well below; a
    /// principal flooding the log (150 registrations in 1.7 s, issue 28) is held to one every 6 seconds. 1,000 a day:
    /// a runbook that activates and deactivates every 5 minutes around the clock makes 576; the flood is held to 1,000
    /// records (about 3 MB) a principal a day, which every connect of a Verified store then verifies.
    /// </remarks>
    public static readonly IReadOnlyList<(int Writes, TimeSpan Window)> SelfServiceWrites =
    [
        (100, TimeSpan.FromMinutes(10)),
        (1000, TimeSpan.FromDays(1)),
    ];

    /// <summary>Expired assignments are listed for this long after they end.</summary>
    public static readonly TimeSpan ExpiredAssignmentVisibility = TimeSpan.FromDays(30);

    /// <summary>
    /// How long a change waits for a PostgreSQL store's write lock (pim_write_lock), or any other lock it needs, before it
    /// is refused with PimStoreBusy naming the session that holds it (lock_timeout; no retry).
    /// </summary>
    public static readonly TimeSpan StoreWriteLockWait = TimeSpan.FromSeconds(10);
}
