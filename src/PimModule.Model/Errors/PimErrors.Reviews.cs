namespace PimModule.Errors;

internal static partial class PimErrors
{
    public static PimException AccessReviewNotFound(Guid id)
        => Make(PimErrorCategory.ObjectNotFound, $"There is no access review with id {id}.", id, "List the reviews with Get-PimAccessReview.");

    public static PimException AccessReviewItemNotFound(Guid id)
        => Make(PimErrorCategory.ObjectNotFound, $"There is no access review item with id {id}.", id,
            "List the items to decide with Get-PimAccessReviewItem -PendingMyDecision.");

    public static PimException AccessReviewInvalid(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.InvalidArgument, message, target, recommendedAction, inner);

    public static PimException AccessReviewClosed(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.InvalidOperation, message, target, recommendedAction, inner);

    public static PimException AccessReviewNotReviewer(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.PermissionDenied, message, target, recommendedAction, inner);

    public static PimException AccessReviewOwnAssignment(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.PermissionDenied, message, target, recommendedAction, inner);

    public static PimException AccessReviewUnverified(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.SecurityError, message, target, recommendedAction, inner);
}
