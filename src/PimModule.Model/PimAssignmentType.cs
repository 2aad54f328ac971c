namespace PimModule;

public enum PimAssignmentType
{
    Eligible,
    Active,
}
