namespace PimModule.Errors;

internal static partial class PimErrors
{
    public static PimException ActivationDurationOutOfRange(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.InvalidArgument, message, target, recommendedAction, inner);

    public static PimException AuthenticationContextInvalid(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.InvalidArgument, message, target, recommendedAction, inner);

    public static PimException AuthenticationContextNotApplicable(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.InvalidArgument, message, target, recommendedAction, inner);

    public static PimException AuthenticationContextRequired(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.InvalidArgument, message, target, recommendedAction, inner);

    public static PimException ExpirationOutOfRange(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.InvalidArgument, message, target, recommendedAction, inner);

    public static PimException RecipientInvalid(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.InvalidArgument, message, target, recommendedAction, inner);

    public static PimException SettingFileInvalid(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.InvalidData, message, target, recommendedAction, inner);

    public static PimException SettingFileNotFound(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.ReadError, message, target, recommendedAction, inner);

    public static PimException SettingFileNotReadable(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.ReadError, message, target, recommendedAction, inner);

    public static PimException SettingFileNotWritable(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.WriteError, message, target, recommendedAction, inner);

    public static PimException SettingFileTooNew(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.InvalidData, message, target, recommendedAction, inner);
}
