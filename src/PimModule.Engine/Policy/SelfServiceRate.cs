using PimModule.Storage;
using PimModule.Audit.Events;
using PimModule.Audit;
using PimModule.Errors;

namespace PimModule.Policy;

/// <summary>
/// The write-side throttle of self-service writes (<see cref="Limits.SelfServiceWrites"/>; issue 28, finding 5). Each
/// self-service operation calls <see cref="Check"/> first, inside its write transaction: the count comes from the audit
/// log (the acting principal's own self-service records, by record time), which the providers' write lock serialises,
/// so two windows or two processes of one principal share one count. Over a limit, the refusal is PimRateLimited; the
/// first refusal of a window is written as one RateLimited audit record (committed, then refused, as a refused MFA code
/// is), and every later one in that window writes nothing. A Verified store's verifier does not replay the limit (it is
/// not a rule of who may hold what); it verifies the RateLimited record as its sealer's own.
/// </summary>
internal static class SelfServiceRate
{
    /// <summary>The audit action of a principal's first refused self-service write in a window.</summary>
    public const string Action = "RateLimited";

    /// <summary>Refuses <paramref name="what"/> (PimRateLimited) when the acting principal has used up a limit.</summary>
    public static void Check(UnitOfWork work, string what)
    {
        var key = Identity.Principal.Fold(work.Actor);
        foreach (var (writes, window) in Limits.SelfServiceWrites)
        {
            var from = work.Now - window;
            var newest = AuditLogTable.SelfServiceTimes(work, key, from, writes);
            if (newest.Count < writes) continue;
            // When the oldest of the newest <writes> leaves the window, one more fits.
            var retry = newest[^1] + window;
            var refusal = PimErrors.RateLimited(
                $"{work.Actor} made {writes} self-service writes (MFA registration, own key, activation, deactivation, extension or renewal requests, " +
                $"cancellations) in the last {Span(window)}: at most {writes} are accepted in {Span(window)}, so '{what}' was refused and nothing of it was written (the first refusal in a window is audited once, as RateLimited).",
                work.Actor, $"Try again after {retry:u} (UTC). If a runbook needs more, spread its work out; administrators change others' assignments without this limit.");
            if (AuditLogTable.HasSince(work, key, Action, from)) throw refusal;
            // The plan on a read (before -Confirm asks): the write that follows records the first refusal and refuses.
            if (work.Transaction is null) return;
            AuditLog.Append(work, new RateLimited(new RateLimit(work.Actor, what, writes, window.ToString("c"), retry)));
            throw new RecordedRefusal(refusal);
        }
    }

    private static string Span(TimeSpan t) => t.TotalDays >= 1 && t.TotalDays % 1 == 0 ? $"{t.TotalDays:0} day{(t.TotalDays == 1 ? "" : "s")}"
        : t.TotalHours >= 1 && t.TotalHours % 1 == 0 ? $"{t.TotalHours:0} hour{(t.TotalHours == 1 ? "" : "s")}" : $"{t.TotalMinutes:0} minutes";
}

/// <summary>A refusal whose audit record is committed before it is thrown (<see cref="PimStore"/>'s write path).</summary>
internal sealed class RecordedRefusal(PimException refusal) : Exception(refusal.Message, refusal)
{
    public PimException Refusal { get; } = refusal;
}
