namespace PimModule.Storage;

/// <summary>What the assignment services write to the audit log: the records of a batch of new assignments.</summary>
internal static partial class AuditLogTable
{
    /// <summary>An audit record chained onto the unit of work's audit chain, not written yet.</summary>
    internal sealed record Chained(long Sequence, Guid Id, DateTime At, string Actor, string Action, string TargetType, string? TargetId,
        Guid? RoleId, string? Principal, string? Before, string? After, string PrevHash, string Hash);

    private sealed record HeadRow(long Sequence, string Hash);

    /// <summary>
    /// Chains a record onto this unit of work's audit chain as <see cref="AuditLog.Append"/> does — the next sequence, the
    /// hash over its fields and the previous hash, the chain's head moved on (written before commit by <see cref="AuditChain"/>)
    /// — without writing it: the bulk writer writes a batch's records together (<see cref="InsertMany"/>) before it commits.
    /// Records appended by AuditLog.Append in the same unit of work take the sequences after these.
    /// </summary>
    public static Chained Chain(UnitOfWork work, string action, string targetType, string? targetId, Guid? roleId, string? principal,
        string? before, string? after)
    {
        var chain = work.Participant<AuditChain>();
        var head = chain.Head ??= Head(work);
        var seq = head.Sequence + 1;
        var id = Ids.New();
        var hash = AuditLog.ComputeHash(seq, id.ToString("D"), SqlTypes.Ticks(work.Now), work.Actor, action, targetType, targetId,
            roleId?.ToString("D"), principal, before, after, head.Hash);
        chain.Head = new AuditHead(seq, hash, true);
        return new Chained(seq, id, work.Now, work.Actor, action, targetType, targetId, roleId, principal, before, after, head.Hash, hash);
    }

    /// <summary>The chain's last record as stored (the genesis hash for an empty log).</summary>
    private static AuditHead Head(UnitOfWork work)
        => work.QueryFirstOrDefault<HeadRow>("SELECT sequence, hash FROM audit_log ORDER BY sequence DESC LIMIT 1") is { } h
            ? new AuditHead(h.Sequence, h.Hash, false)
            : new AuditHead(0, AuditLog.Genesis, false);

    private static readonly string[] BulkColumns =
    [
        "sequence", "audit_id", "at_utc", "actor", "actor_key", "action", "target_type", "target_id", "role_id",
        "principal", "principal_key", "before_json", "after_json", "prev_hash", "hash",
    ];

    /// <summary>Writes chained records together (binary COPY on PostgreSQL, a prepared INSERT on SQLite), with the columns AuditLog.Append writes.</summary>
    public static void InsertMany(UnitOfWork work, IReadOnlyList<Chained> records)
    {
        if (records.Count == 0) return;
        using var bulk = work.Bulk("audit_log", BulkColumns);
        string? actor = null, actorKey = null;
        foreach (var r in records)
        {
            if (!ReferenceEquals(r.Actor, actor)) (actor, actorKey) = (r.Actor, Principal.Fold(r.Actor));
            bulk.Row();
            bulk.Long(r.Sequence);
            bulk.Id(r.Id);
            bulk.Time(r.At);
            bulk.Text(r.Actor);
            bulk.Text(actorKey);
            bulk.Text(r.Action);
            bulk.Text(r.TargetType);
            bulk.Text(r.TargetId);
            bulk.Id(r.RoleId);
            bulk.Text(r.Principal);
            bulk.Text(r.Principal is null ? null : Principal.Fold(r.Principal));
            bulk.Text(r.Before);
            bulk.Text(r.After);
            bulk.Text(r.PrevHash);
            bulk.Text(r.Hash);
        }
        bulk.Complete();
    }
}
