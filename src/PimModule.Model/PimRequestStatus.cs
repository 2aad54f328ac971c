namespace PimModule;

public enum PimRequestStatus
{
    PendingApproval,
    Provisioned,
    Denied,
    Canceled,
    Expired,
    Revoked,
    Failed,
}
