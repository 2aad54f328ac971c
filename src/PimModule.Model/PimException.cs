namespace PimModule;

/// <summary>What kind of refusal an engine error is; the module maps it to PowerShell's ErrorCategory.</summary>
public enum PimErrorCategory
{
    NotSpecified,
    InvalidArgument,
    InvalidData,
    InvalidOperation,
    ObjectNotFound,
    ResourceExists,
    PermissionDenied,
    SecurityError,
    ResourceUnavailable,
    ReadError,
    WriteError,
    OperationTimeout,
    LimitsExceeded,
    NotImplemented,
    /// <summary>The store is held by another session (PimStoreBusy); PowerShell's ErrorCategory.ResourceBusy.</summary>
    ResourceBusy,
}

/// <summary>
/// The one error type the engine throws for a refusal. <see cref="ErrorId"/> is stable: it becomes the
/// first part of the ErrorRecord's FullyQualifiedErrorId. The message says what happened and what to change;
/// <see cref="RecommendedAction"/> says it in one line.
/// </summary>
public class PimException : Exception
{
    public PimException(string errorId, PimErrorCategory category, string message, object? target = null,
        string? recommendedAction = null, Exception? inner = null)
        : base(message, inner)
    {
        ErrorId = errorId;
        Category = category;
        Target = target;
        RecommendedAction = recommendedAction;
    }

    public string ErrorId { get; }
    public PimErrorCategory Category { get; }
    public object? Target { get; }
    public string? RecommendedAction { get; }
}

/// <summary>A failure of the store itself (I/O, corruption, a provider error the engine could not classify).</summary>
public sealed class PimStoreException : PimException
{
    public PimStoreException(string errorId, PimErrorCategory category, string message, object? target = null,
        string? recommendedAction = null, Exception? inner = null)
        : base(errorId, category, message, target, recommendedAction, inner) { }
}
