namespace PimModule.Errors;

internal static partial class PimErrors
{
    public static PimException AssignmentDurationExceedsMaximum(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.InvalidArgument, message, target, recommendedAction, inner);

    public static PimException AssignmentExists(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.ResourceExists, message, target, recommendedAction, inner);

    public static PimException AssignmentNotFound(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.ObjectNotFound, message, target, recommendedAction, inner);

    public static PimException AssignmentNotUpdatable(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.InvalidOperation, message, target, recommendedAction, inner);

    public static PimException EndBeforeStart(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.InvalidArgument, message, target, recommendedAction, inner);

    public static PimException LastAdministrator(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.InvalidOperation, message, target, recommendedAction, inner);

    public static PimException NotAuthorized(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.PermissionDenied, message, target, recommendedAction, inner);

    public static PimException PermanentAssignmentNotAllowed(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.PermissionDenied, message, target, recommendedAction, inner);

    public static PimException ScheduleConflict(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.InvalidArgument, message, target, recommendedAction, inner);

    public static PimException ScheduleRequired(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.InvalidArgument, message, target, recommendedAction, inner);

    public static PimException ScopeInvalid(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.InvalidArgument, message, target, recommendedAction, inner);
}
