namespace PimModule.Errors;

internal static partial class PimErrors
{
    public static PimException AlreadyActive(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.ResourceExists, message, target, recommendedAction, inner);

    /// <summary>A principal who already decided a request (at any stage) deciding it again.</summary>
    public static PimException AlreadyDecided(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.PermissionDenied, message, target, recommendedAction, inner);

    public static PimException CannotDecideOwnRequest(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.PermissionDenied, message, target, recommendedAction, inner);

    public static PimException DeactivationTooSoon(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.InvalidOperation, message, target, recommendedAction, inner);

    public static PimException DurationExceedsMaximum(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.InvalidArgument, message, target, recommendedAction, inner);

    public static PimException JustificationRequired(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.InvalidArgument, message, target, recommendedAction, inner);

    public static PimException NotActive(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.ObjectNotFound, message, target, recommendedAction, inner);

    public static PimException NotApprover(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.PermissionDenied, message, target, recommendedAction, inner);

    public static PimException NotEligible(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.PermissionDenied, message, target, recommendedAction, inner);

    public static PimException NotOwnAssignment(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.PermissionDenied, message, target, recommendedAction, inner);

    public static PimException NotRequester(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.PermissionDenied, message, target, recommendedAction, inner);

    public static PimException RequestIdInvalid(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.InvalidArgument, message, target, recommendedAction, inner);

    /// <summary>A principal made more self-service writes in a window than <c>Limits.SelfServiceWrites</c> allows.</summary>
    public static PimException RateLimited(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.LimitsExceeded, message, target, recommendedAction, inner);

    public static PimException RequestLimitReached(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.LimitsExceeded, message, target, recommendedAction, inner);

    public static PimException RequestNotFound(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.ObjectNotFound, message, target, recommendedAction, inner);

    /// <summary>PimRequestNotFound for a request id that names no request: the one message of the engine and the cmdlets.</summary>
    public static PimException RequestNotFound(Guid requestId)
        => RequestNotFound($"There is no request with id {requestId}.", requestId, "List requests with Get-PimRequest.");

    public static PimException RequestNotPending(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.InvalidOperation, message, target, recommendedAction, inner);

    public static PimException RequestPending(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.ResourceExists, message, target, recommendedAction, inner);

    public static PimException StartInvalid(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.InvalidArgument, message, target, recommendedAction, inner);

    public static PimException TicketRequired(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.InvalidArgument, message, target, recommendedAction, inner);
}
