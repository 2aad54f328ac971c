using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dapper;
using Microsoft.Data.Sqlite;
using PimModule.Identity.Keys;

namespace PimModule.Verification;

/// <summary>
/// The state that replaying a Verified store's verified log yields, kept per user and store in a checkpoint: a small
/// SQLite file in the user's PimModule folder (0600), keyed by the store's id and location, holding the seal verifier's
/// state and the chain's head it was verified to. Each unit of work that asks brings it up to the store's recorded head
/// first: only the records after the checkpoint are verified (chain, seals, bindings, entitlement) and applied; a
/// checkpoint that the store's chain does not extend (a fork, a rollback, another store) is rebuilt from the genesis,
/// never believed. Rows of the shared store count only when they are as this state has them.
/// </summary>
internal sealed class VerifiedState : IDisposable
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
        _db.Execute(Schema, transaction: tx);
        // A checkpoint of format 5 lacks the decision's time (the report's time to approval): added, and the format
        // change rebuilds it from the genesis.
        var requestColumns = _db.Query<string>("SELECT name FROM pragma_table_info('verified_requests')", transaction: tx).ToHashSet(StringComparer.Ordinal);
        if (!requestColumns.Contains("decided_ticks"))
            _db.Execute("ALTER TABLE verified_requests ADD COLUMN decided_ticks INTEGER", transaction: tx);
        // A checkpoint of format 7 lacks what the requester wrote (justification, ticket): added, and the format change
        // rebuilds it from the genesis.
        if (!requestColumns.Contains("texts_sealed"))
            _db.Execute("ALTER TABLE verified_requests ADD COLUMN justification TEXT; ALTER TABLE verified_requests ADD COLUMN ticket_number TEXT; " +
                        "ALTER TABLE verified_requests ADD COLUMN texts_sealed INTEGER NOT NULL DEFAULT 0", transaction: tx);
        _db.Execute("CREATE INDEX IF NOT EXISTS ix_requests_created ON verified_requests (action, created_ticks)", transaction: tx);
        // The replay asks, for each activation request, which of the principal's requests of the role were pending (the
        // kernel's RequestLimits): one index lookup, whatever the log's length.
        _db.Execute("CREATE INDEX IF NOT EXISTS ix_requests_pending ON verified_requests (principal_key, role_id, status)", transaction: tx);
        // A checkpoint of format 8 lacks why a record does not count (its time, or its actor's entitlement): added, and the
        // format change rebuilds it from the genesis.
        if (!_db.Query<string>("SELECT name FROM pragma_table_info('verified_refused')", transaction: tx).Contains("problem"))
            _db.Execute("ALTER TABLE verified_refused ADD COLUMN problem TEXT NOT NULL DEFAULT 'NotEntitled'", transaction: tx);
        tx.Commit();
    }

    /// <summary>How many snapshots a sync takes when the checkpoint is found ahead of the one it reads (<see cref="CheckpointAheadException"/>).</summary>
    internal const int SnapshotAttempts = 5;

    /// <summary>The checkpoint's format: what this version of PimModule writes and reads (another one is rebuilt).</summary>
    private const string Format = "pim-checkpoint-10";

    private const string Pragmas = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -65536;";

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS verified_assignments (id TEXT PRIMARY KEY, principal_key TEXT NOT NULL, role_id TEXT NOT NULL, type TEXT NOT NULL,
            scope TEXT NOT NULL, member_type TEXT NOT NULL, start_ticks INTEGER NOT NULL, end_ticks INTEGER, digest BLOB NOT NULL);
        CREATE INDEX IF NOT EXISTS ix_assignments_principal ON verified_assignments (principal_key, role_id);
        CREATE INDEX IF NOT EXISTS ix_assignments_role ON verified_assignments (role_id);
        CREATE TABLE IF NOT EXISTS verified_requests (id TEXT PRIMARY KEY, action TEXT NOT NULL, status TEXT NOT NULL, principal_key TEXT NOT NULL,
            role_id TEXT NOT NULL, scope TEXT, target_id TEXT, assignment_id TEXT, created_ticks INTEGER NOT NULL, duration_ticks INTEGER,
            stage INTEGER NOT NULL DEFAULT 1, stage_started_ticks INTEGER NOT NULL, decided_ticks INTEGER, justification TEXT, ticket_number TEXT,
            texts_sealed INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE IF NOT EXISTS verified_decisions (request_id TEXT NOT NULL, approver_key TEXT NOT NULL, stage INTEGER NOT NULL, decision TEXT NOT NULL,
            decided_ticks INTEGER NOT NULL, PRIMARY KEY (request_id, approver_key));
        CREATE TABLE IF NOT EXISTS verified_policies (role_id TEXT PRIMARY KEY, describe TEXT NOT NULL, rules TEXT);
        CREATE TABLE IF NOT EXISTS verified_mail (id INTEGER PRIMARY KEY CHECK (id = 1), view TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS verified_notifications (id TEXT PRIMARY KEY, digest TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS verified_directory (id TEXT PRIMARY KEY, user_principal_name TEXT NOT NULL, principal_key TEXT NOT NULL UNIQUE,
            display_name TEXT);
        CREATE TABLE IF NOT EXISTS verified_reviews (id TEXT PRIMARY KEY, role_id TEXT NOT NULL, assignment_type TEXT NOT NULL, reviewers TEXT NOT NULL,
            self_review INTEGER NOT NULL, status TEXT NOT NULL, start_ticks INTEGER NOT NULL, end_ticks INTEGER NOT NULL, default_decision TEXT NOT NULL,
            auto_apply INTEGER NOT NULL, recurrence TEXT NOT NULL, duration_ticks INTEGER NOT NULL, series_id TEXT NOT NULL, occurrence INTEGER NOT NULL);
        CREATE UNIQUE INDEX IF NOT EXISTS ix_reviews_series ON verified_reviews (series_id, occurrence);
        CREATE TABLE IF NOT EXISTS verified_activity (actor_key TEXT PRIMARY KEY, last_ticks INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS verified_review_items (id TEXT PRIMARY KEY, review_id TEXT NOT NULL, assignment_id TEXT NOT NULL,
            principal_key TEXT NOT NULL, recommendation TEXT NOT NULL, decision TEXT NOT NULL, reviewed_by TEXT);
        CREATE INDEX IF NOT EXISTS ix_review_items_review ON verified_review_items (review_id);
        CREATE TABLE IF NOT EXISTS verified_refused (sequence INTEGER PRIMARY KEY, kind TEXT NOT NULL, id TEXT, reason TEXT NOT NULL,
            problem TEXT NOT NULL DEFAULT 'NotEntitled');
        """;

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
    /// dated ahead. The whole log is verified again from the genesis, looking ahead at the anchors (Time.cs), until the
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

    // ---- what the engine asks ------------------------------------------------------------------------------

    /// <summary>The digest of an assignment as the verified log has it (of the view the audit log writes); null when it has none.</summary>
    public byte[]? AssignmentDigest(Guid id)
    {
        lock (_gate)
        {
            // The listing asks once per row (up to every assignment of the store): one prepared statement, reused.
            if (_viewById is null)
            {
                _viewById = _db.CreateCommand();
                _viewById.CommandText = "SELECT digest FROM verified_assignments WHERE id = $id";
                _viewId = _viewById.Parameters.Add("$id", SqliteType.Text);
                _viewById.Prepare();
            }
            _viewId!.Value = id.ToString("D");
            return _viewById.ExecuteScalar() as byte[];
        }
    }

    /// <summary>
    /// The digests of every verified assignment of a role, read in one pass (the listing goes role by role over up to every
    /// assignment of the store: one sequential read per role instead of a lookup per row).
    /// </summary>
    public Dictionary<Guid, byte[]> DigestsOfRole(Guid roleId)
    {
        lock (_gate)
        {
            var digests = new Dictionary<Guid, byte[]>();
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "SELECT id, digest FROM verified_assignments WHERE role_id = $role";
            cmd.Parameters.AddWithValue("$role", roleId.ToString("D"));
            using var reader = cmd.ExecuteReader();
            while (reader.Read())
                if (Guid.TryParse(reader.GetString(0), out var id)) digests[id] = (byte[])reader.GetValue(1);
            return digests;
        }
    }

    /// <summary>What the checkpoint keeps of an assignment's view: its SHA-256.</summary>
    public static byte[] DigestOf(string view) => SHA256.HashData(Encoding.UTF8.GetBytes(view));

    /// <summary>
    /// True when the store's row is the assignment as the verified log has it — and, for an activation, while the eligible
    /// assignment it came from still covers it as the verified log has that one (removing or shortening an eligibility ends
    /// its activations, whatever a row says).
    /// </summary>
    public bool Believes(AssignmentRow a)
        => AssignmentDigest(a.Id) is { } d && d.AsSpan().SequenceEqual(DigestOf(Audit.Events.AssignmentView.Of(a).Json)) && EligibilityHolds(a);

    /// <summary>
    /// For an activation: the verified eligibility it names (or, when it names none — earlier versions, or a modified
    /// module's — some verified eligibility of its principal and role) still holds it (the kernel's
    /// <see cref="Kernel.EligibilityRules.Holds"/>). True for anything else.
    /// </summary>
    public bool EligibilityHolds(AssignmentRow a)
    {
        if (a.MemberType != PimMemberType.Activated) return true;
        lock (_gate)
        {
            if (a.EligibleId is not { } eligibleId)
                return _db.Query<VerifiedAssignment>(VerifiedAssignment.Select + " WHERE principal_key = @p AND role_id = @r AND type = 'Eligible'",
                        new { p = a.PrincipalKey, r = a.RoleId.ToString("D") }).Any(e => Kernel.EligibilityRules.Holds(e, a));
            return _db.QueryFirstOrDefault<VerifiedAssignment>(VerifiedAssignment.Select + " WHERE id = @id", new { id = eligibleId.ToString("D") }) is { } named
                   && Kernel.EligibilityRules.Holds(named, a);
        }
    }

    private SqliteCommand? _viewById;
    private SqliteParameter? _viewId;


    /// <summary>A request as the verified log has it (self-service requests: activation, extension, renewal).</summary>
    /// <remarks>
    /// Justification and TicketNumber are what the requester wrote, as sealed (what an approver reads and decides on);
    /// TextsSealed is 0 for a request whose record did not carry them (a store written before they were sealed).
    /// </remarks>
    internal sealed record RequestState(string Id, string Action, string Status, string PrincipalKey, string RoleId, string? Scope,
        string? TargetId, string? AssignmentId, long CreatedTicks, long? DurationTicks, long Stage, long StageStartedTicks,
        string? Justification, string? TicketNumber, long TextsSealed);

    public const string RequestColumns = "id, action, status, principal_key, role_id, scope, target_id, assignment_id, created_ticks, duration_ticks, stage, stage_started_ticks, " +
                                         "justification, ticket_number, texts_sealed";

    public RequestState? Request(Guid id)
    {
        lock (_gate) return _db.QueryFirstOrDefault<RequestState>(
            "SELECT " + RequestColumns + " FROM verified_requests WHERE id = @id",
            new { id = id.ToString("D") });
    }

    /// <summary>True when a decision row is as the verified log has it: by an approver entitled for its stage, counted there.</summary>
    public bool Believes(Storage.RequestApprovalsTable.Row r)
    {
        lock (_gate)
        {
            var v = _db.QueryFirstOrDefault<DecisionState>(
                "SELECT stage, decision, decided_ticks FROM verified_decisions WHERE request_id = @id AND approver_key = @key",
                new { id = r.RequestId.ToString("D"), key = r.Key });
            return v is { } d && r.Key == Principal.Fold(r.Approver) && d.Stage == r.Stage && d.Decision == r.Decision && d.DecidedTicks == Storage.SqlTypes.Ticks(r.Decided);
        }
    }

    /// <summary>When each of the principals last acted, by the verified records (up to the verified head).</summary>
    public Dictionary<string, DateTime> LastActed(IReadOnlyCollection<string> actorKeys)
    {
        lock (_gate)
        {
            var all = _db.Query<(string Key, long Ticks)>("SELECT actor_key, last_ticks FROM verified_activity").ToList();
            var asked = actorKeys as IReadOnlySet<string> ?? actorKeys.ToHashSet(StringComparer.Ordinal);
            return all.Where(r => asked.Contains(r.Key)).ToDictionary(r => r.Key, r => new DateTime(r.Ticks, DateTimeKind.Utc), StringComparer.Ordinal);
        }
    }

    internal sealed record DecisionState(long Stage, string Decision, long DecidedTicks);

    /// <summary>True when the store's request row is as the verified log has it (what decides who may act on it).</summary>
    public bool Believes(Requests.RequestRow q)
    {
        if (Request(q.Id) is not { } v) return false;
        return v.Action == q.Action.ToString() && v.Status == q.Status.ToString() && v.PrincipalKey == Principal.Fold(q.Principal)
               && Guid.TryParse(v.RoleId, out var role) && role == q.RoleId
               && (v.Scope is null || string.Equals(v.Scope, q.Scope, StringComparison.Ordinal))
               && (v.TargetId is null || string.Equals(v.TargetId, q.TargetAssignmentId?.ToString("D"), StringComparison.OrdinalIgnoreCase))
               && (v.AssignmentId is null || string.Equals(v.AssignmentId, q.AssignmentId?.ToString("D"), StringComparison.OrdinalIgnoreCase))
               && v.CreatedTicks == Storage.SqlTypes.Ticks(q.Created)
               && (v.DurationTicks is null || v.DurationTicks == q.Duration?.Ticks)
               && v.Stage == q.Stage && v.StageStartedTicks == Storage.SqlTypes.Ticks(q.StageStart)
               // What the approver reads: the justification and ticket the requester sealed, not a row rewritten since.
               && (v.TextsSealed == 0 || (string.Equals(v.Justification, q.Justification, StringComparison.Ordinal)
                                          && string.Equals(v.TicketNumber, q.TicketNumber, StringComparison.Ordinal)));
    }

    /// <summary>A role's policy as an administrator sealed it last: its rules (null for records from before they were logged) and its description.</summary>
    internal sealed record PolicyState(string RoleId, string Describe, string? Rules);

    public PolicyState? Policy(Guid roleId)
    {
        lock (_gate) return _db.QueryFirstOrDefault<PolicyState>("SELECT role_id, describe, rules FROM verified_policies WHERE role_id = @id", new { id = roleId.ToString("D") });
    }

    /// <summary>A directory object as an administrator imported it (ImportDirectoryObject records).</summary>
    internal sealed record DirectoryState(string Id, string UserPrincipalName, string PrincipalKey, string? DisplayName);

    private const string DirectorySelect = "SELECT id, user_principal_name, principal_key, display_name FROM verified_directory";

    public IReadOnlyList<DirectoryState> DirectoryObjects()
    {
        lock (_gate) return _db.Query<DirectoryState>(DirectorySelect + " ORDER BY principal_key").ToList();
    }

    public DirectoryState? DirectoryById(string id)
    {
        lock (_gate) return _db.QueryFirstOrDefault<DirectoryState>(DirectorySelect + " WHERE id = @id", new { id });
    }

    public DirectoryState? DirectoryByKey(string principalKey)
    {
        lock (_gate) return _db.QueryFirstOrDefault<DirectoryState>(DirectorySelect + " WHERE principal_key = @principalKey", new { principalKey });
    }

    /// <summary>An access review as the verified log has it (reviewers: their canonical keys, in order).</summary>
    internal sealed record ReviewState(string Id, string RoleId, string AssignmentType, string Reviewers, long SelfReview, string Status,
        long StartTicks, long EndTicks, string DefaultDecision, long AutoApply, string Recurrence, long DurationTicks, string SeriesId, long Occurrence);

    public const string ReviewColumns =
        "id, role_id, assignment_type, reviewers, self_review, status, start_ticks, end_ticks, default_decision, auto_apply, recurrence, duration_ticks, series_id, occurrence";

    /// <summary>A series' first occurrence (its anchor) and its latest, as the verified log has them.</summary>
    public (ReviewState First, ReviewState Latest)? Series(Guid seriesId)
    {
        lock (_gate)
        {
            var rows = _db.Query<ReviewState>("SELECT " + ReviewColumns + " FROM verified_reviews WHERE series_id = @id ORDER BY occurrence", new { id = seriesId.ToString("D") }).ToList();
            return rows.Count == 0 ? null : (rows[0], rows[^1]);
        }
    }

    /// <summary>An access review item as the verified log has it (reviewed_by: the decider's key).</summary>
    internal sealed record ReviewItemState(string Id, string ReviewId, string AssignmentId, string PrincipalKey, string Recommendation, string Decision,
        string? ReviewedBy);

    public ReviewState? Review(Guid id)
    {
        lock (_gate) return _db.QueryFirstOrDefault<ReviewState>(
            "SELECT " + ReviewColumns + " FROM verified_reviews WHERE id = @id", new { id = id.ToString("D") });
    }

    public IReadOnlyList<ReviewItemState> ReviewItems(Guid reviewId)
    {
        lock (_gate) return _db.Query<ReviewItemState>(
            "SELECT id, review_id, assignment_id, principal_key, recommendation, decision, reviewed_by FROM verified_review_items WHERE review_id = @id",
            new { id = reviewId.ToString("D") }).ToList();
    }

    /// <summary>True when the store's review row is the review as the verified log has it.</summary>
    public bool Believes(ReviewRow r)
        => Review(r.Id) is { } v && Guid.TryParse(v.RoleId, out var role) && role == r.RoleId && v.AssignmentType == r.AssignmentType.ToString()
           && v.Status == r.Status && (v.SelfReview != 0) == r.SelfReview && v.StartTicks == Storage.SqlTypes.Ticks(r.Start)
           && v.EndTicks == Storage.SqlTypes.Ticks(r.End) && v.DefaultDecision == r.DefaultDecision.ToString() && (v.AutoApply != 0) == r.AutoApply
           && v.Recurrence == r.Recurrence.ToString() && v.DurationTicks == r.Duration.Ticks && v.Occurrence == r.Occurrence
           && Guid.TryParse(v.SeriesId, out var series) && series == r.SeriesId
           && (JsonSerializer.Deserialize<string[]>(v.Reviewers) ?? []).SequenceEqual(
               r.Reviewers.Select(Principal.Fold).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));

    /// <summary>True when the store's item row is the item as the verified log has it (its decision and decider too).</summary>
    public static bool Matches(ReviewItemState v, ReviewItemRow i)
        => Guid.TryParse(v.ReviewId, out var review) && review == i.ReviewId && Guid.TryParse(v.AssignmentId, out var a) && a == i.AssignmentId
           && v.PrincipalKey == i.PrincipalKey && v.Recommendation == i.Recommendation.ToString() && v.Decision == i.Decision.ToString()
           && v.ReviewedBy == (i.ReviewedBy is { } by ? Principal.Fold(by) : null);

    /// <summary>The mail settings as an administrator sealed them last (as the audit log wrote them); null when none was.</summary>
    public string? Mail()
    {
        lock (_gate) return _db.QueryFirstOrDefault<string>("SELECT view FROM verified_mail WHERE id = 1");
    }

    /// <summary>True when a verified change queued this outbox message with this content.</summary>
    public bool HasNotification(Guid id, string digest)
    {
        lock (_gate) return _db.QueryFirstOrDefault<string>("SELECT digest FROM verified_notifications WHERE id = @id", new { id = id.ToString("D") }) == digest;
    }

    /// <summary>Every verified assignment's id and view, in id order (Test-PimAuditLog compares the store's rows with them).</summary>
    public IEnumerable<(string Id, byte[] Digest)> AllAssignments()
    {
        lock (_gate) return _db.Query<(string, byte[])>("SELECT id, digest FROM verified_assignments ORDER BY id").ToList();
    }

    public IReadOnlyList<PolicyState> AllPolicies()
    {
        lock (_gate) return _db.Query<PolicyState>("SELECT role_id, describe, rules FROM verified_policies ORDER BY role_id").ToList();
    }

    /// <summary>The sealed changes whose actors were not entitled to them (they count for nothing), in chain order.</summary>
    public IReadOnlyList<(long Sequence, string Kind, string? Id, string Reason, string Problem)> Refused()
    {
        lock (_gate) return _db.Query<(long, string, string?, string, string)>("SELECT sequence, kind, id, reason, problem FROM verified_refused ORDER BY sequence").ToList();
    }

    /// <summary>The digest of an outbox message's content: what its QueueNotifications record holds.</summary>
    public static string Digest(Guid id, string recipient, string subject, string body, string evt, bool critical)
    {
        var text = string.Join("\u001f", id.ToString("D"), Principal.Fold(recipient), evt, critical ? "1" : "0", subject, body);
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text))).ToLowerInvariant();
    }

    // ---- Export-PimReport: the same aggregates as the store's tables answer, over the verified state -------------

    /// <summary>Provisioned activation requests made in [from, to), by role and UTC day.</summary>
    public List<Reports.DailyCount> ActivationsPerDay(DateTime from, DateTime to)
    {
        lock (_gate) return _db.Query<Reports.DailyCount>(
            "SELECT role_id AS role, created_ticks / " + Reports.DailyCount.TicksPerDay + " AS day, COUNT(*) AS count FROM verified_requests " +
            "WHERE action = 'SelfActivate' AND created_ticks >= @from AND created_ticks < @to AND status = 'Provisioned' " +
            "GROUP BY role_id, created_ticks / " + Reports.DailyCount.TicksPerDay, new { from = from.Ticks, to = to.Ticks }).AsList();
    }

    /// <summary>Time from request to approval per role (count, median, 90th percentile by nearest rank, in ticks).</summary>
    public List<Reports.ApprovalWait> ApprovalWaits(DateTime from, DateTime to)
    {
        lock (_gate) return _db.Query<Reports.ApprovalWait>(
            "WITH w AS (SELECT role_id, decided_ticks - created_ticks AS wait FROM verified_requests " +
            "  WHERE action = 'SelfActivate' AND created_ticks >= @from AND created_ticks < @to AND status = 'Provisioned' AND decided_ticks IS NOT NULL), " +
            "r AS (SELECT role_id, wait, ROW_NUMBER() OVER (PARTITION BY role_id ORDER BY wait) AS k, COUNT(*) OVER (PARTITION BY role_id) AS n FROM w) " +
            "SELECT role_id AS role, MAX(n) AS count, MAX(CASE WHEN k = (n + 1) / 2 THEN wait END) AS median, " +
            "MAX(CASE WHEN k = (9 * n + 9) / 10 THEN wait END) AS p90 FROM r GROUP BY role_id", new { from = from.Ticks, to = to.Ticks }).AsList();
    }

    /// <summary>The principals (keys) with the most activation requests made in [from, to).</summary>
    public List<Reports.RequesterCount> TopRequesters(DateTime from, DateTime to, int max)
    {
        lock (_gate) return _db.Query<Reports.RequesterCount>(
            "SELECT principal_key AS principal, COUNT(*) AS count FROM verified_requests WHERE action = 'SelfActivate' " +
            "AND created_ticks >= @from AND created_ticks < @to GROUP BY principal_key ORDER BY COUNT(*) DESC, principal_key LIMIT @max",
            new { from = from.Ticks, to = to.Ticks, max = (long)max }).AsList();
    }

    /// <summary>The latest activation requests made in [from, to), newest first.</summary>
    public List<RequestState> LatestActivations(DateTime from, DateTime to, int max)
    {
        lock (_gate) return _db.Query<RequestState>(
            "SELECT " + RequestColumns + " FROM verified_requests " +
            "WHERE action = 'SelfActivate' AND created_ticks >= @from AND created_ticks < @to ORDER BY created_ticks DESC, id LIMIT @max",
            new { from = from.Ticks, to = to.Ticks, max = (long)max }).AsList();
    }

    /// <summary>Every verified assignment by type, member type and state at <paramref name="at"/>.</summary>
    public List<Reports.AssignmentCount> CountByTypeAndState(DateTime at)
    {
        const string State = "CASE WHEN start_ticks > @at THEN 'Scheduled' WHEN end_ticks IS NOT NULL AND end_ticks <= @at THEN 'Expired' ELSE 'Active' END";
        lock (_gate) return _db.Query<Reports.AssignmentCount>(
            $"SELECT type, member_type, {State} AS state, COUNT(*) AS count FROM verified_assignments GROUP BY type, member_type, {State}",
            new { at = at.Ticks }).AsList();
    }

    /// <summary>Verified direct assignments of the given roles not ended at <paramref name="at"/>: permanent and time-bound, by role and type.</summary>
    public List<Reports.PermanenceCount> PermanenceOfRoles(IReadOnlyCollection<Guid> roles, DateTime at)
    {
        if (roles.Count == 0) return [];
        lock (_gate) return _db.Query<Reports.PermanenceCount>(
            "SELECT role_id AS role, type, SUM(CASE WHEN end_ticks IS NULL THEN 1 ELSE 0 END) AS permanent, " +
            "SUM(CASE WHEN end_ticks IS NULL THEN 0 ELSE 1 END) AS time_bound FROM verified_assignments " +
            "WHERE role_id IN (SELECT value FROM json_each(@roles)) AND member_type = 'Direct' AND (end_ticks IS NULL OR end_ticks > @at) GROUP BY role_id, type",
            new { roles = JsonSerializer.Serialize(roles.Select(r => r.ToString("D"))), at = at.Ticks }).AsList();
    }

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
