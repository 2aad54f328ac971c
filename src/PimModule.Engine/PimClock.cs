namespace PimModule;

/// <summary>
/// The module's clock: the system's, unless $env:PIM_TEST_UTCNOW holds an ISO 8601 time, read at every call —
/// the test hook that lets a script (and the Pester suite) move time without sleeping. Set it only in tests:
/// every record written meanwhile carries that time.
/// </summary>
public sealed class PimClock : TimeProvider
{
    public const string Variable = "PIM_TEST_UTCNOW";
    public static readonly PimClock Instance = new();

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
