namespace PimModule;

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
