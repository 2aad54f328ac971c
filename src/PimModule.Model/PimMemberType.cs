namespace PimModule;

/// <summary>Direct: assigned by an administrator. Activated: an active assignment made by activating an eligible one.</summary>
public enum PimMemberType
{
    Direct,
    Activated,
}
