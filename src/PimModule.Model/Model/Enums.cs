namespace PimModule;

public enum PimAssignmentType
{
    Eligible,
    Active,
}

/// <summary>Direct: assigned by an administrator. Activated: an active assignment made by activating an eligible one.</summary>
public enum PimMemberType
{
    Direct,
    Activated,
}

public enum PimAssignmentState
{
    Active,
    Scheduled,
    Expired,
    All,
}

/// <summary>The names of Graph's unifiedRoleScheduleRequestActions.</summary>
public enum PimRequestAction
{
    AdminAssign,
    AdminUpdate,
    AdminRemove,
    AdminExtend,
    AdminRenew,
    SelfActivate,
    SelfDeactivate,
    SelfExtend,
    SelfRenew,
}

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
