using PimModule.Kernel;
using PimModule.Audit;
using PimModule.Audit.Events;
using PimModule.Errors;

namespace PimModule.Identity.Keys;

/// <summary>One audit record as the seal verifier needs it (the chain is already checked record by record).</summary>
internal sealed record SealedRecord(long Sequence, string Hash, string Action, string ActorKey, string? AfterJson,
    string? TargetType = null, string? TargetId = null, long AtTicks = 0, string? PrincipalKey = null, string? RoleId = null);

/// <summary>A seal as stored: the records it covers (after <see cref="FromSequence"/>, up to <see cref="ToSequence"/>) and its envelope.</summary>
internal sealed record SealRow(long FromSequence, long ToSequence, string Envelope);

/// <summary>The verdict on a chain's seals.</summary>
internal sealed record SealVerdict(bool IsValid, long RecordsChecked, long? FirstInvalidRecord, string? Reason)
{
    /// <summary>The seals checked.</summary>
    public long SealsChecked { get; init; }
    /// <summary>The root key's thumbprint and its principal's key (from the genesis record).</summary>
    public string? RootThumbprint { get; init; }
    public string? RootPrincipalKey { get; init; }
    /// <summary>At the end of the log: every key bound and not revoked (thumbprint → principal key).</summary>
    public IReadOnlyDictionary<string, string> Bindings { get; init; } = new Dictionary<string, string>();
    /// <summary>The sequences of the restores confirmed by entitled administrators (Confirm-PimStoreRestore), in chain order.</summary>
    public IReadOnlyList<long> ConfirmedRestores { get; init; } = [];
    /// <summary>Where the verifier stopped (a valid log): enough to verify only what is appended later.</summary>
    public SealState? State { get; init; }
    /// <summary>
    /// An anchor record (the root's, a direct administrator's) is dated well before a record counted or kept pending before
    /// it: verify again from the genesis with the anchors' timeline (<see cref="AnchorTimeline"/>, from <see cref="Anchors"/>
    /// of a pass from the genesis), so that the record dated ahead never counts. The verdict's state is not to be kept.
    /// </summary>
    public bool NeedsLookAhead { get; init; }
    /// <summary>The anchor records met, in chain order (sequence, time).</summary>
    public IReadOnlyList<(long Sequence, long Ticks)> Anchors { get; init; } = [];
}

/// <summary>
/// Who made a record, as its seal proves it (Trusted: the genesis transaction, or the Lab past a Protect-PimStore endorsed),
/// the record's own time (what it is judged at) and what the time rule made of it (<see cref="TimeRule"/>): a record whose
/// time does not count grants nothing, and <paramref name="TimeWhy"/> says why. <paramref name="Rules"/>: the rules version its seal
/// names (<see cref="Kernel.RulesVersion"/>), which the replay judges it under.
/// </summary>
internal readonly record struct SealContext(string Actor, long Transaction, bool Trusted, long VerifiedAtTicks,
    RecordTime Time = RecordTime.Counts, string? TimeWhy = null, int Rules = Kernel.RulesVersion.First);

/// <summary>
/// Seals: every transaction of a Verified store is sealed inside itself by its actor, over the previous and the new head
/// of the audit chain — a JWS whose payload is the canonical JSON {"head":{"hash","seq"},"prev":{"hash","seq"},"store","v"}.
/// The genesis record (sequence 1) binds the store id and the root key; key bindings and revocations are audit records
/// themselves, so whether a key was valid is judged by its place in the chain, never by a time the signer claims.
/// </summary>
internal static partial class Seals
{
    public const string GenesisAction = "CreateStore";
    public const string BindAction = "RegisterCredential";
    public const string RevokeAction = "RevokeCredential";
    /// <summary>A binding that a second administrator must confirm (the principal already has a key): binds nothing itself.</summary>
    public const string ProposeAction = "ProposeCredential";
    /// <summary>The genesis of the Verified part of a store that began as a Lab store (Protect-PimStore): its root key and what it endorsed.</summary>
    public const string ProtectAction = "ProtectStore";
    /// <summary>An administrator's confirmation that the store was restored from a backup on purpose (Confirm-PimStoreRestore).</summary>
    public const string RestoreAction = "ConfirmRestore";
    /// <summary>A root-level principal's removal of a closed range of the log into an archive (Export-PimAuditLog -Until -Remove).</summary>
    public const string ArchiveAction = "ArchiveLog";

    /// <summary>
    /// Checks that the seals cover the chain without a gap, each over the chain's own hashes, each signed by a key bound (and
    /// not revoked) to its actor before the records it covers, and each record in it made by that actor. Records and seals
    /// come in sequence order; the records' own hash chain is the caller's to check.
    /// </summary>
    public static SealVerdict Verify(string storeId, IEnumerable<SealedRecord> records, IEnumerable<SealRow> seals, string genesisHash,
        SealState? resume = null, Action<SealedRecord, SealContext>? observe = null, long nowTicks = 3155378975999999999 /* DateTime.MaxValue */, AnchorTimeline? lookAhead = null)
    {
        var bindings = new Dictionary<string, (string PrincipalKey, PimKey Key)>(StringComparer.OrdinalIgnoreCase); // thumbprint →
        var revoked = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        using var sealIterator = seals.GetEnumerator();
        long checkedRecords = 0, sealedUpTo = 0, sealsChecked = 0;
        var admins = new AdministratorReplay();
        var proposals = new Dictionary<string, (string Proposer, string Principal)>(StringComparer.OrdinalIgnoreCase); // thumbprint →
        string? rootThumbprint = null, rootPrincipal = null;
        var roots = new RootLevel();
        var restores = new List<long>();
        long archivedUntil = 0;
        var prevHash = genesisHash;
        SealRow? seal = null;
        string? sealActor = null, sealHead = null, sealKeyId = null;
        var sealRules = Kernel.RulesVersion.First;
        var pending = new List<SealedRecord>(); // bindings of the current seal apply after it
        var labPrefix = false; // records of a store that began as a Lab store, before it was protected: chained, not sealed
        long genesisFrom = 0;  // the seal of the genesis transaction (the root's own): its records are not judged
        var pems = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (resume is not null)
        {
            foreach (var (t, b) in resume.Bindings) { bindings[t] = (b.Principal, PimKey.FromPublicPem(b.Pem)); pems[t] = b.Pem; }
            revoked.UnionWith(resume.Revoked);
            foreach (var (t, p) in resume.Proposals) if (p is [var by, var forWhom]) proposals[t] = (by, forWhom);
            roots.Keys.UnionWith(resume.RootKeys);
            roots.Principals.UnionWith(resume.RootPrincipals);
            restores.AddRange(resume.Restores);
            archivedUntil = resume.ArchivedUntil;
            admins.Load(resume.Admins);
            (checkedRecords, sealedUpTo, sealsChecked, genesisFrom) = (resume.CheckedRecords, resume.SealedUpTo, resume.SealsChecked, resume.GenesisFrom);
            (rootThumbprint, rootPrincipal, prevHash) = (resume.RootThumbprint, resume.RootPrincipal, resume.PrevHash);
        }
        // The one time rule (Kernel/TimeRule.cs): each record is judged at its own time, or not at all.
        TimeRule? time = resume is null ? null : new TimeRule(resume.Time, nowTicks, rootPrincipal, lookAhead);
        TimeRule Time() => time ??= new TimeRule(null, nowTicks, rootPrincipal, lookAhead);
        SealVerdict Fail(long seq, string why) => new(false, checkedRecords, seq, why);
        bool SetRoot(SealedRecord genesis, out string? why)
        {
            why = null;
            if (Root(genesis) is not { } root) { why = $"record {genesis.Sequence} does not name the store's root key"; return false; }
            if (!string.Equals(root.StoreId, storeId, StringComparison.OrdinalIgnoreCase)) { why = $"record {genesis.Sequence} names store {root.StoreId}, not {storeId}"; return false; }
            bindings[root.Key.Thumbprint] = (Principal.Fold(root.Principal), root.Key);
            pems[root.Key.Thumbprint] = root.Pem;
            rootThumbprint = root.Key.Thumbprint;
            rootPrincipal = Principal.Fold(root.Principal);
            time = new TimeRule(time?.Current, nowTicks, rootPrincipal, lookAhead);
            roots.Keys.Add(root.Key.Thumbprint);
            roots.Principals.Add(rootPrincipal);
            return true;
        }
        try
        {
            foreach (var record in records)
            {
                var r = record;
                checkedRecords++;
                if (r.Sequence == 1)
                {
                    if (r.Action != GenesisAction) return Fail(1, "the first record is not the store's genesis");
                    labPrefix = Root(r) is null; // a Lab genesis: the Verified part starts at its ProtectStore record
                }
                if (labPrefix)
                {
                    if (r.Action != ProtectAction)
                    {
                        prevHash = r.Hash; // a Lab record: the caller checked its place in the chain; nobody sealed it
                        observe?.Invoke(record, new SealContext(r.ActorKey, 0, true, r.AtTicks));
                        continue;
                    }
                    // Protect-PimStore: the root key, and the assignments the administrator endorsed as the starting point.
                    if (!SetRoot(r, out var why)) return Fail(r.Sequence, why!);
                    admins.Endorse(EventJson.Read<StoreProtection>(r.AfterJson)?.Endorsed);
                    labPrefix = false;
                    sealedUpTo = genesisFrom = r.Sequence - 1;
                }
                else if (r.Action == ProtectAction)
                    return Fail(r.Sequence, $"record {r.Sequence} protects a store that is Verified already");
                if (seal is null || r.Sequence > seal.ToSequence)
                {
                    foreach (var b in pending) Apply(b, bindings, revoked, proposals, roots, pems);
                    pending.Clear();
                    if (!sealIterator.MoveNext()) return Fail(r.Sequence, $"record {r.Sequence} is not sealed");
                    seal = sealIterator.Current;
                    if (seal.FromSequence != sealedUpTo) return Fail(r.Sequence, $"the seal after record {sealedUpTo} starts at record {seal.FromSequence}");
                    if (r.Sequence != seal.FromSequence + 1) return Fail(r.Sequence, $"record {seal.FromSequence + 1} is missing");
                    Jws.Envelope env;
                    try { env = Jws.Parse(seal.Envelope); }
                    catch (PimException e) { return Fail(r.Sequence, e.Message); }
                    sealActor = Principal.Fold(env.Actor);
                    sealKeyId = env.KeyId;
                    // The genesis record names the store and its root key: the first seal is the root's.
                    if (r.Sequence == 1 && !SetRoot(r, out var why)) return Fail(1, why!);
                    if (!bindings.TryGetValue(env.KeyId, out var bound)) return Fail(r.Sequence, $"the seal of records {seal.FromSequence + 1}-{seal.ToSequence} is by key {env.KeyId}, which is not bound to anyone there");
                    if (revoked.Contains(env.KeyId)) return Fail(r.Sequence, $"the seal of records {seal.FromSequence + 1}-{seal.ToSequence} is by key {env.KeyId}, which was revoked before");
                    if (bound.PrincipalKey != sealActor) return Fail(r.Sequence, $"the seal names {env.Actor}, but key {env.KeyId} is bound to {bound.PrincipalKey}");
                    byte[] payload;
                    try { payload = Jws.Verify(env, bound.Key); }
                    catch (PimException e) { return Fail(r.Sequence, e.Message); }
                    // What the seal says must be the chain: prev is the record before its range, head its last record.
                    if (!MatchesExceptHead(payload, storeId, seal.FromSequence, prevHash, seal.ToSequence, out sealHead, out var rules))
                        return Fail(r.Sequence, $"the seal of records {seal.FromSequence + 1}-{seal.ToSequence} is over another chain");
                    // Its records were decided under rules this PimModule may not know: then they are not judged here at all.
                    if (rules < Kernel.RulesVersion.First)
                        return Fail(r.Sequence, $"the seal of records {seal.FromSequence + 1}-{seal.ToSequence} names rules version {rules}, which no PimModule decides by");
                    if (!Kernel.RulesVersion.Knows(rules))
                        throw PimErrors.StoreRulesTooNew(
                            $"Records {seal.FromSequence + 1}-{seal.ToSequence} of the store {storeId}, sealed by {env.Actor}, were decided under PimModule's rules version {rules}; this PimModule " +
                            $"judges versions {Kernel.RulesVersion.First} to {Kernel.RulesVersion.Current}, so it cannot verify the store. Nothing was changed.",
                            storeId, $"Update PimModule to the version your colleagues use (Update-Module PimModule), then connect again; if nobody uses a newer PimModule, ask {env.Actor} and your administrators how that seal came to be.");
                    sealRules = rules;
                    sealsChecked++;
                }
                if (r.ActorKey != sealActor) return Fail(r.Sequence, $"record {r.Sequence} is by {r.ActorKey}, but its transaction is sealed by {sealActor}");
                if (r.Sequence == seal.ToSequence)
                {
                    // The seal is over other records than these: one of them was changed (and the chain recomputed). Which one
                    // the seal cannot say; the first record of its transaction is reported.
                    if (!string.Equals(sealHead, r.Hash, StringComparison.Ordinal)) return Fail(seal.FromSequence + 1, $"the seal of records {seal.FromSequence + 1}-{seal.ToSequence} is over other records than these (one of them was changed)");
                    sealedUpTo = r.Sequence;
                }
                // Entitlement, judged by the log itself (the genesis transaction is the root's): key bindings need the root
                // principal or a direct administrator at that point of the chain; a principal may replace or revoke their own
                // key; binding a key to a principal who has (or had) one needs them, or a second administrator.
                // Each record is judged at its own time, when the time rule believes it (Kernel/TimeRule.cs): its writer
                // chose the time it claims. A record whose time does not count makes no administrator and binds no key that
                // needs one.
                var trusted = seal.FromSequence <= genesisFrom;
                var (when, whyNot) = trusted ? (RecordTime.Counts, (string?)null) : Time().Judge(r.Sequence, r.AtTicks, sealActor!);
                if (trusted) { Time().Trusted(r.AtTicks, sealActor!); Time().Anchor(r.Sequence, r.AtTicks); }
                if (!trusted && r.Action is BindAction or RevokeAction or ProposeAction or RestoreAction or ArchiveAction)
                {
                    // What a root-level principal, or a principal with their own key, may do holds whatever the time. What
                    // needs a direct administrator at the record's time does not hold when that time does not count (yet):
                    // such a key change binds, revokes and confirms nothing, and breaks nothing — it is judged at its own time
                    // once due (a checkpoint is rebuilt then), and never if it was dated ahead or back. (Whether it counts
                    // depends on the reader's clock until it is due, so it never fails the log.)
                    if (Entitlement(r, sealActor!, sealKeyId!, roots, pending, bindings, revoked, proposals, false) is not null)
                    {
                        if (when != RecordTime.Counts)
                        {
                            observe?.Invoke(record, new SealContext(sealActor!, seal.FromSequence, false, r.AtTicks, when, whyNot, sealRules));
                            prevHash = r.Hash;
                            continue;
                        }
                        if (Entitlement(r, sealActor!, sealKeyId!, roots, pending, bindings, revoked, proposals, admins.IsAdministrator(sealActor!, r.AtTicks)) is { } refused)
                            return Fail(r.Sequence, refused);
                    }
                }
                // An anchor: a counting record of the root or of a direct administrator at its own time (the time rule's reference).
                if (when == RecordTime.Counts && (sealActor == rootPrincipal || admins.IsAdministrator(sealActor!, r.AtTicks))) Time().Anchor(r.Sequence, r.AtTicks);
                if (when == RecordTime.Counts) admins.Observe(r, sealActor!, rootPrincipal);
                observe?.Invoke(record, new SealContext(sealActor!, seal.FromSequence, trusted, r.AtTicks, when, whyNot, sealRules));
                if (r.Action == RestoreAction) restores.Add(r.Sequence);
                if (r.Action == ArchiveAction && EventJson.Read<ArchiveView>(r.AfterJson) is { } archived) archivedUntil = Math.Max(archivedUntil, archived.Until);
                if (r.Action is BindAction or RevokeAction or ProposeAction) pending.Add(r);
                prevHash = r.Hash;
            }
            if (seal is null && sealIterator.MoveNext()) return Fail(1, "a seal covers records of the store before it was Verified");
            if (seal is not null && sealedUpTo != seal.ToSequence) return Fail(sealedUpTo + 1, $"the seal of records {seal.FromSequence + 1}-{seal.ToSequence} covers records the log does not hold");
            if (sealIterator.MoveNext()) return Fail(sealedUpTo + 1, $"a seal covers records after {sealedUpTo}, which the log does not hold");
            foreach (var b in pending) Apply(b, bindings, revoked, proposals, roots, pems);
            var state = new SealState
            {
                SealedUpTo = sealedUpTo, PrevHash = prevHash, Time = Time().Current, GenesisFrom = genesisFrom, CheckedRecords = checkedRecords,
                SealsChecked = sealsChecked, RootThumbprint = rootThumbprint, RootPrincipal = rootPrincipal, ArchivedUntil = archivedUntil,
                Revoked = [.. revoked], RootKeys = [.. roots.Keys], RootPrincipals = [.. roots.Principals], Restores = [.. restores],
                Proposals = proposals.ToDictionary(p => p.Key, p => new[] { p.Value.Proposer, p.Value.Principal }, StringComparer.OrdinalIgnoreCase),
                Admins = admins.Save(),
            };
            foreach (var (t, b) in bindings) state.Bindings[t] = new SealState.Binding { Principal = b.PrincipalKey, Pem = pems.TryGetValue(t, out var pem) ? pem : "" };
            return new SealVerdict(true, checkedRecords, null, null)
            {
                State = labPrefix ? null : state,
                SealsChecked = sealsChecked, RootThumbprint = rootThumbprint, RootPrincipalKey = rootPrincipal, ConfirmedRestores = restores,
                NeedsLookAhead = Time().NeedsLookAhead, Anchors = Time().Anchors,
                Bindings = bindings.Where(b => !revoked.Contains(b.Key)).ToDictionary(b => b.Key, b => b.Value.PrincipalKey, StringComparer.OrdinalIgnoreCase),
            };
        }
        finally
        {
            foreach (var (_, b) in bindings) b.Key.Dispose();
        }
    }

    private sealed record RootBinding(string StoreId, string Principal, PimKey Key, string Pem);

    /// <summary>The root key a genesis (or a protection) names: its store, the root principal and the key; null when it names none.</summary>
    private static RootBinding? Root(SealedRecord genesis)
    {
        var root = genesis.Action == ProtectAction ? EventJson.Read<StoreProtection>(genesis.AfterJson)?.Root : EventJson.Read<StoreGenesis>(genesis.AfterJson);
        if (root is not { StoreId: { } store, RootPublicKey: { } pem, CreatedBy: { } by }) return null;
        try { return new RootBinding(store, by, PimKey.FromPublicPem(pem), pem); }
        catch (Exception e) when (e is InvalidOperationException or PimException or FormatException or ArgumentException
                                       or System.Security.Cryptography.CryptographicException)
        {
            return null;
        }
    }

    private static void Apply(SealedRecord r, Dictionary<string, (string, PimKey)> bindings, HashSet<string> revoked, Dictionary<string, (string Proposer, string Principal)> proposals,
        RootLevel roots, Dictionary<string, string> pems)
    {
        if (EventJson.Read<CredentialView>(r.AfterJson) is not { } o) return; // not a key binding: binds nothing
        try
        {
            if (r.Action == ProposeAction)
            {
                if (o is { Thumbprint: { } proposed, Principal: { } forWhom })
                    proposals[proposed] = (r.ActorKey, Principal.Fold(forWhom));
                return;
            }
            if (r.Action == BindAction && o is { Principal: { } p, PublicKey: { } pem })
            {
                var key = PimKey.FromPublicPem(pem);
                proposals.Remove(key.Thumbprint); // a proposal is used once
                // One key, one principal: a key bound before keeps its first principal.
                if (o.IsRoot)
                {
                    roots.Keys.Add(key.Thumbprint);
                    roots.Principals.Add(Principal.Fold(p));
                }
                if (!bindings.ContainsKey(key.Thumbprint)) { bindings[key.Thumbprint] = (Principal.Fold(p), key); pems[key.Thumbprint] = pem; }
                else key.Dispose();
            }
            else if (r.Action == RevokeAction && o.Thumbprint is { } t) revoked.Add(t);
        }
        catch (Exception e) when (e is InvalidOperationException or PimException or FormatException or ArgumentException
                                       or System.Security.Cryptography.CryptographicException)
        {
            // A binding record whose key is not one binds nothing.
        }
    }

    /// <summary>The root-level keys and their principals: the root of trust, rotated roots and break-glass roots.</summary>
    private sealed class RootLevel
    {
        public HashSet<string> Keys { get; } = new(StringComparer.OrdinalIgnoreCase);
        public HashSet<string> Principals { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>Why the actor of <paramref name="r"/> was not entitled to it at its place in the chain; null when they were.</summary>
    /// <param name="directAdministrator">Whether the actor was a direct administrator at the record's own time (the caller knows whether that time counts).</param>
    private static string? Entitlement(SealedRecord r, string actor, string sealKeyId, RootLevel roots, List<SealedRecord> pendingInTransaction,
        Dictionary<string, (string PrincipalKey, PimKey Key)> bindings, HashSet<string> revoked,
        Dictionary<string, (string Proposer, string Principal)> proposals, bool directAdministrator)
    {
        // Key administration needs a root-level principal, or a direct administrator at the record's own time.
        var isRoot = roots.Principals.Contains(actor);
        var isAdmin = isRoot || directAdministrator;
        var notAdmin = $"{actor} was not an administrator there";
        if (r.Action is BindAction or ProposeAction)
        {
            var o = EventJson.Read<CredentialView>(r.AfterJson);
            var principal = o?.Principal is { } p ? Principal.Fold(p) : null;
            var thumbprint = o?.Thumbprint;
            if (principal is null || thumbprint is null || o?.PublicKey is not { } pem) return $"record {r.Sequence} binds a key without naming its principal, key and thumbprint";
            try
            {
                using var key = PimKey.FromPublicPem(pem);
                if (!string.Equals(key.Thumbprint, thumbprint, StringComparison.OrdinalIgnoreCase)) return $"record {r.Sequence} names thumbprint {thumbprint}, which is not its key's";
            }
            catch (Exception e) when (e is PimException or ArgumentException or System.Security.Cryptography.CryptographicException)
            {
                return $"record {r.Sequence} binds a key that is not one";
            }
            var hasActiveKey = bindings.Any(b => b.Value.PrincipalKey == principal && !revoked.Contains(b.Key));
            var everHadKey = bindings.Any(b => b.Value.PrincipalKey == principal);
            if (o!.IsRoot)
            {
                // A root-level key is given by a root-level principal sealing with a root key: to themselves (rotation), or
                // to a principal who has no key (a break-glass root).
                if (r.Action != BindAction || !isRoot || !roots.Keys.Contains(sealKeyId) || revoked.Contains(sealKeyId))
                    return $"record {r.Sequence} binds a root key, but it is not sealed by a root key of a root-level principal";
                return principal == actor || !everHadKey ? null : $"record {r.Sequence} makes a root key for {principal}, who has a key already";
            }
            if (principal == actor && hasActiveKey) return null; // the principal, with their current key, replaces it
            if (!isAdmin) return $"record {r.Sequence} binds a key to {principal}, but {notAdmin}";
            if (r.Action == ProposeAction || !everHadKey) return null;
            return proposals.TryGetValue(thumbprint, out var proposal) && proposal.Proposer != actor && proposal.Principal == principal ? null
                : $"record {r.Sequence} binds another key to {principal} by {actor} alone (it needs {principal}'s current key or a second administrator)";
        }
        if (r.Action == RestoreAction)
            return isAdmin ? null : $"record {r.Sequence} confirms a restore, but {notAdmin} (nor the root)";
        if (r.Action == ArchiveAction)
        {
            // Only a root-level principal, with a root key, removes history; and only what a snapshot before the record covers.
            if (!isRoot || !roots.Keys.Contains(sealKeyId) || revoked.Contains(sealKeyId)) return $"record {r.Sequence} archives the log, but {actor} is not a root-level principal acting with a root key";
            return EventJson.Read<ArchiveView>(r.AfterJson) is { Until: > 0 } a && a.Until < r.Sequence ? null : $"record {r.Sequence} archives the log without naming a closed range before it";
        }
        if (r.Action == RevokeAction)
        {
            var thumbprint = EventJson.Read<CredentialView>(r.AfterJson)?.Thumbprint;
            if (thumbprint is not null && roots.Keys.Contains(thumbprint))
            {
                // A root key is retired only by a root-level principal, and never the last one.
                if (!isRoot) return $"record {r.Sequence} revokes a root key, but {actor} is not a root-level principal";
                var added = pendingInTransaction.Count(b => b.Action == BindAction && EventJson.Read<CredentialView>(b.AfterJson)?.IsRoot == true);
                var retired = pendingInTransaction.Count(b => b.Action == RevokeAction && EventJson.Read<CredentialView>(b.AfterJson)?.Thumbprint is { } t && roots.Keys.Contains(t)) + 1;
                return roots.Keys.Count(k => !revoked.Contains(k)) + added - retired >= 1 ? null : $"record {r.Sequence} revokes the store's last root key";
            }
            if (isAdmin || (thumbprint is not null && bindings.TryGetValue(thumbprint, out var b) && b.PrincipalKey == actor)) return null;
            return $"record {r.Sequence} revokes a key, but {notAdmin}, nor was it the key's principal";
        }
        return null;
    }


}
