using PimModule.Kernel;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dapper;
using Microsoft.Data.Sqlite;
using PimModule.Identity.Keys;
using PimModule.Storage;
using PimModule.Errors;

namespace PimModule.Verification;

/// <summary>
/// The state that replaying a Verified store's verified log yields, kept per user and store in a checkpoint: a small
/// SQLite file in the user's PimModule folder (0600), keyed by the store's id and location, holding the seal verifier's
/// state and the chain's head it was verified to. Each unit of work that asks brings it up to the store's recorded head
/// first: only the records after the checkpoint are verified (chain, seals, bindings, entitlement) and applied; a
/// checkpoint that the store's chain does not extend (a fork, a rollback, another store) is rebuilt from the genesis,
/// never believed. Rows of the shared store count only when they are as this state has them.
/// </summary>
internal sealed partial class VerifiedState : IDisposable
{
    private readonly object _gate = new();
    private readonly SqliteConnection _db;
    private (long Sequence, string Hash, SealState State)? _synced;

    /// <summary>The checkpoint's file (null for an in-memory one, which Test-PimAuditLog rebuilds).</summary>
    public string? File { get; }

    private readonly Func<System.Data.Common.DbConnection, System.Data.Common.DbTransaction>? _snapshot;

    private VerifiedState(SqliteConnection db, string? file, Func<System.Data.Common.DbConnection, System.Data.Common.DbTransaction>? snapshot)
    {
        _db = db;
        File = file;
        _snapshot = snapshot;
        _db.Execute(Pragmas);
        // Made (or brought to this format) in one transaction: two sessions of one user opening a new checkpoint at once
        // do not both add a column, and neither reads a checkpoint half made.
        using var tx = _db.BeginTransaction(deferred: false);
        CheckpointSchema.Create(_db, tx);
        tx.Commit();
    }

    /// <summary>How many snapshots a sync takes when the checkpoint is found ahead of the one it reads (<see cref="CheckpointAheadException"/>).</summary>
    internal const int SnapshotAttempts = 5;

    /// <summary>The checkpoint's format: what this version of PimModule writes and reads (another one is rebuilt).</summary>
    private const string Format = "pim-checkpoint-10";

    private const string Pragmas = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -65536;";


    /// <summary>The checkpoint of a store at a location, in the user's PimModule folder (<paramref name="root"/> null = the platform's).</summary>
    public static VerifiedState Open(string? root, string storeId, string location,
        Func<System.Data.Common.DbConnection, System.Data.Common.DbTransaction>? snapshot = null)
    {
        var folder = root is null ? UserFolder.Path("verified") : System.IO.Path.Combine(root, "verified");
        UserFolder.EnsureFolder(folder);
        // The name never comes from the store as it is (its id could be any text): a digest of where and which store it is.
        var name = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(storeId + "\n" + location)))[..32].ToLowerInvariant();
        var file = System.IO.Path.Combine(folder, name + ".checkpoint");
        if (!System.IO.File.Exists(file))
        {
            try
            {
                var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Share = FileShare.ReadWrite };
                if (!OperatingSystem.IsWindows()) create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                using (new FileStream(file, create)) { }
            }
            catch (IOException) when (System.IO.File.Exists(file)) { /* another process made it */ }
        }
        var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Pooling = false, DefaultTimeout = 60 }.ToString());
        db.Open();
        try { return new VerifiedState(db, file, snapshot); }
        catch { db.Dispose(); throw; }
    }

    /// <summary>A checkpoint in memory (Test-PimAuditLog replays the whole log into one, trusting no file).</summary>
    public static VerifiedState InMemory()
    {
        var db = new SqliteConnection("Data Source=:memory:");
        db.Open();
        return new VerifiedState(db, null, null);
    }

    /// <summary>
    /// Told each time the verified head moves (another session's records verified, or this session's own applied): the
    /// session's verified point follows, so the user's pin records every record they verified, not only the ones they wrote.
    /// </summary>
    public Action<long, string>? Advanced { get; set; }

    /// <summary>The seal verifier's state at the verified head (bindings, roots, restores): after a <see cref="Sync"/>.</summary>
    public SealState State => _synced?.State ?? throw new InvalidOperationException("The verified state was not brought up to date.");

    /// <summary>The verified head.</summary>
    public (long Sequence, string Hash) Head => _synced is { } s ? (s.Sequence, s.Hash) : (0, Audit.AuditLog.Genesis);

    /// <summary>
    /// Brings the state up to the head the store recorded: nothing to do when it is there; else the tail after the
    /// checkpoint is verified and applied (everything, when the store's chain does not extend the checkpoint). Returns the
    /// verification (invalid: nothing is applied, the checkpoint stays as it was).
    /// </summary>
    public PimAuditVerification Sync(UnitOfWork work, Action<long>? progress = null, bool rebuild = true)
    {
        // Outside a transaction the tail is read in a snapshot of its own: the head, the records and the seals agree.
        if (work.Transaction is null && _snapshot is not null)
        {
            for (var attempt = 1; ; attempt++)
            {
                using var snapshot = _snapshot(work.Connection);
                try
                {
                    // A snapshot begun before another session of this user moved the checkpoint on is taken again (a few
                    // times at most: each new one begins after the checkpoint was read); the last one is the store as it is.
                    var result = Sync(new UnitOfWork(work.Connection, snapshot, work.Actor, work.Now)
                        { IdentityMode = work.IdentityMode, SnapshotMayLag = attempt < SnapshotAttempts }, progress, rebuild);
                    snapshot.Commit();
                    return result;
                }
                catch (CheckpointAheadException) when (attempt < SnapshotAttempts) { }
            }
        }
        lock (_gate)
        {
            var tx = (SqliteTransaction?)null;
            try { return SyncLocked(work, progress, rebuild, ref tx); }
            finally { tx?.Dispose(); }
        }
    }

    private PimAuditVerification SyncLocked(UnitOfWork work, Action<long>? progress, bool rebuild, ref SqliteTransaction? tx)
    {
        var (upTo, headHash) = Audit.AuditLog.RecordedHead(work);
        var now = Storage.SqlTypes.Ticks(work.Now);
        if (_synced is { } s && s.Sequence == upTo && s.Hash == headHash && !s.State.Time.PendingDue(now))
            return new PimAuditVerification { IsValid = true, IdentityMode = PimIdentityMode.Verified, RecordsChecked = 0 };
        tx = _db.BeginTransaction(deferred: false);
        var meta = ReadMeta(tx);
        if (meta is { } ahead && ahead.Sequence > upTo && work.SnapshotMayLag)
        {
            // Another session of this user (a second window, a runbook on the same account) verified and wrote further
            // after this snapshot of the store began: the checkpoint is not rolled back over, nor is the store taken for
            // cut off. The caller takes a new snapshot.
            tx.Rollback();
            throw new CheckpointAheadException();
        }
        if (meta is { } m && m.Sequence == upTo && m.Hash == headHash && !m.State.Time.PendingDue(now))
        {
            _synced = m;
            tx.Commit();
            Advanced?.Invoke(m.Sequence, m.Hash);
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
        var (check, verdict, replay) = Replay(work, tx, resume, null, progress);
        if (verdict is { NeedsLookAhead: true })
        {
            replay.Dispose();
            (check, verdict, replay) = LookingAhead(work, ref tx, resume is null ? verdict : null, progress);
        }
        using var _ = replay;
        if (!check.IsValid || verdict?.State is not { } state)
        {
            tx!.Rollback();
            return check;
        }
        var head = (Sequence: state.SealedUpTo, Hash: state.PrevHash);
        replay.Flush();
        WriteMeta(tx!, head.Sequence, head.Hash, state);
        tx!.Commit();
        _synced = (head.Sequence, head.Hash, state);
        Advanced?.Invoke(head.Sequence, head.Hash);
        return check;
    }

    /// <summary>
    /// An anchor record (the root's, a direct administrator's) dated well before records already judged: one of those was
    /// dated ahead. The whole log is verified again from the genesis, looking ahead at the anchors (Kernel/TimeRule.cs), until the
    /// anchors it meets explain every such drop (a record voided can unmake an administrator, hence a few passes at most).
    /// </summary>
    /// <param name="fromGenesis">A pass from the genesis already made (its anchors are the first timeline); null: one is made first.</param>
    private (PimAuditVerification, SealVerdict?, StateReplay) LookingAhead(UnitOfWork work, ref SqliteTransaction? tx, SealVerdict? fromGenesis, Action<long>? progress)
    {
        PimAuditVerification check = new() { IsValid = false };
        SealVerdict? verdict = fromGenesis;
        StateReplay? replay = null;
        for (var pass = 0; ; pass++)
        {
            tx!.Rollback();
            tx.Dispose();
            tx = null;
            tx = _db.BeginTransaction(deferred: false);
            (check, var next, replay) = Replay(work, tx, null, verdict is null ? null : new AnchorTimeline(verdict.Anchors), progress);
            var done = next is not { NeedsLookAhead: true } || !check.IsValid || pass >= 4;
            verdict = next;
            if (done) return (check, verdict, replay);
            replay.Dispose();
        }
    }

    /// <summary>Verifies and applies the log after <paramref name="resume"/> (null: from the genesis, the state cleared first).</summary>
    private (PimAuditVerification, SealVerdict?, StateReplay) Replay(UnitOfWork work, SqliteTransaction tx, SealState? resume, AnchorTimeline? lookAhead,
        Action<long>? progress)
    {
        if (resume is null) Clear(tx);
        var replay = new StateReplay(_db, tx, work.Now, progress);
        var (check, verdict) = Audit.AuditLog.VerifyFrom(work, resume, replay.Observe, lookAhead);
        return (check, verdict, replay);
    }

    /// <summary>
    /// Before a commit of this session (inside its store transaction, its records and seal written there): its own records
    /// judged by the time rule with this computer's clock, then verified (seal, bindings, entitlement) and applied as the
    /// store's would be, in a checkpoint transaction that <see cref="OwnChanges.Complete"/> commits once the store's has.
    /// A record the verified log would not count for its time is refused before anything is committed (PimClockSkew), and
    /// so is a change that would not verify at all: a command never reports "nothing was changed" after committing. Null
    /// when the records do not follow the verified head directly (the next <see cref="Sync"/> reads them from the store).
    /// </summary>
    public OwnChanges? PrepareOwn(UnitOfWork work, IReadOnlyList<Storage.AuditLogTable.New> written, SealRow seal)
    {
        lock (_gate)
        {
            if (_synced is not { } s || s.Sequence != seal.FromSequence || written[0].Sequence != seal.FromSequence + 1
                || !string.Equals(written[0].PrevHash, s.Hash, StringComparison.Ordinal)) return null;
            var tx = _db.BeginTransaction(deferred: false);
            try
            {
                if (ReadMeta(tx) is not { } meta || meta.Sequence != s.Sequence || meta.Hash != s.Hash) { tx.Dispose(); return null; } // another session moved it
                var now = Storage.SqlTypes.Ticks(work.Now);
                SealState? state;
                var replay = new StateReplay(_db, tx, work.Now, null);
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
                    (check, verdict, replay) = LookingAhead(work, ref tx!, null, null);
                    if (!check.IsValid) { replay.Dispose(); throw WouldNotVerify(work, check.Reason); }
                }
                using (replay)
                {
                    if (!verdict!.IsValid || verdict.State is null) throw WouldNotVerify(work, verdict.Reason);
                    replay.Flush();
                }
                state = verdict.State;
                WriteMeta(tx, state.SealedUpTo, state.PrevHash, state);
                return new OwnChanges(this, tx, (state.SealedUpTo, state.PrevHash, state));
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

    /// <summary>This session's own change, applied to its checkpoint in an open transaction: committed after the store's, or dropped.</summary>
    internal sealed class OwnChanges(VerifiedState owner, SqliteTransaction tx, (long Sequence, string Hash, SealState State) head) : IDisposable
    {
        private bool _done;

        /// <summary>The store committed: the checkpoint follows (best effort: on failure the next sync reads the records from the store).</summary>
        public void Complete()
        {
            lock (owner._gate)
            {
                if (_done) return;
                _done = true;
                try
                {
                    tx.Commit();
                    owner._synced = head;
                    owner.Advanced?.Invoke(head.Sequence, head.Hash);
                }
                catch (SqliteException)
                {
                    // Left to the next sync.
                }
                finally { tx.Dispose(); }
            }
        }

        /// <summary>The store did not commit: nothing of it is applied.</summary>
        public void Dispose()
        {
            lock (owner._gate)
            {
                if (_done) return;
                _done = true;
                tx.Dispose();
            }
        }
    }

    private (long Sequence, string Hash, SealState State)? ReadMeta(SqliteTransaction tx)
    {
        var rows = _db.Query<(string Key, string Value)>("SELECT key, value FROM meta", transaction: tx).ToDictionary(r => r.Key, r => r.Value);
        // A checkpoint of another format (another version of PimModule wrote it) is rebuilt, never read.
        if (!rows.TryGetValue("format", out var format) || format != Format) return null;
        if (!rows.TryGetValue("head_sequence", out var seq) || !rows.TryGetValue("head_hash", out var hash) || !rows.TryGetValue("seal_state", out var json)) return null;
        try
        {
            return JsonSerializer.Deserialize<SealState>(json) is { } state && long.TryParse(seq, out var n) ? (n, hash, state) : null;
        }
        catch (JsonException) { return null; }
    }

    private void WriteMeta(SqliteTransaction tx, long sequence, string hash, SealState state)
    {
        const string Put = "INSERT INTO meta (key, value) VALUES (@key, @value) ON CONFLICT (key) DO UPDATE SET value = excluded.value";
        _db.Execute(Put, new { key = "head_sequence", value = sequence.ToString(System.Globalization.CultureInfo.InvariantCulture) }, tx);
        _db.Execute(Put, new { key = "head_hash", value = hash }, tx);
        _db.Execute(Put, new { key = "format", value = Format }, tx);
        _db.Execute(Put, new { key = "seal_state", value = JsonSerializer.Serialize(state) }, tx);
    }

    private void Clear(SqliteTransaction tx)
        => _db.Execute("DELETE FROM meta; DELETE FROM verified_assignments; DELETE FROM verified_requests; DELETE FROM verified_decisions; DELETE FROM verified_policies; DELETE FROM verified_mail; " +
                       "DELETE FROM verified_notifications; DELETE FROM verified_directory; DELETE FROM verified_refused; DELETE FROM verified_reviews; DELETE FROM verified_activity; " +
                       "DELETE FROM verified_review_items;", transaction: tx);

    public void Dispose()
    {
        lock (_gate)
        {
            _viewById?.Dispose();
            _db.Dispose();
        }
    }
}

/// <summary>
/// A sync that reads the store through a snapshot (<see cref="Storage.UnitOfWork.SnapshotMayLag"/>) found the checkpoint
/// further on than the snapshot: another session of the same user verified records committed after the snapshot began.
/// Nothing was changed; the owner of the snapshot takes a new one and syncs again.
/// </summary>
internal sealed class CheckpointAheadException() : Exception("The checkpoint is ahead of this snapshot of the store.");
