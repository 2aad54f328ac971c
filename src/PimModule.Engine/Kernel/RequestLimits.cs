using PimModule.Policy;

namespace PimModule.Kernel;

/// <summary>Why a principal may not add an activation request to those already waiting.</summary>
internal enum PendingRefusal
{
    /// <summary>A request of the role at the same scope waits already.</summary>
    SameScope,
    /// <summary><see cref="Limits.MaxPendingActivationsPerRole"/> requests of the role wait already.</summary>
    TooMany,
}

/// <summary>
/// How many activation requests one principal may have waiting — the one rule Request-PimActivation and the state replay
/// call: one per scope of a role, and at most <see cref="Limits.MaxPendingActivationsPerRole"/> of a role at once (scopes are
/// free text; without a bound, one principal could fill the approvers' queue).
/// </summary>
internal static class RequestLimits
{
    /// <summary>Why a new request at <paramref name="scope"/> may not join <paramref name="pendingScopes"/> (the scopes of the principal's requests of the role pending then); null when it may.</summary>
    public static PendingRefusal? WhyNot(IReadOnlyCollection<string?> pendingScopes, string scope)
        => pendingScopes.Any(s => string.Equals(s, scope, StringComparison.OrdinalIgnoreCase)) ? PendingRefusal.SameScope
            : pendingScopes.Count >= Limits.MaxPendingActivationsPerRole ? PendingRefusal.TooMany
            : null;
}
