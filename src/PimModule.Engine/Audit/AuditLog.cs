using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using PimModule.Storage;

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
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    public static string? ToJson(object? value) => value switch
    {
        null => null,
        RawJson raw => raw.Json,
        _ => JsonSerializer.Serialize(value, value.GetType(), Json),
    };

    public static void Append(UnitOfWork work, string action, string targetType, string? targetId,
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

    internal static string ComputeHash(long seq, string id, long atTicks, string actor, string action, string targetType,
        string? targetId, string? roleId, string? principal, string? before, string? after, string prevHash)
    {
        var sb = new StringBuilder(256);
        void Field(string? v)
        {
            if (v is null) { sb.Append("-1:"); return; }
            sb.Append(v.Length).Append(':').Append(v);
        }
        Field(seq.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Field(id);
        Field(atTicks.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Field(actor); Field(action); Field(targetType); Field(targetId); Field(roleId); Field(principal);
        Field(before); Field(after); Field(prevHash);
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString()))).ToLowerInvariant();
    }

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
        var principalKey = q.Principal is { } p ? Principal.Key(p) : null;
        var rows = AuditLogTable.Query(work, since, until, principalKey, q.RoleId, q.Actions, q.First);
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
    /// store recorded when asked: the chain record by record from the checkpoint's hash, and every seal after it, resuming
    /// the seal verifier's state; <paramref name="observe"/> sees each verified record with its sealing actor.
    /// </summary>
    public static (PimAuditVerification Result, Identity.Keys.SealVerdict? Seals) VerifyFrom(UnitOfWork work, Identity.Keys.SealState? resume,
        Action<Identity.Keys.SealedRecord, Identity.Keys.SealContext>? observe)
    {
        var (upTo, headHash) = RecordedHead(work);
        // From the genesis every record is read (one added past the recorded head is found); a tail is read up to the head
        // recorded when asked (a commit meanwhile is the next call's).
        var readTo = resume is null ? long.MaxValue : upTo;
        var chain = VerifyChain(work, resume?.SealedUpTo ?? 0, resume?.PrevHash ?? Genesis, resume?.CheckedRecords ?? 0, upTo, headHash, readTo);
        if (!chain.IsValid || work.IdentityMode != PimIdentityMode.Verified) return (chain, null);
        var storeId = StoreInfoTable.Get(work, StoreInfoTable.StoreId) ?? "";
        var seals = SealsTable.After(work, resume?.SealedUpTo ?? -1, readTo).ConvertAll(r => new Identity.Keys.SealRow(r.FromSequence, r.ToSequence, r.Envelope));
        var records = AuditLogTable.SealInputs(work, resume?.SealedUpTo ?? 0, readTo)
            .Select(r => new Identity.Keys.SealedRecord(r.Sequence, r.Hash, r.Action, Principal.Fold(r.Actor), r.AfterJson, r.TargetType, r.TargetId,
                SqlTypes.Ticks(r.AtUtc), r.Principal is null ? null : Principal.Fold(r.Principal), r.RoleId));
        var verdict = Identity.Keys.Seals.Verify(storeId, records, seals, Genesis, resume, observe);
        if (verdict.IsValid)
            return (new PimAuditVerification { IsValid = true, RecordsChecked = chain.RecordsChecked, IdentityMode = PimIdentityMode.Verified, SealsChecked = verdict.SealsChecked }, verdict);
        var seq = verdict.FirstInvalidRecord ?? 0;
        return (new PimAuditVerification
        {
            IsValid = false, RecordsChecked = verdict.RecordsChecked, FirstInvalidSequence = seq, FirstInvalidRecord = TryGet(work, seq),
            Reason = "The log is not sealed as PimModule seals it: " + verdict.Reason + ".", IdentityMode = PimIdentityMode.Verified,
            SealsChecked = verdict.SealsChecked,
        }, verdict);
    }

    /// <summary>The head the store recorded beside the log (store_info, written with every record): its sequence (MaxValue when none) and hash.</summary>
    public static (long Sequence, string? Hash) RecordedHead(UnitOfWork work)
    {
        var info = StoreInfoTable.Many(work, [StoreInfoTable.AuditHeadSequence, StoreInfoTable.AuditHeadHash]);
        var seq = info.TryGetValue(StoreInfoTable.AuditHeadSequence, out var text) && long.TryParse(text, out var hs) ? hs : long.MaxValue;
        return (seq, info.TryGetValue(StoreInfoTable.AuditHeadHash, out var hash) ? hash : null);
    }

    private static PimAuditVerification VerifyChain(UnitOfWork work, long after, string afterHash, long checkedBefore, long upTo, string? headHash, long readTo)
    {
        long checkedCount = checkedBefore;
        long expected = after + 1;
        var prev = afterHash;
        PimAuditVerification Broken(long seq, string reason) => new()
        {
            IsValid = false, RecordsChecked = checkedCount, FirstInvalidRecord = TryGet(work, seq),
            FirstInvalidSequence = seq, Reason = reason, IdentityMode = work.IdentityMode,
        };

        // Verify over the stored text of every column, as written: a parsed value could hide an edit.
        // The reader stays open while the loop runs: a break is noted and looked up after it (one command at a
        // time per connection on PostgreSQL).
        (long Seq, string Reason)? broken = null;
        foreach (var f in AuditLogTable.StoredText(work, after, readTo))
        {
            checkedCount++;
            var seq = long.TryParse(f[0], out var s) ? s : -1;
            if (seq != expected)
            {
                broken = (seq, seq > expected
                    ? $"Record {seq} follows record {expected - 1}: record(s) {expected}..{seq - 1} were removed."
                    : $"Record {f[0]} is out of order (expected {expected}).");
                break;
            }
            if (!string.Equals(f[11], prev, StringComparison.Ordinal))
            {
                broken = (seq, $"Record {seq} does not chain to record {seq - 1}: " +
                               "a record was inserted, replaced or removed before it.");
                break;
            }
            var hash = ComputeHash(seq, f[1] ?? "", long.TryParse(f[2], out var at) ? at : long.MinValue, f[3] ?? "", f[4] ?? "",
                f[5] ?? "", f[6], f[7], f[8], f[9], f[10], f[11] ?? "");
            if (!string.Equals(hash, f[12], StringComparison.Ordinal))
            {
                broken = (seq, $"Record {seq} was changed outside PimModule: its contents no longer match its hash.");
                break;
            }
            prev = f[12]!;
            expected++;
        }
        if (broken is { } b) return Broken(b.Seq, b.Reason);

        // The head the store recorded (read before the records, in one statement, so a commit meanwhile is not mistaken for a change).
        if (upTo != long.MaxValue && (upTo != expected - 1 || headHash != prev))
        {
            return new PimAuditVerification
            {
                IsValid = false, RecordsChecked = checkedCount, FirstInvalidRecord = TryGet(work, expected - 1),
                FirstInvalidSequence = Math.Min(upTo, expected),
                Reason = upTo > expected - 1
                    ? $"The log ends at record {expected - 1} but the store recorded {upTo}: the newest records were removed."
                    : $"The log's last record {expected - 1} is not the head the store recorded ({upTo}): records were added or replaced outside PimModule.",
                IdentityMode = work.IdentityMode,
            };
        }
        return new PimAuditVerification { IsValid = true, RecordsChecked = checkedCount, IdentityMode = work.IdentityMode };
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
