namespace PimModule.Kernel;

/// <summary>
/// The version of the rules a change was decided under. Every seal names it (its payload's <c>rules</c>; a seal of an
/// earlier PimModule names none: version 1), and the replay judges each sealed record under its seal's version. A later
/// issue that changes what a rule decides (groups, provisioning) adds a version and decides by it where the two differ;
/// it never changes what an earlier version decides, so an old record means what it meant when it was sealed. A store
/// holding a seal of a version this PimModule does not know is refused (PimStoreRulesTooNew): its records cannot be
/// judged here, and are not guessed at.
/// </summary>
internal static class RulesVersion
{
    /// <summary>The first version (every seal before versions were named).</summary>
    public const int First = 1;

    /// <summary>What this PimModule decides under, and the newest it can judge.</summary>
    public const int Current = 1;

    public static bool Knows(int version) => version is >= First and <= Current;
}
