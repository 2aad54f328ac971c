namespace PimModule.Identity.Keys;

/// <summary>The acting principal's key in a Verified store, and the store its seals name.</summary>
internal sealed class Sealer(PimKey key, string storeId)
{
    public PimKey Key { get; } = key;
    public string StoreId { get; } = storeId;
}

/// <summary>
/// Seals a unit of work of a Verified store inside itself, after the audit chain wrote its records: a JWS by the actor's
/// key over the chain's head before and after the transaction (one seal per transaction, so a bulk batch costs one).
/// The key must be bound, active, to the actor at that moment — checked here, in the transaction that writes: a key
/// revoked by another session since this one connected seals nothing, and the whole transaction is refused.
/// </summary>
internal sealed class SealParticipant : ICommitParticipant
{
    public int Order => 200; // after AuditChain (100): the records and the head are written

    public void BeforeCommit(UnitOfWork work)
    {
        var chain = work.Participant<AuditChain>();
        if (work.Sealer is not { } sealer || chain.Start is not { } start || chain.Head is not { } head || head.Sequence == start.Sequence) return;
        var actorKey = Principal.Fold(work.Actor);
        if (!CredentialsTable.IsActiveFor(work, sealer.Key.Thumbprint, actorKey))
            throw PimErrors.CredentialNotRegistered(
                $"The key {sealer.Key.Thumbprint} is not (or no longer) registered to {work.Actor} in this store: nothing was changed.",
                work.Actor, "Ask an administrator to register your current key (Register-PimCredential), then Connect-PimStore again.");
        var payload = Seals.Payload(sealer.StoreId, start.Sequence, start.Hash, head.Sequence, head.Hash);
        SealsTable.Insert(work, new SealsTable.Row(start.Sequence, head.Sequence, work.Actor, sealer.Key.Thumbprint, Jws.Sign(sealer.Key, work.Actor, payload)));
    }
}
