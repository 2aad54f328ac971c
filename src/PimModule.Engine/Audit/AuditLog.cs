using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using PimModule.Storage;

namespace PimModule.Audit;

internal sealed record AuditHead(long Sequence, string Hash, bool Dirty);

/// <summary>The audit chain of one unit of work: its head, loaded on first append and written back once, before commit.</summary>
internal sealed class AuditChain : ICommitParticipant
{
    public int Order => 100; // last: every other participant may still append records

    public AuditHead? Head { get; set; }

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
        var head = chain.Head ??= LoadHead(work);
        var seq = head.Sequence + 1;
        var id = Ids.New();
        var beforeJson = ToJson(before);
        var afterJson = ToJson(after);
        var roleText = roleId?.ToString("D");
        var hash = ComputeHash(seq, id.ToString("D"), Db.ToTicks(work.Now), work.Actor, action, targetType, targetId,
            roleText, principal, beforeJson, afterJson, head.Hash);
        work.Execute(
            "INSERT INTO audit_log (sequence, audit_id, at_utc, actor, actor_key, action, target_type, target_id, role_id, " +
            "principal, principal_key, before_json, after_json, prev_hash, hash) VALUES " +
            "(@seq, @id, @at, @actor, @actorKey, @action, @tt, @tid, @role, @p, @pk, @b, @a, @prev, @hash)",
            ("@seq", seq), ("@id", id), ("@at", work.Now), ("@actor", work.Actor), ("@actorKey", Principal.Fold(work.Actor)),
            ("@action", action), ("@tt", targetType), ("@tid", targetId), ("@role", roleText), ("@p", principal),
            ("@pk", principal is null ? null : Principal.Fold(principal)), ("@b", beforeJson), ("@a", afterJson),
            ("@prev", head.Hash), ("@hash", hash));
        chain.Head = new AuditHead(seq, hash, true);
    }

    /// <summary>Writes the chain's head beside the log; once per transaction, before commit (AuditChain).</summary>
    public static void Flush(UnitOfWork work)
    {
        var chain = work.Participant<AuditChain>();
        if (chain.Head is not { Dirty: true } head) return;
        const string upsert = "INSERT INTO store_info (key, value) VALUES (@k, @v) ON CONFLICT (key) DO UPDATE SET value = excluded.value";
        work.Execute(upsert, ("@k", "audit_head_sequence"), ("@v", head.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        work.Execute(upsert, ("@k", "audit_head_hash"), ("@v", head.Hash));
        chain.Head = head with { Dirty = false };
    }

    private static AuditHead LoadHead(UnitOfWork work)
    {
        var rows = work.Query("SELECT sequence, hash FROM audit_log ORDER BY sequence DESC LIMIT 1",
            r => new AuditHead(r.GetInt64(0), r.GetString(1), false));
        return rows.Count == 0 ? new AuditHead(0, Genesis, false) : rows[0];
    }

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

    private const string SelectColumns =
        "SELECT a.sequence, a.audit_id, a.at_utc, a.actor, a.action, a.target_type, a.target_id, a.role_id, r.name AS role_name, " +
        "a.principal, a.before_json, a.after_json, a.prev_hash, a.hash FROM audit_log a LEFT JOIN roles r ON r.role_id = a.role_id";

    private static PimAuditRecord Map(DbDataReader r) => new()
    {
        Sequence = r.GetLong("sequence"),
        AuditId = Guid.TryParse(r.GetStringOrNull("audit_id"), out var g) ? g : Guid.Empty,
        DateTime = r.GetUtc("at_utc"),
        Actor = r.GetText("actor"),
        Action = r.GetText("action"),
        TargetType = r.GetText("target_type"),
        TargetId = r.GetStringOrNull("target_id"),
        RoleId = Guid.TryParse(r.GetStringOrNull("role_id"), out var rid) ? rid : null,
        Role = r.GetStringOrNull("role_name"),
        Principal = r.GetStringOrNull("principal"),
        Before = r.GetStringOrNull("before_json"),
        After = r.GetStringOrNull("after_json"),
        PreviousHash = r.GetText("prev_hash"),
        Hash = r.GetText("hash"),
    };

    public static List<PimAuditRecord> Query(UnitOfWork work, PimAuditQuery q)
    {
        var where = new List<string>();
        var ps = new List<(string, object?)>();
        if (q.Since is { } since) { where.Add("a.at_utc >= @since"); ps.Add(("@since", Times.Utc(since, "Since"))); }
        if (q.Until is { } until) { where.Add("a.at_utc <= @until"); ps.Add(("@until", Times.Utc(until, "Until"))); }
        Input.List(q.Actions, "Action", Input.ActionNameLength, maxCount: 1000);
        if (q.Principal is { } p)
        {
            where.Add("(a.principal_key = @p OR a.actor_key = @p)");
            ps.Add(("@p", Principal.Key(p)));
        }
        if (q.RoleId is { } role) { where.Add("a.role_id = @role"); ps.Add(("@role", role)); }
        if (q.Actions is { Length: > 0 } actions)
        {
            var names = new List<string>();
            for (var i = 0; i < actions.Length; i++) { names.Add("@act" + i); ps.Add(("@act" + i, actions[i])); }
            where.Add($"a.action IN ({string.Join(", ", names)})");
        }
        var sql = SelectColumns + (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "") + " ORDER BY a.sequence";
        if (q.First is { } first) { sql += " LIMIT @first"; ps.Add(("@first", first)); }
        return work.Query(sql, Map, ps.ToArray());
    }

    public static PimAuditVerification Verify(UnitOfWork work)
    {
        long checkedCount = 0;
        long expected = 1;
        var prev = Genesis;
        PimAuditVerification Broken(long seq, string reason) => new()
        {
            IsValid = false, RecordsChecked = checkedCount, FirstInvalidRecord = TryGet(work, seq),
            FirstInvalidSequence = seq, Reason = reason,
        };

        // Verify over the stored text of every column, as written: a parsed value could hide an edit.
        const string raw = "SELECT sequence, audit_id, at_utc, actor, action, target_type, target_id, role_id, principal, " +
                           "before_json, after_json, prev_hash, hash FROM audit_log ORDER BY sequence";
        // The reader stays open while the loop runs: a break is noted and looked up after it (one command at a
        // time per connection on PostgreSQL).
        (long Seq, string Reason)? broken = null;
        foreach (var f in work.Stream(raw, ReadRaw))
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

        var headSeq = work.Scalar("SELECT value FROM store_info WHERE key = 'audit_head_sequence'") as string;
        var headHash = work.Scalar("SELECT value FROM store_info WHERE key = 'audit_head_hash'") as string;
        if (headSeq is not null && long.TryParse(headSeq, out var hs) && (hs != expected - 1 || headHash != prev))
        {
            return new PimAuditVerification
            {
                IsValid = false, RecordsChecked = checkedCount, FirstInvalidRecord = TryGet(work, expected - 1),
                FirstInvalidSequence = Math.Min(hs, expected),
                Reason = hs > expected - 1
                    ? $"The log ends at record {expected - 1} but the store recorded {hs}: the newest records were removed."
                    : $"The log's last record {expected - 1} is not the head the store recorded ({hs}): records were added or replaced outside PimModule.",
            };
        }
        return new PimAuditVerification { IsValid = true, RecordsChecked = checkedCount };
    }

    private static string?[] ReadRaw(DbDataReader r)
    {
        var f = new string?[13];
        for (var i = 0; i < f.Length; i++)
        {
            if (r.IsDBNull(i)) continue;
            var v = r.GetValue(i);
            f[i] = v switch
            {
                string t => t,
                long l => l.ToString(System.Globalization.CultureInfo.InvariantCulture),
                int n => n.ToString(System.Globalization.CultureInfo.InvariantCulture),
                IFormattable x => x.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
                _ => v.ToString(),
            };
        }
        return f;
    }

    private static PimAuditRecord? TryGet(UnitOfWork work, long sequence)
    {
        try
        {
            return work.Query(SelectColumns + " WHERE a.sequence = @s", Map, ("@s", sequence)).FirstOrDefault();
        }
        catch (Exception e) when (e is FormatException or InvalidCastException or OverflowException)
        {
            return new PimAuditRecord { Sequence = sequence, Action = "(unreadable)" };
        }
    }
}
