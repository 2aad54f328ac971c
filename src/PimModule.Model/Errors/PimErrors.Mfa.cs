namespace PimModule.Errors;

internal static partial class PimErrors
{
    public static PimException MfaAlreadyRegistered(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.ResourceExists, message, target, recommendedAction, inner);

    public static PimException MfaCodeUnavailable(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.PermissionDenied, message, target, recommendedAction, inner);

    public static PimException MfaCodeReused(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.SecurityError, message, target, recommendedAction, inner);

    public static PimException MfaInvalid(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.SecurityError, message, target, recommendedAction, inner);

    public static PimException MfaLocked(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.SecurityError, message, target, recommendedAction, inner);

    public static PimException MfaNotRegistered(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.PermissionDenied, message, target, recommendedAction, inner);

    public static PimException MfaRequired(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.PermissionDenied, message, target, recommendedAction, inner);

    public static PimException MfaSecretInvalid(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.SecurityError, message, target, recommendedAction, inner);
}
