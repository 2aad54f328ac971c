namespace PimModule.Errors;

internal static partial class PimErrors
{
    public static PimException AlertSettingInvalid(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.InvalidArgument, message, target, recommendedAction, inner);

    public static PimException AlertTypeUnknown(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.InvalidArgument, message, target, recommendedAction, inner);

    public static PimException MailInsecure(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.SecurityError, message, target, recommendedAction, inner);

    public static PimException MailNotConfigured(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.InvalidOperation, message, target, recommendedAction, inner);

    /// <summary>A notification to a recipient that is not a mail address (the operating-system user, say): queued as Failed with this reason, never dropped.</summary>
    public static PimException RecipientUndeliverable(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.InvalidData, message, target, recommendedAction, inner);

    public static PimException MailSettingInvalid(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.InvalidArgument, message, target, recommendedAction, inner);
}
