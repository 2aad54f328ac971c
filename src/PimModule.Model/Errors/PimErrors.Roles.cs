namespace PimModule.Errors;

internal static partial class PimErrors
{
    public static PimException BuiltInRoleNotRemovable(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.InvalidOperation, message, target, recommendedAction, inner);

    public static PimException RoleExists(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.ResourceExists, message, target, recommendedAction, inner);

    public static PimException RoleInUse(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.InvalidOperation, message, target, recommendedAction, inner);

    public static PimException RoleNameInvalid(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.InvalidArgument, message, target, recommendedAction, inner);

    public static PimException RoleNotFound(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.ObjectNotFound, message, target, recommendedAction, inner);

    /// <summary>PimRoleNotFound for a name or id that names no role: the one message of the engine and the cmdlets.</summary>
    public static PimException RoleNotFound(PimRoleReference reference)
        => RoleNotFound($"There is no role '{reference}' in the store.", reference.ToString(),
            "Check the name with Get-PimRole (tab completion lists the roles), or give the role's id.");

    public static PimException RoleRequired(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.InvalidArgument, message, target, recommendedAction, inner);
}
