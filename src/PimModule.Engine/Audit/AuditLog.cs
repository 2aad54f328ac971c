using System.Security.Cryptography;
using System.Text;
using PimModule.Storage;
using PimModule.Identity;
using PimModule.Interop;
using PimModule.Validation;

namespace PimModule.Audit;

internal sealed record AuditHead(long Sequence, string Hash, bool Dirty);

/// <summary>
/// The audit chain of one unit of work: its head, loaded on first append, and the records appended, written together
/// with the head once, before commit.
/// </summary>
internal sealed class AuditChain : ICommitParticipant
{
    public int Order => 100; // last: every other participant may still append records

    public AuditHead? Head { get; set; }

    /// <summary>The head before this unit of work appended anything (what its seal starts from).</summary>
    public AuditHead? Start { get; set; }

    /// <summary>The records appended in this unit of work and not written yet.</summary>
    public List<AuditLogTable.New> Pending { get; } = [];

    /// <summary>The records this unit of work wrote (a Verified store's session applies them to its verified state once committed).</summary>
    public List<AuditLogTable.New> Written { get; } = [];

    public void BeforeCommit(UnitOfWork work) => AuditLog.Flush(work);
}

/// <summary>
/// The append-only, hash-chained audit log. Every mutation appends its records in the same transaction as
/// the change. Each record's hash covers its contents and the previous record's hash; the head of the chain
/// (last sequence and hash) is also kept in store_info, so removing the newest records is detected too.
/// </summary>
internal static class AuditLog
{
    public const string Genesis = "0000000000000000000000000000000000000000000000000000000000000000";

    public static string? ToJson(object? value) => value switch
    {
        null => null,
        Events.RawJson raw => raw.Json,
        _ => Events.EventJson.Write(value),
    };

    /// <summary>Appends a change's record: its typed event (Events/), the one way services write the log.</summary>
    public static void Append(UnitOfWork work, Events.AuditEvent e)
        => Write(work, e.Action, e.TargetType, e.TargetId, e.RoleId, e.Principal, e.Before, e.After);

    /// <summary>
    /// Appends a record as given: what a modified module would write (tests call it; the module never does, a Layout test
    /// holds that). In the test build the unit of work is then marked as a modified module's, whose own records are not
    /// held to the verifier before commit (<c>UnitOfWork.AsModifiedModule</c>).
    /// </summary>
    internal static void AppendRecord(UnitOfWork work, string action, string targetType, string? targetId,
        Guid? roleId, string? principal, object? before, object? after)
    {
#if PIM_TEST_HOOKS
        work.AsModifiedModule = true;
#endif
        Write(work, action, targetType, targetId, roleId, principal, before, after);
    }

    private static void Write(UnitOfWork work, string action, string targetType, string? targetId,
        Guid? roleId, string? principal, object? before, object? after)
    {
        var chain = work.Participant<AuditChain>();
        if (chain.Head is null)
        {
            chain.Head = chain.Start = LoadHead(work);
            if (work.Sealer is { } sealer) PimModule.Identity.Keys.SealParticipant.Enlist(work, sealer);
        }
        var head = chain.Head;
        var seq = head.Sequence + 1;
        var id = Ids.New();
        var beforeJson = ToJson(before);
        var afterJson = ToJson(after);
        var roleText = roleId?.ToString("D");
        var hash = ComputeHash(seq, id.ToString("D"), SqlTypes.Ticks(work.Now), work.Actor, action, targetType, targetId,
            roleText, principal, beforeJson, afterJson, head.Hash);
        chain.Pending.Add(new AuditLogTable.New(seq, id, work.Now, work.Actor, Principal.Fold(work.Actor), action, targetType, targetId, roleText,
            principal, principal is null ? null : Principal.Fold(principal), beforeJson, afterJson, head.Hash, hash));
        chain.Head = new AuditHead(seq, hash, true);
    }

    /// <summary>Records appended in this unit of work and not written yet (an MFA check must come before any of them).</summary>
    public static int Unwritten(UnitOfWork work) => work.Participant<AuditChain>().Pending.Count;

    /// <summary>
    /// Writes the appended records and the chain's head beside the log; once per transaction, before commit (AuditChain),
    /// so the bulk paths write their records together.
    /// </summary>
    public static void Flush(UnitOfWork work)
    {
        var chain = work.Participant<AuditChain>();
        if (chain.Pending.Count > 0)
        {
            AuditLogTable.Insert(work, chain.Pending);
            if (work.Verified is not null) chain.Written.AddRange(chain.Pending);
            chain.Pending.Clear();
        }
        if (chain.Head is not { Dirty: true } head) return;
        StoreInfoTable.Put(work, StoreInfoTable.AuditHeadSequence, head.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture));
        StoreInfoTable.Put(work, StoreInfoTable.AuditHeadHash, head.Hash);
        chain.Head = head with { Dirty = false };
    }

    private static AuditHead LoadHead(UnitOfWork work)
        => AuditLogTable.Head(work) is { } h ? new AuditHead(h.Sequence, h.Hash, false) : new AuditHead(0, Genesis, false);

    /// <summary>A record's hash over its fields, length-prefixed, and the previous record's hash (<see cref="RecordHash"/>).</summary>
    internal static string ComputeHash(long seq, string id, long atTicks, string actor, string action, string targetType,
        string? targetId, string? roleId, string? principal, string? before, string? after, string prevHash)
        => RecordHash.Compute(seq, id, atTicks, actor, action, targetType, targetId, roleId, principal, before, after, prevHash);

    private static PimAuditRecord ToRecord(AuditLogTable.Row r, IReadOnlyDictionary<Guid, string> roleNames, PimIdentityMode mode, long verifiedFrom)
    {
        var roleId = Guid.TryParse(r.RoleId, out var rid) ? rid : (Guid?)null;
        return new PimAuditRecord
        {
            Sequence = r.Sequence,
            AuditId = Guid.TryParse(r.AuditId, out var g) ? g : Guid.Empty,
            DateTime = r.AtUtc,
            Actor = r.Actor,
            Action = r.Action,
            TargetType = r.TargetType,
            TargetId = r.TargetId,
            RoleId = roleId,
            Role = roleId is { } id && roleNames.TryGetValue(id, out var name) ? name : null,
            Principal = r.Principal,
            Before = r.BeforeJson,
            After = r.AfterJson,
            PreviousHash = r.PrevHash,
            Hash = r.Hash,
            IdentityMode = mode == PimIdentityMode.Verified && r.Sequence >= verifiedFrom ? PimIdentityMode.Verified : PimIdentityMode.Lab,
        };
    }

    /// <summary>Where a store's Verified records begin: 1, or the record that protected a store that began as Lab.</summary>
    private static long VerifiedFrom(UnitOfWork work)
        => long.TryParse(StoreInfoTable.Get(work, StoreInfoTable.VerifiedFromSequence), out var from) ? from : 1;

    public static List<PimAuditRecord> Query(UnitOfWork work, PimAuditQuery q)
    {
        var since = q.Since is { } s ? Times.Utc(s, "Since") : (DateTime?)null;
        var until = q.Until is { } u ? Times.Utc(u, "Until") : (DateTime?)null;
        Input.List(q.Actions, "Action", Input.ActionNameLength, maxCount: 1000);
        var principalKey = q.Principal is { } p ? Principal.Fold(DirectoryMap.Canonical(work, p, "Principal")) : null;
        // Everyone reads the records they acted in or that are about them (Entra's "My audit"); the roles that read PIM
        // read all (docs/security.md, "Who may read what").
        List<AuditLogTable.Row> rows;
        if (!Authorization.ReadsEverything(work, asStored: true))
        {
            // -Principal of another: the records about them that the caller acted in (an approver's decisions).
            var me = Principal.Fold(work.Actor);
            var other = principalKey is not null && principalKey != me ? principalKey : null;
            rows = AuditLogTable.Query(work, since, until, me, q.RoleId, q.Actions, other is null ? q.First : null);
            if (other is not null)
                rows = rows.Where(r => (r.Principal is { } p1 && Principal.Fold(p1) == other) || Principal.Fold(r.Actor) == other)
                    .Take(q.First ?? int.MaxValue).ToList();
        }
        else rows = AuditLogTable.Query(work, since, until, principalKey, q.RoleId, q.Actions, q.First);
        var names = RolesTable.Names(work);
        var verifiedFrom = VerifiedFrom(work);
        return rows.ConvertAll(r => ToRecord(r, names, work.IdentityMode, verifiedFrom));
    }

    /// <summary>
    /// Test-PimAuditLog: the hash chain record by record and its head; in a Verified store also every seal, the key bindings
    /// and revocations and the entitlement of each actor, judged by the log itself.
    /// </summary>
    public static PimAuditVerification Verify(UnitOfWork work) => VerifyAll(work).Result;

    /// <summary>As <see cref="Verify"/>, with the seal verifier's verdict (null in a Lab store, or when the chain itself is broken).</summary>
    public static (PimAuditVerification Result, Identity.Keys.SealVerdict? Seals) VerifyAll(UnitOfWork work,
        Action<Identity.Keys.SealedRecord, Identity.Keys.SealContext>? observe = null) => VerifyFrom(work, null, observe);

    /// <summary>
    /// Verifies the log after a verified checkpoint (<paramref name="resume"/>; null = from the genesis) up to the head the
    /// store recorded when asked: in one pass over the records as stored, each record's hash and its place in the chain
    /// from the checkpoint's hash, and — in a Verified store — every seal after it, resuming the seal verifier's state;
    /// <paramref name="observe"/> sees each record that passed both, with its sealing actor. The caller reads in one
    /// snapshot (a transaction), so the head, the records and the seals agree.
    /// </summary>
    /// <param name="stopAt">Verifies only up to this record (the end of a sealed transaction: a snapshot a replay compares with), not to the head.</param>
    /// <param name="archives">From the genesis: the archives of the log's beginning (Test-PimAuditLog -ArchivePath, oldest first), read before the store's records after them.</param>
    public static (PimAuditVerification Result, Identity.Keys.SealVerdict? Seals) VerifyFrom(UnitOfWork work, Identity.Keys.SealState? resume,
        Action<Identity.Keys.SealedRecord, Identity.Keys.SealContext>? observe, Kernel.AnchorTimeline? lookAhead = null, long? stopAt = null,
        IReadOnlyList<LogArchive.File>? archives = null)
    {
        var (upTo, headHash) = RecordedHead(work);
        var verified = work.IdentityMode == PimIdentityMode.Verified;
        PimAuditVerification Invalid(long seq, string reason, long records) => new()
        {
            IsValid = false, RecordsChecked = records, FirstInvalidRecord = TryGet(work, seq), FirstInvalidSequence = seq, Reason = reason,
            IdentityMode = work.IdentityMode,
        };
        if (verified && upTo == long.MaxValue && AuditLogTable.Head(work) is { } present)
            return (Invalid(present.Sequence, "The store no longer records the head of its log beside it: it was removed outside PimModule.", 0), null);
        // From the genesis every record is read (one added past the recorded head is found); a tail up to the recorded head,
        // and nothing may follow it.
        var readTo = stopAt ?? (resume is null ? long.MaxValue : upTo);
        if (resume is not null && AuditLogTable.Head(work) is { } last && last.Sequence > upTo)
            return (Invalid(upTo + 1, $"The log holds records after the head the store recorded ({upTo}): they were added outside PimModule.", resume.CheckedRecords), null);
        var after = resume?.SealedUpTo ?? 0;
        var chain = new ChainCheck(after + 1, resume?.PrevHash ?? Genesis, resume?.CheckedRecords ?? 0);
        // Across archives: their records and seals first, then the store's after the last one (what it kept of the archived
        // range — the key transactions — is in the archives too).
        var archived = resume is null && archives is { Count: > 0 } ? archives[^1].Until : (long?)null;
        var storedFrom = archived ?? after;
        var seals = verified
            ? (archives is { Count: > 0 } && archived is not null ? archives.SelectMany(a => a.Seals) : [])
                .Concat(SealsTable.After(work, archived ?? resume?.SealedUpTo ?? -1, readTo).Select(r => new Identity.Keys.SealRow(r.FromSequence, r.ToSequence, r.Envelope)))
                .Where(r => r.ToSequence <= readTo).ToList()
            : [];
        var source = (archived is not null ? archives!.SelectMany(a => a.Records).Where(f => long.TryParse(f[0], out var q) && q <= readTo) : [])
            .Concat(AuditLogTable.StoredText(work, storedFrom, readTo));
        var records = chain.Records(source);
        Identity.Keys.SealVerdict? verdict = null;
        if (verified)
        {
            var storeId = StoreInfoTable.Get(work, StoreInfoTable.StoreId) ?? "";
            verdict = Identity.Keys.Seals.Verify(storeId, records, seals, Genesis, resume, observe, SqlTypes.Ticks(work.Now), lookAhead);
        }
        else foreach (var _ in records) { }
        // A break of the chain comes first: the records after it were never handed on.
        if (chain.Broken is { } b) return (Invalid(b.Seq, b.Reason, chain.Checked), null);
        if (verdict is null || verdict.IsValid)
        {
            if (stopAt is null && upTo != long.MaxValue && (verdict is null || verdict.IsValid) && chain.Complete && (upTo != chain.Expected - 1 || headHash != chain.Prev))
                return (Invalid(Math.Min(upTo, chain.Expected), upTo > chain.Expected - 1
                    ? $"The log ends at record {chain.Expected - 1} but the store recorded {upTo}: the newest records were removed."
                    : $"The log's last record {chain.Expected - 1} is not the head the store recorded ({upTo}): records were added or replaced outside PimModule.", chain.Checked), null);
            return (new PimAuditVerification { IsValid = true, RecordsChecked = chain.Checked, IdentityMode = work.IdentityMode, SealsChecked = verdict?.SealsChecked ?? 0 }, verdict);
        }
        var seq = verdict.FirstInvalidRecord ?? 0;
        return (new PimAuditVerification
        {
            IsValid = false, RecordsChecked = verdict.RecordsChecked, FirstInvalidSequence = seq, FirstInvalidRecord = TryGet(work, seq),
            Reason = "The log is not sealed as PimModule seals it: " + verdict.Reason + ".", IdentityMode = PimIdentityMode.Verified,
            SealsChecked = verdict.SealsChecked,
        }, verdict);
    }

    /// <summary>The head the store recorded beside the log (store_info, written with every record): its sequence (MaxValue when none) and hash.</summary>
    public static (long Sequence, string? Hash) RecordedHead(UnitOfWork work) => RecordedHead(StoreInfoTable.Many(work, HeadKeys));

    /// <summary>The store_info keys of the recorded head.</summary>
    internal static string[] HeadKeys => [StoreInfoTable.AuditHeadSequence, StoreInfoTable.AuditHeadHash];

    /// <summary>The recorded head of the store_info rows of <see cref="HeadKeys"/>, read (as <see cref="RecordedHead(UnitOfWork)"/>).</summary>
    internal static (long Sequence, string? Hash) RecordedHead(IReadOnlyDictionary<string, string> info)
    {
        var seq = info.TryGetValue(StoreInfoTable.AuditHeadSequence, out var text) && long.TryParse(text, out var hs) ? hs : long.MaxValue;
        return (seq, info.TryGetValue(StoreInfoTable.AuditHeadHash, out var hash) ? hash : null);
    }

    /// <summary>
    /// The hash chain checked record by record as the records stream past, over the stored text of every column (a parsed
    /// value could hide an edit); each record that holds is handed on as the seal verifier reads it. A break is noted and
    /// the stream stops (the reader is closed before anything else is asked: one command at a time on PostgreSQL).
    /// </summary>
    private sealed class ChainCheck(long expected, string prev, long checkedBefore)
    {
        public long Expected { get; private set; } = expected;
        public string Prev { get; private set; } = prev;
        public long Checked { get; private set; } = checkedBefore;
        public (long Seq, string Reason)? Broken { get; private set; }
        /// <summary>True when every record was read (the seal verifier may stop early on a failure of its own).</summary>
        public bool Complete { get; private set; }

        public IEnumerable<Identity.Keys.SealedRecord> Records(IEnumerable<string?[]> rows)
        {
            foreach (var f in rows)
            {
                Checked++;
                var seq = long.TryParse(f[0], out var s) ? s : -1;
                if (seq != Expected)
                {
                    Broken = (seq, seq > Expected
                        ? $"Record {seq} follows record {Expected - 1}: record(s) {Expected}..{seq - 1} were removed."
                        : $"Record {f[0]} is out of order (expected {Expected}).");
                    yield break;
                }
                if (!string.Equals(f[11], Prev, StringComparison.Ordinal))
                {
                    Broken = (seq, $"Record {seq} does not chain to record {seq - 1}: a record was inserted, replaced or removed before it.");
                    yield break;
                }
                var at = long.TryParse(f[2], out var a) ? a : long.MinValue;
                var hash = ComputeHash(seq, f[1] ?? "", at, f[3] ?? "", f[4] ?? "", f[5] ?? "", f[6], f[7], f[8], f[9], f[10], f[11] ?? "");
                if (!string.Equals(hash, f[12], StringComparison.Ordinal))
                {
                    Broken = (seq, $"Record {seq} was changed outside PimModule: its contents no longer match its hash.");
                    yield break;
                }
                // The keys the queries select by (who acted, whom it concerns) are not hashed: they must be the hashed names' keys.
                var principalName = f[8];
                var principalKey = principalName is null ? null : Principal.Fold(principalName);
                if (f.Length >= 15 && (f[13] != Principal.Fold(f[3] ?? "") || f[14] != principalKey))
                {
                    Broken = (seq, $"Record {seq} was changed outside PimModule: its actor or principal key is not its actor's or principal's.");
                    yield break;
                }
                Prev = f[12]!;
                Expected++;
                yield return new Identity.Keys.SealedRecord(seq, hash, f[4] ?? "", Principal.Fold(f[3] ?? ""), f[10], f[5], f[6], at,
                    principalKey, f[7]);
            }
            Complete = true;
        }
    }

    private static PimAuditRecord? TryGet(UnitOfWork work, long sequence)
    {
        try
        {
            return AuditLogTable.BySequence(work, sequence) is { } row ? ToRecord(row, RolesTable.Names(work), work.IdentityMode, VerifiedFrom(work)) : null;
        }
        catch (Exception e) when (e is FormatException or InvalidCastException or OverflowException or System.Data.DataException)
        {
            return new PimAuditRecord { Sequence = sequence, Action = "(unreadable)" };
        }
    }
}
