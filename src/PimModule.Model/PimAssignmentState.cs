namespace PimModule;

public enum PimAssignmentState
{
    Active,
    Scheduled,
    Expired,
    All,
}
