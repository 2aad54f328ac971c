namespace PimModule.Errors;

internal static partial class PimErrors
{
    /// <summary>No group has that name, id or key.</summary>
    public static PimException GroupNotFound(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.ObjectNotFound, message, target, recommendedAction, inner);

    /// <summary>A display name two or more groups share: a group given by name must be one group.</summary>
    public static PimException GroupAmbiguous(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.InvalidArgument, message, target, recommendedAction, inner);

    /// <summary>A group with that object id exists already.</summary>
    public static PimException GroupExists(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.ResourceExists, message, target, recommendedAction, inner);

    /// <summary>Entra's limit of 500 role-assignable groups is reached.</summary>
    public static PimException GroupLimitReached(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.LimitsExceeded, message, target, recommendedAction, inner);

    /// <summary>A member a group may not have: a group in a role-assignable group, a group that would hold itself.</summary>
    public static PimException GroupMemberInvalid(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.InvalidOperation, message, target, recommendedAction, inner);

    /// <summary>The principal is a member of the group already.</summary>
    public static PimException GroupMemberExists(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.ResourceExists, message, target, recommendedAction, inner);

    /// <summary>A role assignment of a group that is not role-assignable, or of a kind this PimModule does not make for groups yet.</summary>
    public static PimException GroupNotRoleAssignable(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.InvalidOperation, message, target, recommendedAction, inner);

    /// <summary>A role assignment a role-assignable group may hold in Entra and this PimModule does not make yet (eligible, or of an administrator role).</summary>
    public static PimException GroupRoleNotSupported(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.NotImplemented, message, target, recommendedAction, inner);

    /// <summary>A group that still holds role assignments (Remove-PimGroup): they are removed first.</summary>
    public static PimException GroupInUse(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.InvalidOperation, message, target, recommendedAction, inner);

    /// <summary>The principal is not a member of the group.</summary>
    public static PimException GroupMemberNotFound(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.ObjectNotFound, message, target, recommendedAction, inner);
}
