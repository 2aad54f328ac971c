namespace PimModule.Errors;

internal static partial class PimErrors
{
    public static PimStoreException ClockSkew(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => MakeStore(PimErrorCategory.InvalidOperation, message, target, recommendedAction, inner);

    public static PimException NotConnected(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.InvalidOperation, message, target, recommendedAction, inner);

    public static PimException ProviderNotSupported(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.NotImplemented, message, target, recommendedAction, inner);

    public static PimException SecretKeyInvalid(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.InvalidData, message, target, recommendedAction, inner);

    public static PimException SecretUnreadable(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.SecurityError, message, target, recommendedAction, inner);

    /// <summary>The store's write lock (or another lock a change needs) stayed held by another session; the message names it where it can.</summary>
    public static PimStoreException StoreBusy(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => MakeStore(PimErrorCategory.ResourceBusy, message, target, recommendedAction, inner);

    public static PimStoreException StoreConnectionStringInvalid(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => MakeStore(PimErrorCategory.InvalidArgument, message, target, recommendedAction, inner);

    public static PimException StoreConnectionStringRequired(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.InvalidArgument, message, target, recommendedAction, inner);

    public static PimStoreException StoreCorrupt(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => MakeStore(PimErrorCategory.InvalidData, message, target, recommendedAction, inner);

    public static PimStoreException StoreError(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => MakeStore(PimErrorCategory.WriteError, message, target, recommendedAction, inner);

    public static PimStoreException StoreFolderNotFound(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => MakeStore(PimErrorCategory.ObjectNotFound, message, target, recommendedAction, inner);

    public static PimStoreException StoreFull(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => MakeStore(PimErrorCategory.LimitsExceeded, message, target, recommendedAction, inner);

    public static PimStoreException StoreInvalid(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => MakeStore(PimErrorCategory.InvalidData, message, target, recommendedAction, inner);

    public static PimException StoreNotEmpty(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.ResourceExists, message, target, recommendedAction, inner);

    public static PimStoreException StoreNotReadable(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => MakeStore(PimErrorCategory.PermissionDenied, message, target, recommendedAction, inner);

    /// <summary>A Verified PostgreSQL store refuses day-to-day changes from a login that owns its schema or is a superuser.</summary>
    public static PimStoreException StoreOwnerLogin(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => MakeStore(PimErrorCategory.PermissionDenied, message, target, recommendedAction, inner);

    public static PimStoreException StoreNotWritable(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => MakeStore(PimErrorCategory.PermissionDenied, message, target, recommendedAction, inner);

    public static PimException StorePathRequired(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.InvalidArgument, message, target, recommendedAction, inner);

    public static PimException StoreSchemaMismatch(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.InvalidOperation, message, target, recommendedAction, inner);

    public static PimStoreException StoreSchemaTooNew(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => MakeStore(PimErrorCategory.InvalidData, message, target, recommendedAction, inner);

    /// <summary>A Verified store sealed under rules a newer PimModule decides by: this one cannot judge its records.</summary>
    public static PimStoreException StoreRulesTooNew(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => MakeStore(PimErrorCategory.InvalidData, message, target, recommendedAction, inner);

    public static PimStoreException StoreUnavailable(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => MakeStore(PimErrorCategory.ResourceUnavailable, message, target, recommendedAction, inner);

    public static PimException FileExists(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.ResourceExists, message, target, recommendedAction, inner);

    /// <summary>A path the module would write a file at that is not a regular file nor a new one (a folder, a device, a pipe, a link to nothing).</summary>
    public static PimException FilePathInvalid(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.InvalidArgument, message, target, recommendedAction, inner);

    public static PimException FileNotWritable(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.WriteError, message, target, recommendedAction, inner);
}
