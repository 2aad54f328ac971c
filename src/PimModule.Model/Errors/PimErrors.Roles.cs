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

    public static PimException RoleRequired(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.InvalidArgument, message, target, recommendedAction, inner);
}
