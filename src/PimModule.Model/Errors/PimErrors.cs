using System.Runtime.CompilerServices;

namespace PimModule.Errors;

/// <summary>
/// The one factory of the module's refusals. Every error id is made here, one way: "Pim" + the name of the method that
/// builds it (so an id is never a string literal anywhere, and one id always comes with its one category, message
/// shape and recommended action). The engine throws what these return; the cmdlets build their own refusals here too,
/// never copying a message. Split by area into partial files (PimErrors.&lt;Area&gt;.cs); <see cref="IdOf"/> gives the id
/// of a method for the few places that compare ids.
/// </summary>
internal static partial class PimErrors
{
    /// <summary>The error id of the factory method named <paramref name="method"/> (use with nameof).</summary>
    public static string IdOf(string method) => "Pim" + method;

    /// <summary>The same refusal (id, category, target) told with more: the message and action are replaced.</summary>
    public static PimException Retold(PimException refusal, string message, string? recommendedAction)
        => refusal is PimStoreException
            ? new PimStoreException(refusal.ErrorId, refusal.Category, message, refusal.Target, recommendedAction, refusal.InnerException)
            : new PimException(refusal.ErrorId, refusal.Category, message, refusal.Target, recommendedAction, refusal.InnerException);

    /// <summary>A failure of the store while writing a batch: the cause's id and category when it has one, else PimStoreError.</summary>
    public static PimStoreException BatchFailed(PimException? cause, string message, object? target, string? recommendedAction, Exception inner)
        => cause is null
            ? StoreError(message, target, recommendedAction, inner)
            : new PimStoreException(cause.ErrorId, cause.Category, message, target, recommendedAction ?? cause.RecommendedAction, inner);

    private static PimException Make(PimErrorCategory category, string message, object? target, string? recommendedAction,
        Exception? inner = null, [CallerMemberName] string method = "")
        => new(IdOf(method), category, message, target, recommendedAction, inner);

    private static PimStoreException MakeStore(PimErrorCategory category, string message, object? target, string? recommendedAction,
        Exception? inner = null, [CallerMemberName] string method = "")
        => new(IdOf(method), category, message, target, recommendedAction, inner);
}
