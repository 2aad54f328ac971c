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
}
