using Microsoft.Data.Sqlite;
using PimModule.Assignments;
using PimModule.Checkpoint;
using PimModule.Identity.Keys;
using PimModule.Kernel;
using PimModule.Policy;
using PimModule.Requests;
using PimModule.Reviews;

namespace PimModule.Verification;

/// <summary>
/// The state replay: each verified record, in the chain's order, is decided by its kind's decider from the state replayed so
/// far (never from the store's tables) — <see cref="AssignmentRecords"/>, <see cref="RequestRecords"/>,
/// <see cref="ReviewRecords"/> and <see cref="SettingRecords"/>, which live beside their writers and ask the kernel — and
/// what counts is applied to the checkpoint (<see cref="CheckpointTables.Evolve"/>). A record whose time the time rule does
/// not believe changes nothing. A record its actor was not entitled to counts for nothing, and is noted
/// (Test-PimAuditLog reports it). The genesis transaction and the Lab past a Protect-PimStore endorsed are applied as they are.
/// </summary>
/// <param name="watchFrom">The first record of a session's own change (PrepareOwn): the first of those that counts for nothing is <see cref="OwnRefusal"/>.</param>
internal sealed class StateReplay(SqliteConnection db, SqliteTransaction tx, DateTime verifierNow, Action<long>? progress, long watchFrom = long.MaxValue)
    : IDisposable
{
    /// <summary>Why the first record from <c>watchFrom</c> on counts for nothing (null: each of them counts).</summary>
    public string? OwnRefusal { get; private set; }

    /// <summary>The checkpoint's tables, read and moved in the replay's transaction.</summary>
    private readonly CheckpointTables view = new(db, tx);

    public void Dispose() => view.Dispose();

    /// <summary>Who acted last, and when, by the verified records (StaleSignIn, access review recommendations): written by <see cref="Flush"/>.</summary>
    private readonly Dictionary<string, long> _acted = new(StringComparer.Ordinal);

    private long _seen;

    /// <summary>Writes what is kept in memory while records stream past (before the checkpoint's head moves, in its transaction).</summary>
    public void Flush()
    {
        view.NoteActivity(_acted);
        _acted.Clear();
    }

    public void Observe(SealedRecord r, SealContext ctx)
    {
        view.Transaction(ctx.Transaction);
        if (++_seen % 10000 == 0) progress?.Invoke(r.Sequence);
        // A record whose time the time rule does not believe (Kernel/TimeRule.cs) changes nothing, whatever it is.
        if (!ctx.Trusted && ctx.Time != RecordTime.Counts)
        {
            Refuse(r, r.TargetType ?? "Record", ctx.TimeWhy ?? "its time does not count", ctx.Time.ToString());
            return;
        }
        // Judged under the rules version its seal names (Kernel/RulesVersion.cs): this PimModule knows only the ones it can
        // judge (a seal of another is refused before it gets here); a later version branches here where it decides otherwise.
        if (!RulesVersion.Knows(ctx.Rules)) throw new InvalidOperationException($"Rules version {ctx.Rules} reached the replay.");
        // Every verified record is its sealer's activity (entitled to it or not: they acted).
        if (!_acted.TryGetValue(ctx.Actor, out var lastActed) || lastActed < r.AtTicks) _acted[ctx.Actor] = r.AtTicks;
        var verdict = r.TargetType switch
        {
            "Assignment" => AssignmentRecords.Decide(r, ctx, view),
            "Request" => RequestRecords.Decide(r, ctx, view, verifierNow),
            "RoleSetting" => SettingRecords.RoleSetting(r, ctx, view),
            "MailSetting" => SettingRecords.Mail(r, ctx, view),
            "Notification" => SettingRecords.Notices(r),
            "DirectoryObject" => SettingRecords.DirectoryObject(r, ctx, view),
            "Group" or "GroupMember" => Groups.GroupRecords.Decide(r, ctx, view),
            "AccessReview" => ReviewRecords.Review(r, ctx, view),
            "AccessReviewItem" => ReviewRecords.Item(r, ctx, view),
            "Store" when r.Action == "PruneHistory" => SettingRecords.Prune(r, ctx, view),
            "Store" when r.Action == Seals.ProtectAction && ctx.Trusted => SettingRecords.Protection(r),
            "Store" when r.Action == PimStore.MigrateAction => SettingRecords.Migration(ctx, view),
            _ => null, // what changes no verified state (credentials, keys, seals of their own) is the seal verifier's
        };
        if (verdict is { Refusal: { } why }) Refuse(r, verdict.Kind, why);
        else if (verdict is not null)
            foreach (var change in verdict.Changes) view.Evolve(change);
    }

    private void Refuse(SealedRecord r, string kind, string why, string problem = "NotEntitled")
    {
        var reason = $"record {r.Sequence} ({r.Action} by {r.ActorKey}) counts for nothing: {why}";
        if (r.Sequence >= watchFrom) OwnRefusal ??= reason;
        view.Refused(r.Sequence, kind, r.TargetId, reason, problem);
    }
}
