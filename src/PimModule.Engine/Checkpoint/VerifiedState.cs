using System.Security.Cryptography;
using System.Text;
using Dapper;
using Microsoft.Data.Sqlite;
using PimModule.Identity.Keys;
using PimModule.Storage;

namespace PimModule.Checkpoint;

/// <summary>
/// The state that replaying a Verified store's verified log yields, kept per user and store in a checkpoint: a small
/// SQLite file in the user's PimModule folder (0600), keyed by the store's id and location, holding the seal verifier's
/// state and the chain's head it was verified to. Each unit of work that asks brings it up to the store's recorded head
/// first: only the records after the checkpoint are verified (chain, seals, bindings, entitlement) and applied; a
/// checkpoint that the store's chain does not extend (a fork, a rollback, another store) is rebuilt from the genesis,
/// never believed. Rows of the shared store count only when they are as this state has them. The checkpoint holds the
/// state and answers questions of it; what it becomes is the replay's to decide (<see cref="ICheckpointReplay"/>).
/// </summary>
internal sealed partial class VerifiedState : IDisposable
{
    private readonly object _gate = new();
    private SqliteConnection _db; // replaced only by a snapshot's content (VerifiedState.Snapshot.cs)
    private (long Sequence, string Hash, SealState State)? _synced;

    /// <summary>The checkpoint's file (null for an in-memory one, which Test-PimAuditLog rebuilds).</summary>
    public string? File { get; }

    private readonly Func<System.Data.Common.DbConnection, System.Data.Common.DbTransaction>? _snapshot;

    private readonly ICheckpointReplay _replay;

    private VerifiedState(SqliteConnection db, string? file, Func<System.Data.Common.DbConnection, System.Data.Common.DbTransaction>? snapshot, ICheckpointReplay replay)
    {
        _db = db;
        _replay = replay;
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
    private const string Format = "pim-checkpoint-13";

    private const string Pragmas = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -65536;";


    /// <summary>The checkpoint of a store at a location, in the user's PimModule folder (<paramref name="root"/> null = the platform's).</summary>
    public static VerifiedState Open(string? root, string storeId, string location, ICheckpointReplay replay,
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
        try { return new VerifiedState(db, file, snapshot, replay) { StartFrom = 0 }; }
        catch { db.Dispose(); throw; }
    }

    /// <summary>A checkpoint in memory (Test-PimAuditLog replays the whole log into one, trusting no file).</summary>
    public static VerifiedState InMemory(ICheckpointReplay replay)
    {
        var db = new SqliteConnection("Data Source=:memory:");
        db.Open();
        return new VerifiedState(db, null, null, replay);
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
    /// Brings the state up to the head the store recorded (the replay's work: <see cref="ICheckpointReplay.Sync"/>); returns
    /// the verification (invalid: nothing is applied, the checkpoint stays as it was).
    /// </summary>
    public PimAuditVerification Sync(UnitOfWork work, Action<long>? progress = null, bool rebuild = true) => _replay.Sync(this, work, progress, rebuild);

    /// <summary>Before a commit of this session: its own records verified and applied in an open checkpoint transaction (<see cref="ICheckpointReplay.PrepareOwn"/>).</summary>
    public OwnChanges? PrepareOwn(UnitOfWork work, IReadOnlyList<Storage.AuditLogTable.New> written, SealRow seal) => _replay.PrepareOwn(this, work, written, seal);

    // ---- what the replay reads and moves (Verification/CheckpointSync.cs) ----------------------------------------

    /// <summary>
    /// True when this session's verified state stands at the head the store recorded (<paramref name="sequence"/> and its
    /// hash) and none of its pending records is due at <paramref name="now"/>: a sync then has nothing to verify or apply.
    /// The one test of it, for the sync (<see cref="ICheckpointReplay.Sync"/>) and for a read that read the head in the
    /// round trip of its own first rows (<see cref="UnitOfWork.HeadRead"/>).
    /// </summary>
    public bool StandsAt(long sequence, string? hash, DateTime now)
    {
        lock (_gate) return StandsAtLocked(sequence, hash, Storage.SqlTypes.Ticks(now));
    }

    /// <summary>As <see cref="StandsAt"/>, the gate held (now in ticks).</summary>
    internal bool StandsAtLocked(long sequence, string? hash, long now)
        => _synced is { } s && s.Sequence == sequence && s.Hash == hash && !s.State.Time.PendingDue(now);

    /// <summary>The checkpoint's database (the replay's transactions are on it).</summary>
    internal SqliteConnection Db => _db;

    /// <summary>Held while the checkpoint is brought up to date or this session's own change is applied.</summary>
    internal object Gate => _gate;

    /// <summary>The verified head this session holds (null until the first sync).</summary>
    internal (long Sequence, string Hash, SealState State)? Synced { get => _synced; set => _synced = value; }

    /// <summary>A read snapshot of the store (null: the store is read as it is).</summary>
    internal Func<System.Data.Common.DbConnection, System.Data.Common.DbTransaction>? Snapshot => _snapshot;

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

    internal (long Sequence, string Hash, SealState State)? ReadMeta(SqliteTransaction tx)
    {
        var rows = _db.Query<(string Key, string Value)>("SELECT key, value FROM meta", transaction: tx).ToDictionary(r => r.Key, r => r.Value);
        // A checkpoint of another format (another version of PimModule wrote it) is rebuilt, never read.
        if (!rows.TryGetValue("format", out var format) || format != Format) return null;
        if (!rows.TryGetValue("head_sequence", out var seq) || !rows.TryGetValue("head_hash", out var hash) || !rows.TryGetValue("seal_state", out var json)) return null;
        return SealState.FromJson(json) is { } state && long.TryParse(seq, out var n) ? (n, hash, state) : null;
    }

    internal void WriteMeta(SqliteTransaction tx, long sequence, string hash, SealState state)
    {
        const string Put = "INSERT INTO meta (key, value) VALUES (@key, @value) ON CONFLICT (key) DO UPDATE SET value = excluded.value";
        _db.Execute(Put, new { key = "head_sequence", value = sequence.ToString(System.Globalization.CultureInfo.InvariantCulture) }, tx);
        _db.Execute(Put, new { key = "head_hash", value = hash }, tx);
        _db.Execute(Put, new { key = "format", value = Format }, tx);
        _db.Execute(Put, new { key = "seal_state", value = state.ToJson() }, tx);
    }

    internal void Clear(SqliteTransaction tx)
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
/// How a checkpoint is brought up to the store's head: the state replay (Verification/CheckpointSync.cs) verifies the
/// records after it and applies those that count. The checkpoint names no replay; its opener hands it one.
/// </summary>
internal interface ICheckpointReplay
{
    /// <summary>Verifies and applies the tail after the checkpoint (everything, when the store's chain does not extend it).</summary>
    PimAuditVerification Sync(VerifiedState state, UnitOfWork work, Action<long>? progress, bool rebuild);

    /// <summary>This session's records and seal, verified and applied in a checkpoint transaction that is committed after the store's; null when they do not follow the verified head.</summary>
    VerifiedState.OwnChanges? PrepareOwn(VerifiedState state, UnitOfWork work, IReadOnlyList<Storage.AuditLogTable.New> written, SealRow seal);
}

/// <summary>
/// A sync that reads the store through a snapshot (<see cref="Storage.UnitOfWork.SnapshotMayLag"/>) found the checkpoint
/// further on than the snapshot: another session of the same user verified records committed after the snapshot began.
/// Nothing was changed; the owner of the snapshot takes a new one and syncs again.
/// </summary>
internal sealed class CheckpointAheadException() : Exception("The checkpoint is ahead of this snapshot of the store.");
