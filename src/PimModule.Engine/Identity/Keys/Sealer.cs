using PimModule.Audit;
using PimModule.Storage;
using PimModule.Errors;

namespace PimModule.Identity.Keys;

/// <summary>
/// The point of a Verified store's log that this session has verified (at connect) or written itself (each sealed
/// commit moves it): every later write checks, inside its transaction, that the record there is still the same, so a
/// log cut off or rolled back after this session saw it is refused, not written on.
/// </summary>
internal sealed class VerifiedPoint(long sequence, string hash)
{
    private readonly object _gate = new();

    public (long Sequence, string Hash) Current { get { lock (_gate) return (sequence, hash); } }

    /// <summary>True when it moved since the user's known-stores file was last written.</summary>
    public bool Moved { get; private set; }

    public void Advance(long toSequence, string toHash)
    {
        lock (_gate)
        {
            if (toSequence <= sequence) return;
            (sequence, hash, Moved) = (toSequence, toHash, true);
        }
    }

    public void Saved() { lock (_gate) Moved = false; }
}

/// <summary>The acting principal's key in a Verified store, the store its seals name, and the session's verified point.</summary>
internal sealed class Sealer(PimKey key, string storeId, VerifiedPoint point)
{
    public PimKey Key { get; } = key;
    public string StoreId { get; } = storeId;
    public VerifiedPoint Point { get; } = point;

    /// <summary>The head this unit of work sealed (moves the verified point once the transaction has committed).</summary>
    public AuditHead? SealedHead { get; set; }

    /// <summary>The seal this unit of work wrote: the records after <see cref="AuditHead.Sequence"/> of its start, and its envelope.</summary>
    public SealRow? Seal { get; set; }

    public void Committed()
    {
        if (SealedHead is { } head) Point.Advance(head.Sequence, head.Hash);
    }
}

/// <summary>
/// Seals a unit of work of a Verified store inside itself, after the audit chain wrote its records: a JWS by the actor's
/// key over the chain's head before and after the transaction (one seal per transaction, so a bulk batch costs one).
/// When the unit of work appends its first record — inside the transaction that writes, before anything of its own is
/// in the store — the key must be bound, active, to the actor, and the store must still hold what this session
/// verified: a key revoked by another session seals nothing, and a log cut off since is not written on. (Checked
/// then rather than at commit, so a transaction may retire the very key that seals it: a root rotation.)
/// </summary>
internal sealed class SealParticipant : ICommitParticipant
{
    public int Order => 200; // after AuditChain (100): the records and the head are written

    public static void Enlist(UnitOfWork work, Sealer sealer)
    {
        var actorKey = Principal.Fold(work.Actor);
        // The key must be bound to the actor, and not revoked, by the verified log as it stands now (a row of the
        // credentials table put back around the module counts for nothing).
        var active = work.VerifiedNow() is { } verified
            ? verified.State.Bindings.TryGetValue(sealer.Key.Thumbprint, out var bound) && bound.Principal == actorKey
              && !verified.State.Revoked.Contains(sealer.Key.Thumbprint, StringComparer.OrdinalIgnoreCase)
            : CredentialsTable.IsActiveFor(work, sealer.Key.Thumbprint, actorKey);
        if (!active)
            throw PimErrors.CredentialNotRegistered(
                $"The key {sealer.Key.Thumbprint} is not (or no longer) registered to {work.Actor} in this store: nothing was changed.",
                work.Actor, PimErrors.OnboardingSteps(work.Actor, hasKey: true) + " Then Connect-PimStore again.");
        var (pinSequence, pinHash) = sealer.Point.Current;
        if (pinSequence > 0 && !string.Equals(AuditLogTable.BySequence(work, pinSequence)?.Hash, pinHash, StringComparison.Ordinal))
            throw PimErrors.StoreRolledBack(
                $"The store no longer holds record {pinSequence} as this session verified it: its log was cut off or rolled back since you connected. Nothing was changed.",
                work.Actor, "Disconnect-PimStore, and tell your administrators: the store was changed outside PimModule.");
        work.Participant<SealParticipant>();
    }

    public void BeforeCommit(UnitOfWork work)
    {
        var chain = work.Participant<AuditChain>();
        if (work.Sealer is not { } sealer || chain.Start is not { } start || chain.Head is not { } head || head.Sequence == start.Sequence) return;
        sealer.SealedHead = head;
        var payload = Seals.Payload(sealer.StoreId, start.Sequence, start.Hash, head.Sequence, head.Hash, Kernel.RulesVersion.Current);
        var envelope = Jws.Sign(sealer.Key, work.Actor, payload);
        SealsTable.Insert(work, new SealsTable.Row(start.Sequence, head.Sequence, work.Actor, sealer.Key.Thumbprint, envelope));
        sealer.Seal = new SealRow(start.Sequence, head.Sequence, envelope);
    }
}
