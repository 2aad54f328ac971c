using PimModule.Errors;

namespace PimModule.Storage;

/// <summary>
/// Which clock stamps a change. The module users load reads the system clock only; on PostgreSQL the server's clock
/// stamps every change and a client whose clock is more than <see cref="MaxSkew"/> off it is refused, so one machine
/// with a wrong clock cannot back-date a shared store. Test builds (configuration TestHooks) may inject another clock.
/// </summary>
internal static class StoreClock
{
    public static readonly TimeSpan MaxSkew = TimeSpan.FromMinutes(5);

#if PIM_TEST_HOOKS
    /// <summary>Test build: the clock the Pester suite moves.</summary>
    public static TimeProvider Default => Testing.EnvironmentTestClock.Instance;

    /// <summary>Test build: an injected clock (FakeTimeProvider, the environment clock) stands in for the server's too.</summary>
    public static bool StampsWithClient(TimeProvider clock) => !ReferenceEquals(clock, TimeProvider.System);
#else
    public static TimeProvider Default => TimeProvider.System;

    public static bool StampsWithClient(TimeProvider clock) => false;
#endif

    /// <summary>Refuses a client clock too far from the server's (PimClockSkew).</summary>
    public static DateTime CheckSkew(DateTime server, TimeProvider client, string location)
    {
        var mine = client.GetUtcNow().UtcDateTime;
        var skew = mine - server;
        if (skew.Duration() > MaxSkew)
            throw PimErrors.ClockSkew($"This computer's clock ({mine:u}) is {Math.Abs(skew.TotalMinutes):0} minutes {(skew > TimeSpan.Zero ? "ahead of" : "behind")} " +
                $"the store server's ({server:u}); changes are refused while they differ by more than {MaxSkew.TotalMinutes:0} minutes, " +
                "so that no client can stamp a shared store with a wrong time. Nothing was changed.",
                location, "Synchronise this computer's clock (NTP), then try again.");
        return server;
    }
}
