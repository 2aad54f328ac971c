using System.Globalization;

namespace PimModule.Storage;

/// <summary>
/// The audit_log table (append-only, hash-chained): its SQL, its row types and its named predicates. No other file
/// writes SQL against audit_log.
/// </summary>
internal static partial class AuditLogTable
{
    /// <summary>A record to append (sequence and hashes computed by the chain).</summary>
    internal sealed record New(long Sequence, Guid AuditId, DateTime AtUtc, string Actor, string ActorKey, string Action, string TargetType,
        string? TargetId, string? RoleId, string? Principal, string? PrincipalKey, string? BeforeJson, string? AfterJson, string PrevHash, string Hash);

    /// <summary>A record as read (role_id and audit_id as stored: a record changed outside PimModule may hold anything).</summary>
    internal sealed record Row(long Sequence, string? AuditId, DateTime AtUtc, string Actor, string Action, string TargetType, string? TargetId,
        string? RoleId, string? Principal, string? BeforeJson, string? AfterJson, string PrevHash, string Hash);

    /// <summary>Each principal's newest record as actor at or before <paramref name="at"/> (through ix_audit_actor; none: not listed).</summary>
    public static Dictionary<string, DateTime> LastActedAt(UnitOfWork work, IReadOnlyCollection<string> actorKeys, DateTime at)
        => work.VerifiedNow() is { } verified
            // A Verified store: by the verified records, never by a row's key as read (an edited actor_key would move activity).
            ? verified.LastActed(actorKeys).Where(kv => kv.Value <= at).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal)
            : LastActedInLog(work, actorKeys, at);

    private static Dictionary<string, DateTime> LastActedInLog(UnitOfWork work, IReadOnlyCollection<string> actorKeys, DateTime at)
    {
        if (actorKeys.Count == 0) return new Dictionary<string, DateTime>(StringComparer.Ordinal);
        // Few principals: one index seek each. Many (a store of a million holders): every actor's newest record, one pass
        // over the index (the log has far fewer actors than such a list has keys), kept for the keys asked.
        var rows = actorKeys.Count <= ManyKeys
            ? work.Query<(string Key, long Ticks)>($"SELECT actor_key, MAX(at_utc) FROM audit_log WHERE {work.AnyOf("actor_key", "keys")} AND at_utc <= @at GROUP BY actor_key",
                new { keys = work.TextList(actorKeys), at })
            : work.Query<(string Key, long Ticks)>("SELECT actor_key, MAX(at_utc) FROM audit_log WHERE at_utc <= @at GROUP BY actor_key", new { at });
        var asked = actorKeys.Count <= ManyKeys ? null : actorKeys as IReadOnlySet<string> ?? actorKeys.ToHashSet(StringComparer.Ordinal);
        return rows.Where(r => asked is null || asked.Contains(r.Key)).ToDictionary(r => r.Key, r => StoredValue.Time(r.Ticks, "audit_log", "at_utc", "of actor " + r.Key), StringComparer.Ordinal);
    }

    /// <summary>Above this many keys <see cref="LastActedInLog"/> reads every actor's newest record instead of seeking each.</summary>
    private const int ManyKeys = 2000;

    /// <summary>The newest record's place in the chain.</summary>
    internal sealed record HeadRow(long Sequence, string Hash);

    /// <summary>A refused MFA code as the RepeatedMfaFailures alert reads it.</summary>
    internal sealed record MfaFailureRow(string? Principal, string? RoleId, string? AfterJson);

    private const string Select =
        "SELECT sequence, audit_id, at_utc, actor, action, target_type, target_id, role_id, principal, before_json, after_json, prev_hash, hash FROM audit_log";

    private static readonly string[] Columns =
    [
        "sequence", "audit_id", "at_utc", "actor", "actor_key", "action", "target_type", "target_id", "role_id", "principal",
        "principal_key", "before_json", "after_json", "prev_hash", "hash",
    ];

    /// <summary>Appends records (the chain's, written together just before the unit of work commits).</summary>
    public static void Insert(UnitOfWork work, IReadOnlyList<New> records)
    {
        if (records.Count == 0) return;
        // Typed values straight into the bulk writer (no array or boxed value per record: a bulk import writes one a row).
        using var bulk = work.Bulk("audit_log", Columns);
        foreach (var r in records)
        {
            bulk.Row();
            bulk.Long(r.Sequence);
            bulk.Id(r.AuditId);
            bulk.Time(r.AtUtc);
            bulk.Text(r.Actor);
            bulk.Text(r.ActorKey);
            bulk.Text(r.Action);
            bulk.Text(r.TargetType);
            bulk.Text(r.TargetId);
            bulk.Text(r.RoleId);
            bulk.Text(r.Principal);
            bulk.Text(r.PrincipalKey);
            bulk.Text(r.BeforeJson);
            bulk.Text(r.AfterJson);
            bulk.Text(r.PrevHash);
            bulk.Text(r.Hash);
        }
        bulk.Complete();
    }

    public static HeadRow? Head(UnitOfWork work) => work.QueryFirstOrDefault<HeadRow>("SELECT sequence, hash FROM audit_log ORDER BY sequence DESC LIMIT 1");

    public static long Count(UnitOfWork work) => work.Scalar<long>("SELECT COUNT(*) FROM audit_log");

    /// <summary>
    /// The records that name or change the store's root keys up to <paramref name="upTo"/> — the genesis (or protection) and
    /// every key binding and revocation, and every archive (ix_audit_keys) — as (sequence, action, after), in chain order.
    /// </summary>
    public static List<(long Sequence, string Action, string? AfterJson)> KeyRecords(UnitOfWork work, long upTo)
        => work.Query<(long, string, string?)>($"SELECT sequence, action, after_json FROM {work.Through("audit_log", "ix_audit_keys")} WHERE sequence <= @upTo AND action IN " +
                                             "('CreateStore', 'ProtectStore', 'RegisterCredential', 'RevokeCredential', 'ArchiveLog') ORDER BY sequence", new { upTo });

    /// <summary>Removes the records after <paramref name="after"/> up to <paramref name="upTo"/> (an archived transaction); how many.</summary>
    public static int DeleteRange(UnitOfWork work, long after, long upTo)
        => work.Execute("DELETE FROM audit_log WHERE sequence > @after AND sequence <= @upTo", new { after, upTo });

    /// <summary>How many records after <paramref name="after"/> are not of <paramref name="action"/>.</summary>
    public static long CountOtherThan(UnitOfWork work, long after, string action)
        => work.Scalar<long>("SELECT COUNT(*) FROM audit_log WHERE sequence > @after AND action <> @action", new { after, action });

    /// <summary>
    /// How many records the log holds up to <paramref name="upTo"/> (a record removed from before a snapshot leaves a gap):
    /// all of them less those after it (a count of the whole table reads its smallest index; of a range, every row).
    /// </summary>
    public static long CountUpTo(UnitOfWork work, long upTo)
        => work.Scalar<long>("SELECT (SELECT COUNT(*) FROM audit_log) - (SELECT COUNT(*) FROM audit_log WHERE sequence > @upTo)", new { upTo });

    /// <summary>
    /// The self-service records of a principal (<see cref="Policy.SelfServiceRate"/>): what they wrote about themselves —
    /// their MFA method, their own key, their activation requests (the request's record, not the activation's), early
    /// deactivations, extension and renewal requests, cancellations of their own requests.
    /// </summary>
    private const string SelfServiceRecord =
        "principal_key = actor_key AND (action IN ('RegisterMfaMethod', 'SelfDeactivate', 'SelfExtend', 'SelfRenew', 'CancelRequest', '" +
        PimModule.Identity.Keys.Seals.BindAction + "', '" + PimModule.Identity.Keys.Seals.ProposeAction + "') OR (action = 'SelfActivate' AND target_type = 'Request'))";

    /// <summary>The times of the newest <paramref name="max"/> self-service records of a principal after <paramref name="from"/>, newest first (ix_audit_actor).</summary>
    public static List<DateTime> SelfServiceTimes(UnitOfWork work, string actorKey, DateTime from, int max)
        => work.Query<long>("SELECT at_utc FROM audit_log WHERE actor_key = @actorKey AND at_utc > @from AND " + SelfServiceRecord +
                            " ORDER BY at_utc DESC LIMIT @max", new { actorKey, from, max }).ConvertAll(t => StoredValue.Time(t, "audit_log", "at_utc", "of actor " + actorKey));

    /// <summary>True when the principal has a record of <paramref name="action"/> after <paramref name="from"/> (ix_audit_actor).</summary>
    public static bool HasSince(UnitOfWork work, string actorKey, string action, DateTime from)
        => work.Query<long>("SELECT 1 FROM audit_log WHERE actor_key = @actorKey AND at_utc > @from AND action = @action LIMIT 1",
            new { actorKey, from, action }).Count > 0;


    /// <summary>Whether the store was ever protected from Lab (a ProtectStore record; the partial index ix_audit_protect).</summary>
    public static bool WasProtected(UnitOfWork work)
        => work.Scalar<long>("SELECT COUNT(*) FROM (SELECT 1 FROM audit_log WHERE action = 'ProtectStore' LIMIT 1) x") > 0;

    /// <summary>Get-PimAuditLog's filters (each null = any), in sequence order.</summary>
    public static List<Row> Query(UnitOfWork work, DateTime? since, DateTime? until, string? principalKey, Guid? roleId, string[]? actions, int? first)
    {
        var where = new List<string>();
        if (since is not null) where.Add("at_utc >= @since");
        if (until is not null) where.Add("at_utc <= @until");
        if (principalKey is not null) where.Add("(principal_key = @principalKey OR actor_key = @principalKey)");
        if (roleId is not null) where.Add("role_id = @roleId");
        if (actions is { Length: > 0 }) where.Add(work.AnyOf("action", "actions"));
        var sql = Select + (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "") + " ORDER BY sequence" + (first is null ? "" : " LIMIT @first");
        return work.Query<Row>(sql, new { since, until, principalKey, roleId, actions = actions is { Length: > 0 } ? work.TextList(actions) : null, first = (long?)first });
    }

    public static Row? BySequence(UnitOfWork work, long sequence) => work.QueryFirstOrDefault<Row>(Select + " WHERE sequence = @sequence", new { sequence });

    /// <summary>The refused MFA codes of a window (the partial index ix_audit_mfa_failed), in sequence order.</summary>
    public static List<MfaFailureRow> MfaFailures(UnitOfWork work, DateTime from, DateTime to) => work.Query<MfaFailureRow>(
        "SELECT principal, role_id, after_json FROM audit_log WHERE action = 'MfaFailed' AND at_utc > @from AND at_utc <= @to ORDER BY sequence",
        new { from, to });

    /// <summary>
    /// Every record's columns as the stored text, in sequence order, read while the caller enumerates (verification hashes
    /// what was written: a parsed value could hide an edit). Columns: sequence, audit_id, at_utc, actor, action, target_type,
    /// target_id, role_id, principal, before_json, after_json, prev_hash, hash; then actor_key and principal_key (not
    /// hashed: the keys of actor and principal, which the check recomputes).
    /// </summary>
    public static IEnumerable<string?[]> StoredText(UnitOfWork work, long after = 0, long upTo = long.MaxValue)
    {
        foreach (IDictionary<string, object?> row in work.Stream<dynamic>(
                     "SELECT sequence, audit_id, at_utc, actor, action, target_type, target_id, role_id, principal, before_json, after_json, prev_hash, hash, " +
                     "actor_key, principal_key FROM audit_log WHERE sequence > @after AND sequence <= @upTo ORDER BY sequence", new { after, upTo }))
        {
            var f = new string?[row.Count];
            var i = 0;
            foreach (var v in row.Values) f[i++] = Text(v);
            yield return f;
        }
    }

    private static string? Text(object? v) => v switch
    {
        null or DBNull => null,
        string t => t,
        long l => l.ToString(CultureInfo.InvariantCulture),
        int n => n.ToString(CultureInfo.InvariantCulture),
        IFormattable x => x.ToString(null, CultureInfo.InvariantCulture),
        _ => v.ToString(),
    };
}
