namespace PimModule.Policy;

/// <summary>Fixed rules of PIM that are not per-role settings.</summary>
public static class Limits
{
    /// <summary>A pending request that nobody decides within this time is Expired.</summary>
    public static readonly TimeSpan PendingRequestLifetime = TimeSpan.FromHours(24);

    /// <summary>How many activation requests of one role (at different scopes) one principal may have waiting at once.</summary>
    public const int MaxPendingActivationsPerRole = 5;

    /// <summary>Expired assignments are listed for this long after they end.</summary>
    public static readonly TimeSpan ExpiredAssignmentVisibility = TimeSpan.FromDays(30);

    /// <summary>
    /// How long a change waits for a PostgreSQL store's write lock (pim_write_lock), or any other lock it needs, before it
    /// is refused with PimStoreBusy naming the session that holds it (lock_timeout; no retry).
    /// </summary>
    public static readonly TimeSpan StoreWriteLockWait = TimeSpan.FromSeconds(10);
}
