namespace PimModule.Errors;

internal static partial class PimErrors
{
    public static PimException CredentialInvalid(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.InvalidData, message, target, recommendedAction, inner);

    public static PimException CredentialPassphraseInvalid(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.SecurityError, message, target, recommendedAction, inner);

    public static PimException SealInvalid(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.SecurityError, message, target, recommendedAction, inner);

    public static PimStoreException StoreTrustChanged(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => MakeStore(PimErrorCategory.SecurityError, message, target, recommendedAction, inner);

    public static PimStoreException StoreRolledBack(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => MakeStore(PimErrorCategory.SecurityError, message, target, recommendedAction, inner);

    public static PimException CredentialExists(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.ResourceExists, message, target, recommendedAction, inner);

    public static PimException CredentialNotFound(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.ObjectNotFound, message, target, recommendedAction, inner);

    public static PimException CredentialNotRegistered(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.SecurityError, message, target, recommendedAction, inner);

    public static PimException IdentityModeMismatch(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.InvalidOperation, message, target, recommendedAction, inner);

    public static PimException CredentialInUse(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.ResourceExists, message, target, recommendedAction, inner);

    public static PimException CredentialRevoked(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.SecurityError, message, target, recommendedAction, inner);

    public static PimException CredentialRebindRefused(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.PermissionDenied, message, target, recommendedAction, inner);

    public static PimStoreException StoreTampered(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => MakeStore(PimErrorCategory.SecurityError, message, target, recommendedAction, inner);

    public static PimException CredentialIsRoot(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.PermissionDenied, message, target, recommendedAction, inner);
}
