namespace PimModule;

/// <summary>What Invoke-PimMaintenance did.</summary>
public sealed class PimMaintenanceResult
{
    public DateTime AsOf { get; init; }
    public int RequestsExpired { get; init; }
    public int NoticesQueued { get; init; }
    public int RequestsPruned { get; init; }
    public int AssignmentsPruned { get; init; }
    public int NotificationsPruned { get; init; }
    /// <summary>Weekly digest mails queued to administrators (the first run of each ISO week queues them; later runs none).</summary>
    public int DigestsQueued { get; init; }
    /// <summary>Access reviews with -AutoApply whose end passed, completed and applied by this run.</summary>
    public int AccessReviewsCompleted { get; init; }
    /// <summary>Next occurrences of recurring access reviews started by this run (each once, whoever runs first).</summary>
    public int AccessReviewsStarted { get; init; }
    /// <summary>The snapshot sealed by -Snapshot (null without it).</summary>
    public PimSnapshot? Snapshot { get; set; }
}
