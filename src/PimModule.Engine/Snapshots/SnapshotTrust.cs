using PimModule.Audit;
using PimModule.Audit.Events;
using PimModule.Errors;
using PimModule.Identity;
using PimModule.Identity.Keys;
using PimModule.Storage;

namespace PimModule.Snapshots;

/// <summary>A snapshot whose root envelope verified: its row, what it seals, and the root key that sealed it.</summary>
internal sealed record TrustedSnapshot(SnapshotsTable.Row Row, SnapshotSeal Seal, string KeyThumbprint, string Actor, string GenesisRoot);

/// <summary>
/// Whether a snapshot counts, without replaying the log it is meant to spare: it must be sealed by a root key reached from
/// the store's genesis root (the user's trust anchor, or the pin, names that one) through the root rotations the log carries
/// — each rotation a key binding sealed by a root key reached before it, its transaction's records hashed again under that
/// seal — and never retired (a revocation of the key anywhere in the log up to its head, sealed or not, retires it for
/// snapshots); its envelope must be over this store and the record it stands at, as the log holds that record, with no
/// record missing before it. An administrator's key is not enough: whether they were one there is what the replay decides.
/// </summary>
internal static class SnapshotTrust
{
    /// <summary>Verifies a snapshot row against the store as read in <paramref name="work"/> up to <paramref name="upTo"/>; PimSnapshotInvalid when it does not count.</summary>
    public static TrustedSnapshot Check(UnitOfWork work, SnapshotsTable.Row row, string storeId, long upTo)
    {
        PimException Invalid(string why) => PimErrors.SnapshotInvalid(
            $"The snapshot of store {storeId} at record {row.Sequence} does not count: {why}. It is not used; the log is verified from its beginning instead.",
            row.Sequence, "Tell the store's root-level administrators: a snapshot they did not make (or one that does not match the log) is in the store. " +
                          "Test-PimAuditLog verifies the whole log; a root-level administrator makes a new snapshot with New-PimSnapshot.");
        Jws.Envelope env;
        try { env = Jws.Parse(row.Envelope); }
        catch (PimException e) { throw Invalid(e.Message.TrimEnd('.')); }
        if (env.Type != Jws.SnapshotType) throw Invalid("its envelope is not a snapshot's");
        var (roots, genesisRoot, archives, why) = RootKeys(work, storeId, upTo);
        if (why is not null) throw Invalid(why);
        if (!roots.TryGetValue(env.KeyId, out var root))
            throw Invalid($"it is sealed by key {env.KeyId}, which is not a root key reached from the store's root {genesisRoot} through its root rotations (or it was retired)");
        byte[] payload;
        using (var key = PimKey.FromPublicPem(root.Pem))
        {
            try { payload = Jws.Verify(env, key); }
            catch (PimException e) { throw Invalid(e.Message.TrimEnd('.')); }
        }
        if (Principal.Fold(env.Actor) != root.Principal) throw Invalid($"its envelope names {env.Actor}, but root key {env.KeyId} is {root.Principal}'s");
        var seal = SnapshotSeal.Parse(payload) ?? throw Invalid("what it seals is not a snapshot in its one spelling");
        if (!string.Equals(seal.StoreId, storeId, StringComparison.OrdinalIgnoreCase)) throw Invalid($"it seals store {seal.StoreId}");
        if (seal.Sequence != row.Sequence || seal.HeadHash != row.HeadHash) throw Invalid($"it seals record {seal.Sequence}, not the record its row names");
        if (seal.Sequence > upTo) throw Invalid($"it stands at record {seal.Sequence}, after the head the store recorded ({upTo})");
        if (!string.Equals(AuditLogTable.BySequence(work, seal.Sequence)?.Hash, seal.HeadHash, StringComparison.Ordinal))
            throw Invalid($"the log does not hold record {seal.Sequence} as the snapshot names it (its hash differs, or it is gone)");
        // Every record before it is in the log, or was removed by a root's archive (which says how many).
        if (AuditLogTable.CountUpTo(work, seal.Sequence) + archives.Where(a => a.Until <= seal.Sequence).Sum(a => a.Removed) != seal.Sequence)
            throw Invalid($"records before record {seal.Sequence} were removed from the log, and no root's archive accounts for them");
        return new TrustedSnapshot(row, seal, root.Thumbprint, root.Principal, genesisRoot!);
    }

    private sealed record RootKey(string Thumbprint, string Principal, string Pem);

    /// <summary>
    /// The root keys reached from the genesis root through the log's root rotations up to <paramref name="upTo"/>, less
    /// every key a revocation names; and the genesis root. Why none can be trusted, when so.
    /// </summary>
    private static (Dictionary<string, RootKey> Keys, string? GenesisRoot, List<ArchiveView> Archives, string? Why) RootKeys(UnitOfWork work, string storeId, long upTo)
    {
        var keys = new Dictionary<string, RootKey>(StringComparer.OrdinalIgnoreCase);
        var archives = new List<ArchiveView>();
        var retired = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        string? genesis = null;
        foreach (var (seq, action, after) in AuditLogTable.KeyRecords(work, upTo))
        {
            if (action is Seals.GenesisAction or Seals.ProtectAction)
            {
                if (genesis is not null) continue; // a second genesis is the replay's to refuse; it names no root here
                if (Seals.RootNamedBy(seq, action, after) is not { } named) continue; // a Lab genesis: the protection names the root
                var first = new RootKey(named.Thumbprint, named.Principal, named.Pem);
                if (UnderSeal(work, storeId, seq, first) is { } bad) return (keys, null, archives, $"the store's genesis record {seq} is not sealed by the root key it names ({bad})");
                keys[first.Thumbprint] = first;
                genesis = first.Thumbprint;
                continue;
            }
            var o = EventJson.Read<CredentialView>(after);
            if (action == Seals.RevokeAction)
            {
                if (o?.Thumbprint is { } t) retired.Add(t);
                continue;
            }
            if (action == Seals.ArchiveAction)
            {
                // An archive counts (accounts for the records it removed) only sealed by a root key reached before it.
                if (EventJson.Read<ArchiveView>(after) is { } archive && SealsTable.Covering(work, seq) is { } archiveSeal && keys.TryGetValue(archiveSeal.KeyId, out var archiver)
                    && !retired.Contains(archiveSeal.KeyId) && UnderSeal(work, storeId, seq, archiver) is null)
                    archives.Add(archive);
                continue;
            }
            if (action != Seals.BindAction || o is not { IsRoot: true, Principal: { } principal, PublicKey: { } pem, Thumbprint: { } thumbprint } || genesis is null) continue;
            // A root rotation counts only sealed by a root key reached before it (and not retired before it).
            var seal = SealsTable.Covering(work, seq);
            if (seal is null || !keys.TryGetValue(seal.KeyId, out var by) || retired.Contains(seal.KeyId)) continue;
            if (UnderSeal(work, storeId, seq, by) is not null) continue;
            try
            {
                using var key = PimKey.FromPublicPem(pem);
                if (!string.Equals(key.Thumbprint, thumbprint, StringComparison.OrdinalIgnoreCase)) continue;
            }
            catch (Exception e) when (e is PimException or ArgumentException or System.Security.Cryptography.CryptographicException) { continue; }
            keys.TryAdd(thumbprint, new RootKey(thumbprint, Principal.Fold(principal), pem));
        }
        if (genesis is null) return (keys, null, archives, "the log names no root key");
        foreach (var t in retired) keys.Remove(t);
        return (keys, genesis, archives, null);
    }

    /// <summary>
    /// Null when record <paramref name="sequence"/> is in a transaction sealed by <paramref name="by"/>: the seal's signature
    /// verifies, and its records, hashed again from the record before them, end in the hash it seals. Else why not.
    /// </summary>
    private static string? UnderSeal(UnitOfWork work, string storeId, long sequence, RootKey by)
    {
        var seal = SealsTable.Covering(work, sequence);
        if (seal is null) return "no seal covers it";
        byte[] payload;
        try
        {
            var env = Jws.Parse(seal.Envelope);
            if (Principal.Fold(env.Actor) != by.Principal) return $"its seal names {env.Actor}";
            using var key = PimKey.FromPublicPem(by.Pem);
            payload = Jws.Verify(env, key);
        }
        catch (PimException e) { return e.Message; }
        string? prev = null, head = null;
        var expected = seal.FromSequence + 1;
        foreach (var f in AuditLogTable.StoredText(work, seal.FromSequence, seal.ToSequence))
        {
            var seq = long.TryParse(f[0], out var s) ? s : -1;
            if (seq != expected || (head is not null && f[11] != head)) return "its transaction's records do not chain";
            prev ??= f[11];
            var at = long.TryParse(f[2], out var a) ? a : long.MinValue;
            head = AuditLog.ComputeHash(seq, f[1] ?? "", at, f[3] ?? "", f[4] ?? "", f[5] ?? "", f[6], f[7], f[8], f[9], f[10], f[11] ?? "");
            if (head != f[12] || Principal.Fold(f[3] ?? "") != by.Principal) return "its transaction's records are not as sealed";
            expected++;
        }
        if (prev is null || head is null || expected != seal.ToSequence + 1) return "its transaction's records are missing";
        return Seals.Covers(payload, storeId, seal.FromSequence, prev, seal.ToSequence, head) ? null : "its seal is over other records";
    }
}
