#if PIM_TEST_HOOKS
namespace PimModule.Testing;

/// <summary>
/// TEST BUILD ONLY (configuration TestHooks, out/test/PimModule): compiled out of the module users load. A clock that
/// reads an ISO 8601 time from an environment variable at every call, so the Pester suite can move time without sleeping.
/// </summary>
internal sealed class EnvironmentTestClock : TimeProvider
{
    public const string Variable = "PIM_TEST_UTCNOW";
    public static readonly EnvironmentTestClock Instance = new();

    public override DateTimeOffset GetUtcNow()
    {
        var text = Environment.GetEnvironmentVariable(Variable);
        if (!string.IsNullOrWhiteSpace(text)
            && DateTimeOffset.TryParse(text, global::System.Globalization.CultureInfo.InvariantCulture,
                global::System.Globalization.DateTimeStyles.AssumeUniversal, out var t))
            return t.ToUniversalTime();
        return base.GetUtcNow();
    }
}
#endif
