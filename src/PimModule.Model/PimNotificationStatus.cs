namespace PimModule;

public enum PimNotificationStatus
{
    Pending,
    Sent,
    Failed,
}
