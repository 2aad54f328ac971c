namespace PimModule.Kernel;

/// <summary>
/// How long history is kept — the one rule Invoke-PimMaintenance and the state replay call: what ended (an assignment, a
/// decided request, a sent notice) is pruned only once it is <see cref="Window"/> old.
/// </summary>
internal static class RetentionRules
{
    /// <summary>How long what ended is kept.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromDays(30);

    /// <summary>The leeway between the time a pruning computes its cut and the time its record is sealed.</summary>
    private static readonly TimeSpan Leeway = TimeSpan.FromMinutes(1);

    /// <summary>What a pruning at <paramref name="at"/> removes: what ended before this.</summary>
    public static DateTime Cut(DateTime at) => at - Window;

    /// <summary>Whether a pruning made at <paramref name="at"/> may remove what ended before <paramref name="cut"/>.</summary>
    /// (In ticks: a record may claim any time, year 1 too, and is judged, never thrown on.)
    public static bool MayPruneBefore(DateTime cut, DateTime at) => cut.Ticks <= at.Ticks - Window.Ticks + Leeway.Ticks;
}
