using Microsoft.Data.Sqlite;
using PimModule.Checkpoint;
using PimModule.Errors;
using PimModule.Identity.Keys;
using PimModule.Kernel;
using PimModule.Storage;

namespace PimModule.Verification;

/// <summary>
/// The replay driver of a checkpoint (<see cref="ICheckpointReplay"/>): each unit of work that asks brings the user's
/// checkpoint up to the store's recorded head — only the records after it are verified (chain, seals, bindings, the time
/// rule) and judged by the state replay (<see cref="StateReplay"/>); a checkpoint the store's chain does not extend is
/// rebuilt from the genesis, never believed — and a session's own records are verified and applied before it commits.
/// </summary>
internal sealed class CheckpointSync : ICheckpointReplay
{
    public static readonly CheckpointSync Instance = new();

    /// <summary>
    /// Brings the state up to the head the store recorded: nothing to do when it is there; else the tail after the
    /// checkpoint is verified and applied (everything, when the store's chain does not extend the checkpoint). Returns the
    /// verification (invalid: nothing is applied, the checkpoint stays as it was).
    /// </summary>
    public PimAuditVerification Sync(VerifiedState v, UnitOfWork work, Action<long>? progress, bool rebuild)
    {
        // Outside a transaction the tail is read in a snapshot of its own: the head, the records and the seals agree.
        if (work.Transaction is null && v.Snapshot is not null)
        {
            for (var attempt = 1; ; attempt++)
            {
                using var snapshot = v.Snapshot(work.Connection);
                try
                {
                    // A snapshot begun before another session of this user moved the checkpoint on is taken again (a few
                    // times at most: each new one begins after the checkpoint was read); the last one is the store as it is.
                    var result = Sync(v, new UnitOfWork(work.Connection, snapshot, work.Actor, work.Now)
                        { IdentityMode = work.IdentityMode, SnapshotMayLag = attempt < VerifiedState.SnapshotAttempts }, progress, rebuild);
                    snapshot.Commit();
                    return result;
                }
                catch (CheckpointAheadException) when (attempt < VerifiedState.SnapshotAttempts) { }
            }
        }
        lock (v.Gate)
        {
            var tx = (SqliteTransaction?)null;
            try { return SyncLocked(v, work, progress, rebuild, ref tx); }
            finally { tx?.Dispose(); }
        }
    }

    private static PimAuditVerification SyncLocked(VerifiedState v, UnitOfWork work, Action<long>? progress, bool rebuild, ref SqliteTransaction? tx)
    {
        var (upTo, headHash) = Audit.AuditLog.RecordedHead(work);
        var now = Storage.SqlTypes.Ticks(work.Now);
        if (v.StandsAtLocked(upTo, headHash, now))
            return new PimAuditVerification { IsValid = true, IdentityMode = PimIdentityMode.Verified, RecordsChecked = 0 };
        tx = v.Db.BeginTransaction(deferred: false);
        var meta = v.ReadMeta(tx);
        if (meta is { } ahead && ahead.Sequence > upTo && work.SnapshotMayLag)
        {
            // Another session of this user (a second window, a runbook on the same account) verified and wrote further
            // after this snapshot of the store began: the checkpoint is not rolled back over, nor is the store taken for
            // cut off. The caller takes a new snapshot.
            tx.Rollback();
            throw new CheckpointAheadException();
        }
        if (meta is null && v.Synced is null && v.StartFrom is not null)
        {
            // Nothing verified yet: the newest snapshot that counts spares the replay of the log before it (the checkpoint
            // takes it outside a transaction of its own).
            tx.Rollback();
            tx.Dispose();
            tx = null;
            var took = Snapshots.SnapshotStart.TryTake(v, work, upTo);
            tx = v.Db.BeginTransaction(deferred: false);
            if (took) meta = v.ReadMeta(tx);
        }
        if (meta is { } m && m.Sequence == upTo && m.Hash == headHash && !m.State.Time.PendingDue(now))
        {
            v.Synced = m;
            tx.Commit();
            v.Advanced?.Invoke(m.Sequence, m.Hash);
            return new PimAuditVerification { IsValid = true, IdentityMode = PimIdentityMode.Verified, RecordsChecked = 0 };
        }
        var resume = meta is { } c && c.Sequence <= upTo &&
                     string.Equals(Storage.AuditLogTable.BySequence(work, c.Sequence)?.Hash, c.Hash, StringComparison.Ordinal)
            ? c.State : null;
        if (resume is null && meta is { } seen && !rebuild)
        {
            // The store's chain does not extend what this session verified: cut off, rolled back or replaced since.
            // Within a session that is refused; a new connect decides by the user's pin (a confirmed restore is let in).
            tx.Rollback();
            throw PimErrors.StoreRolledBack(
                $"The store no longer extends its log as this session verified it (up to record {seen.Sequence}): it was cut off, rolled back or replaced since. Nothing was changed.",
                seen.Sequence, "Disconnect-PimStore and connect again (a restore an administrator confirmed is let in); tell your administrators.");
        }
        // A record kept pending (dated ahead) whose time has come is judged in its place in the chain: from the genesis,
        // as a fresh replay judges it now.
        if (resume is not null && resume.Time.PendingDue(now)) resume = null;
        if (resume is null && meta is not null && v.StartFrom is not null && Snapshots.SnapshotStart.Archived(work) is { } archivedUntil && meta.Value.Sequence <= archivedUntil)
        {
            // What this user verified was archived since (their checkpoint's head is gone from the store): the log's beginning
            // cannot be replayed, so they start again from the newest snapshot that counts, as a new user does.
            tx.Rollback();
            tx.Dispose();
            tx = null;
            v.Empty();
            var took = Snapshots.SnapshotStart.TryTake(v, work, upTo);
            tx = v.Db.BeginTransaction(deferred: false);
            if (took && v.ReadMeta(tx) is { } taken) resume = taken.State;
        }
        if (resume is null) v.StartedAt = null; // from the genesis after all (a snapshot's pending records came due, or the chain forked)
        var (check, verdict, replay, stopped) = ReplayComparing(v, work, tx, resume, progress, upTo);
        if (verdict is { NeedsLookAhead: true })
        {
            replay.Dispose();
            (check, verdict, replay) = LookingAhead(v, work, ref tx, resume is null && !stopped ? verdict : null, progress);
        }
        using var _ = replay;
        if (!check.IsValid || verdict?.State is not { } state)
        {
            tx!.Rollback();
            return check;
        }
        var head = (Sequence: state.SealedUpTo, Hash: state.PrevHash);
        replay.Flush();
        v.WriteMeta(tx!, head.Sequence, head.Hash, state);
        tx!.Commit();
        v.Synced = (head.Sequence, head.Hash, state);
        v.Advanced?.Invoke(head.Sequence, head.Hash);
        return check;
    }

    /// <summary>
    /// An anchor record (the root's, a direct administrator's) dated well before records already judged: one of those was
    /// dated ahead. The whole log is verified again from the genesis, looking ahead at the anchors (Kernel/TimeRule.cs), until the
    /// anchors it meets explain every such drop (a record voided can unmake an administrator, hence a few passes at most).
    /// </summary>
    /// <param name="fromGenesis">A pass from the genesis already made (its anchors are the first timeline); null: one is made first.</param>
    private static (PimAuditVerification, SealVerdict?, StateReplay) LookingAhead(VerifiedState v, UnitOfWork work, ref SqliteTransaction? tx, SealVerdict? fromGenesis,
        Action<long>? progress, long watchFrom = long.MaxValue)
    {
        PimAuditVerification check = new() { IsValid = false };
        SealVerdict? verdict = fromGenesis;
        StateReplay? replay = null;
        for (var pass = 0; ; pass++)
        {
            tx!.Rollback();
            tx.Dispose();
            tx = null;
            tx = v.Db.BeginTransaction(deferred: false);
            (check, var next, replay) = Replay(v, work, tx, null, verdict is null ? null : new AnchorTimeline(verdict.Anchors), progress, watchFrom);
            var done = next is not { NeedsLookAhead: true } || !check.IsValid || pass >= 4;
            verdict = next;
            if (done) return (check, verdict, replay);
            replay.Dispose();
        }
    }

    /// <summary>Verifies and applies the log after <paramref name="resume"/> (null: from the genesis, the state cleared first), up to <paramref name="stopAt"/> or the head.</summary>
    private static (PimAuditVerification, SealVerdict?, StateReplay) Replay(VerifiedState v, UnitOfWork work, SqliteTransaction tx, SealState? resume, AnchorTimeline? lookAhead,
        Action<long>? progress, long watchFrom = long.MaxValue, long? stopAt = null)
    {
        if (resume is null) v.Clear(tx);
        var replay = new StateReplay(v.Db, tx, work.Now, progress, watchFrom);
        var (check, verdict) = Audit.AuditLog.VerifyFrom(work, resume, replay.Observe, lookAhead, stopAt, resume is null ? v.Archives : null);
        return (check, verdict, replay);
    }

    /// <summary>
    /// As <see cref="Replay"/> to the head, stopping at each snapshot that counts on the way to compare the state reached there
    /// with its digest (Snapshots/SnapshotStart.cs). Stopped: whether it stopped (its verdict's anchors are then not the whole log's).
    /// </summary>
    private static (PimAuditVerification, SealVerdict?, StateReplay, bool Stopped) ReplayComparing(VerifiedState v, UnitOfWork work, SqliteTransaction tx, SealState? resume,
        Action<long>? progress, long upTo)
    {
        var stops = Snapshots.SnapshotStart.Stops(work, resume?.SealedUpTo ?? 0, upTo);
        var at = resume;
        foreach (var stop in stops)
        {
            var (check, verdict, replay) = Replay(v, work, tx, at, null, progress, stopAt: stop.Seal.Sequence);
            if (!check.IsValid || verdict is not { State: { } state, NeedsLookAhead: false }) return (check, verdict, replay, true);
            replay.Flush();
            replay.Dispose();
            Snapshots.SnapshotStart.Compare(v, tx, state, stop);
            at = state;
        }
        var (c, d, r) = Replay(v, work, tx, at, null, progress);
        return (c, d, r, stops.Count > 0);
    }

    /// <summary>
    /// Before a commit of this session (inside its store transaction, its records and seal written there): its own records
    /// judged by the time rule with this computer's clock, then verified (seal, bindings, entitlement) and applied as the
    /// store's would be, in a checkpoint transaction that <see cref="OwnChanges.Complete"/> commits once the store's has.
    /// A record the verified log would not count for its time is refused before anything is committed (PimClockSkew), and
    /// so is a change that would not verify at all: a command never reports "nothing was changed" after committing. Null
    /// when the records do not follow the verified head directly (the next <see cref="Sync"/> reads them from the store).
    /// </summary>
    public VerifiedState.OwnChanges? PrepareOwn(VerifiedState v, UnitOfWork work, IReadOnlyList<Storage.AuditLogTable.New> written, SealRow seal)
    {
        lock (v.Gate)
        {
            if (v.Synced is not { } s || s.Sequence != seal.FromSequence || written[0].Sequence != seal.FromSequence + 1
                || !string.Equals(written[0].PrevHash, s.Hash, StringComparison.Ordinal)) return null;
            var tx = v.Db.BeginTransaction(deferred: false);
            try
            {
                if (v.ReadMeta(tx) is not { } meta || meta.Sequence != s.Sequence || meta.Hash != s.Hash) { tx.Dispose(); return null; } // another session moved it
                var now = Storage.SqlTypes.Ticks(work.Now);
                SealState? state;
                // Its own records are watched: one that would count for nothing refuses the change before anything is committed.
                var replay = new StateReplay(v.Db, tx, work.Now, null, watchFrom: written[0].Sequence);
                var records = written.Select(r => new SealedRecord(r.Sequence, r.Hash, r.Action, r.ActorKey, r.AfterJson, r.TargetType, r.TargetId,
                    Storage.SqlTypes.Ticks(r.AtUtc), r.PrincipalKey, r.RoleId));
                // The writer runs the verifier itself — its time rule with this computer's clock — before anything is committed.
                string? timeWhy = null;
                var verdict = Seals.Verify(work.Sealer?.StoreId ?? "", records, [seal], Audit.AuditLog.Genesis, meta.State, (r, c) =>
                {
                    if (c.Time != RecordTime.Counts) timeWhy ??= c.TimeWhy;
                    replay.Observe(r, c);
                }, now);
                if (timeWhy is not null) { replay.Dispose(); throw ClockBehind(work, timeWhy); }
                if (verdict.IsValid && verdict.NeedsLookAhead)
                {
                    replay.Dispose();
                    // An administrator's (or the root's) record dated before records pending — dated ahead of this clock, which
                    // every record it counts is not: what an administrator's record voids.
                    // The whole log, these records too (written in the store's transaction), is verified again looking ahead.
                    PimAuditVerification check;
                    (check, verdict, replay) = LookingAhead(v, work, ref tx!, null, null, written[0].Sequence);
                    if (!check.IsValid) { replay.Dispose(); throw WouldNotVerify(work, check.Reason); }
                }
                using (replay)
                {
                    if (!verdict!.IsValid || verdict.State is null) throw WouldNotVerify(work, verdict.Reason);
                    // The module never commits a record of its own that the verified log would count for nothing: where the
                    // writer and the replay disagree (a row edited around the module, a rule written twice), the change is
                    // refused here, and the store stays as it was. (A modified module skips this; its records then count for
                    // nothing, and Test-PimAuditLog names them.)
                    var letThrough = false;
#if PIM_TEST_HOOKS
                    letThrough = work.AsModifiedModule; // the test build only: a test's raw records are a modified module's
#endif
                    if (replay.OwnRefusal is { } refused && !letThrough) throw WouldNotVerify(work, refused);
                    replay.Flush();
                }
                state = verdict.State;
                v.WriteMeta(tx, state.SealedUpTo, state.PrevHash, state);
                return new VerifiedState.OwnChanges(v, tx, (state.SealedUpTo, state.PrevHash, state));
            }
            catch
            {
                tx.Dispose();
                throw;
            }
        }
    }

    private static PimException ClockBehind(UnitOfWork work, string? why)
        => PimErrors.ClockSkew(
            $"This computer's clock says {work.Now:yyyy-MM-dd HH:mm:ss}Z, and the verified log would not count a record written now: {why}. Nothing was changed.",
            work.Actor, "Synchronise this computer's clock (NTP), then try again. If it is right, the store holds records dated ahead: run Test-PimAuditLog and tell your administrators.");

    private static PimException WouldNotVerify(UnitOfWork work, string? reason)
        => PimErrors.StoreTampered($"This change would not verify as part of the store's log ({reason}), so it was not made. Nothing was changed.",
            work.Actor, "Run Test-PimAuditLog; tell your administrators what it reports.");
}
