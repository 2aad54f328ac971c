using PimModule.Identity.Keys;
using PimModule.Audit.Events;
using PimModule.Storage;
using PimModule.Audit;
using PimModule.Errors;
using PimModule.Notifications;
using PimModule.Policy;
using PimModule.Validation;

namespace PimModule.Identity;

/// <summary>
/// Credentials of a Verified store: which public key acts for which principal. Administrators bind keys (one key, one
/// principal); a principal who has a key gets another only with that key (they replace it themselves) or with a second
/// administrator confirming the first one's proposal, and is told by mail. Every binding, proposal and revocation is an
/// audit record sealed in its transaction, which is what verification replays.
/// </summary>
public sealed class CredentialService
{
    private readonly StoreSession _store;
    internal CredentialService(StoreSession store) => _store = store;

    /// <summary>Makes a key pair for a principal and keeps its private key (their key folder, or <paramref name="path"/>); no store is needed.</summary>
    public static PimCredential New(string principal, string? path, ReadOnlySpan<char> passphrase, int curveBits = 256)
    {
        if (curveBits is not (256 or 384))
            throw PimErrors.InputValueInvalid($"There is no P-{curveBits} key here.", curveBits, "Give -Algorithm ES256 (P-256) or ES384 (P-384).");
        return CredentialFolder.Create(principal, path, passphrase, curveBits);
    }

    /// <summary>Where <paramref name="principal"/>'s private key is kept on this machine: their PimModule key folder's &lt;principal&gt;.pem.</summary>
    public static string KeyFileOf(string principal) => CredentialFolder.PathFor(principal);

    /// <summary>
    /// The public half of a private key file's text (<paramref name="keyText"/>, read from <paramref name="keyFile"/>):
    /// what Export-PimCredential prints or writes. The private key is read only to compute it, and dropped; an encrypted
    /// key needs its passphrase (a PKCS#8 encrypted file holds no public key in the clear).
    /// </summary>
    public static PimCredential PublicHalf(string principal, string keyFile, string keyText, ReadOnlySpan<char> passphrase, string passphraseParameter = "Passphrase")
    {
        principal = Principal.Validate(principal);
        if (!keyText.Contains("PRIVATE KEY", StringComparison.Ordinal))
            throw PimErrors.CredentialInvalid($"'{keyFile}' holds no private key (a file written by New-PimCredential begins with '-----BEGIN PRIVATE KEY-----').", keyFile,
                $"Give the key file New-PimCredential wrote (-CredentialPath), or leave -CredentialPath out to use {principal}'s key folder. " +
                "A file that holds a public key already is handed over as it is.");
        using var key = PimKey.FromPrivatePem(keyText, passphrase, passphraseParameter);
        return CredentialFolder.Describe(principal, key, keyFile, keyText.Contains("ENCRYPTED PRIVATE KEY", StringComparison.Ordinal));
    }

    /// <summary>A public key as Register-PimCredential takes it: PEM text, a PimCredential, or a certificate (never a private key).</summary>
    internal static PimKey PublicKeyOf(object value, string principal) => value switch
    {
        PimCredential c => PimKey.FromPublicPem(Pem(c.PublicKey, principal)),
        System.Security.Cryptography.X509Certificates.X509Certificate2 cert => PimKey.FromCertificate(cert, requirePrivateKey: false),
        string pem => PimKey.FromPublicPem(Pem(pem, principal)),
        _ => throw PimErrors.CredentialInvalid($"A public key is a PEM (BEGIN PUBLIC KEY), a PimCredential or an X509Certificate2, not a {value.GetType().Name}.",
            value.GetType().Name, "Give -PublicKeyPath <the file Export-PimCredential wrote>, pipe New-PimCredential's output, or give a certificate."),
    };

    /// <summary>
    /// PEM text: never a private key (PimCredentialPrivateKeyGiven, the text itself named nowhere), at most 20,000
    /// characters, printable ASCII and line breaks only (a PEM has nothing else); whitespace around it is dropped.
    /// </summary>
    private static string Pem(string? text, string principal)
    {
        if (text is not null && HoldsPrivateKey(text))
        {
            var p = PimErrors.Argument(principal);
            var file = PimErrors.Argument(PimErrors.PublicKeyFileName(principal));
            throw PimErrors.CredentialPrivateKeyGiven(
                $"The key given for {principal} is a PRIVATE key. A private key never leaves its owner's machine, and it is not registered: only its public half is. Nothing was changed.",
                principal,
                $"On {principal}'s own machine, run Export-PimCredential -Principal {p} -Path {file} and hand over that file; register it with Register-PimCredential -Principal {p} -PublicKeyPath {file}. " +
                "Delete the copy of the private key you were given; if it travelled by mail or chat, have its owner make a new key.");
        }
        text = text?.Trim();
        if (string.IsNullOrEmpty(text)) throw PimErrors.CredentialInvalid("-PublicKey is empty.", null, "Give the text Export-PimCredential wrote, or -PublicKeyPath <its file>.");
        if (text.Length > 20_000)
            throw PimErrors.InputTooLong($"-PublicKey is {text.Length:N0} characters long; a public key's PEM is at most 20,000.", null, "Give the public key's PEM alone.");
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c is '\r' or '\n' || (c >= ' ' && c <= '~')) continue;
            throw PimErrors.CredentialInvalid($"-PublicKey has the character U+{(int)c:X4} at position {i + 1}; a PEM is printable ASCII and line breaks.", null,
                "Give the text Export-PimCredential wrote as it is (or -PublicKeyPath <its file>).");
        }
        return text;
    }

    /// <summary>
    /// Whether text holds a private key, in any of the forms one is kept in: a PEM whose label ends in PRIVATE KEY
    /// (PKCS#8 PRIVATE KEY and ENCRYPTED PRIVATE KEY, as New-PimCredential writes them; EC, RSA, DSA and OPENSSH PRIVATE
    /// KEY) or a PuTTY key file.
    /// </summary>
    internal static bool HoldsPrivateKey(string text)
        => text.Contains("PRIVATE KEY", StringComparison.OrdinalIgnoreCase)
           || text.Contains("PuTTY-User-Key-File", StringComparison.OrdinalIgnoreCase)
           || text.Contains("Private-Lines:", StringComparison.OrdinalIgnoreCase);

    private void RequireVerified()
    {
        if (_store.IdentityMode != PimIdentityMode.Verified)
            throw PimErrors.IdentityModeMismatch($"The store '{_store.Location}' is a Lab store: principals are claimed there, and it holds no credentials.",
                _store.Location, "Use a Verified store (new stores are Verified unless -IdentityMode Lab is given), or turn this one into one with Protect-PimStore.");
    }

    /// <param name="root">
    /// A root-level key (root principals act with a root key): for the acting root principal themselves, a rotation — the
    /// new key becomes a root key and the one they act with is retired in the same sealed transaction; for a principal
    /// with no key, a break-glass second root.
    /// </param>
    public PimCredential? Register(string principal, object publicKey, bool propose, Func<PimChange, bool>? confirm = null, bool root = false)
    {
        principal = Principal.Validate(principal);
        // The key first: a private key given is refused before anything else is said about the store.
        using var key = PublicKeyOf(publicKey, principal);
        RequireVerified();
        if (root && propose)
            throw PimErrors.InputValueInvalid("A root key is not proposed: a root-level principal registers it, acting with their root key.", null, "Remove -Propose or -Root.");
        var thumbprint = key.Thumbprint;
        var pem = key.PublicKeyPem();
        var algorithm = key.Algorithm;
        return _store.Change(work =>
        {
            var principalKey = Principal.Fold(principal);
            var actorKey = Principal.Fold(work.Actor);
            var existing = Key(work, thumbprint);
            if (existing is not null && existing.PrincipalKey != principalKey)
                throw PimErrors.CredentialInUse($"The key {thumbprint} is already bound to {existing.Principal}; one key belongs to one principal. Nothing was changed.",
                    thumbprint, $"{principal} makes a key of their own with New-PimCredential, and you register its PublicKey.");
            if (existing is { State: CredentialsTable.Revoked })
                throw PimErrors.CredentialRevoked($"The key {thumbprint} of {existing.Principal} was revoked; a revoked key is never bound again. Nothing was changed.",
                    thumbprint, $"{principal} makes a new key with New-PimCredential, and you register that one.");
            var keys = KeysOf(work, principalKey);
            var self = actorKey == principalKey && keys.Any(c => c.State == CredentialsTable.Active); // the principal, with their current key, replaces it
            // A key revoked counts: revoking a principal's key and binding another is not a way round the second administrator.
            var current = keys.Where(c => c.State is CredentialsTable.Active or CredentialsTable.Revoked).ToList();
            if (root)
            {
                var acting = _store.CredentialThumbprint is { } t ? Key(work, t) : null;
                if (acting is not { IsRoot: true, State: CredentialsTable.Active } || acting.PrincipalKey != actorKey)
                    throw PimErrors.NotAuthorized($"'{work.Actor}' may not register a root key: only a root-level principal does, acting with their root key. Nothing was changed.",
                        work.Actor, "Ask the store's root (its creator, or a break-glass root) to run it, connected with their root key.");
                if (existing is { State: CredentialsTable.Active, IsRoot: true }) return (Kind: "Unchanged", Existing: existing, Current: current);
                if (existing is not null)
                    throw PimErrors.CredentialInUse($"The key {thumbprint} is bound already (not as a root key); a root key is a new key. Nothing was changed.", thumbprint,
                        "Make a new key with New-PimCredential for the root.");
                if (actorKey != principalKey && current.Count > 0)
                    throw PimErrors.CredentialRebindRefused($"{principal} has a key already; a break-glass root key goes to a principal who has none. Nothing was changed.",
                        principal, "Name another principal (a break-glass account) for the second root.");
                return (Kind: actorKey == principalKey ? "RotateRoot" : "Bind", Existing: (CredentialsTable.Row?)null, Current: current);
            }
            if (!self) RequireKeyAdministrator(work, $"register a key for {principal}");
            else SelfServiceRate.Check(work, "Register-PimCredential");
            if (existing is { State: CredentialsTable.Active }) return (Kind: "Unchanged", Existing: existing, Current: current);
            if (existing is { State: CredentialsTable.Pending })
            {
                if (Principal.Fold(existing.RegisteredBy) == actorKey)
                    throw PimErrors.CredentialRebindRefused($"You proposed the key {thumbprint} for {principal} yourself: a second administrator must confirm it. Nothing was changed.",
                        principal, "Ask another administrator to run the same Register-PimCredential command.");
                return (Kind: "Confirm", Existing: existing, Current: current);
            }
            if (current.Count > 0 && !self && !propose)
                throw PimErrors.CredentialRebindRefused(
                    $"{principal} already has a key ({current[0].Thumbprint}); binding another one needs their current key or a second administrator. Nothing was changed.",
                    principal, $"{principal} registers the new key themselves (connected with their current key), or you run this again with -Propose and a second administrator confirms it with the same command.");
            return (Kind: current.Count > 0 && !self ? "Propose" : "Bind", Existing: (CredentialsTable.Row?)null, Current: current);
        },
        plan => new PimChange(principal, plan.Kind switch
        {
            "Unchanged" => "Register credential: already registered",
            "Confirm" => $"Confirm the key {thumbprint} proposed by {plan.Existing!.RegisteredBy}",
            "Propose" => $"Propose the key {thumbprint} (a second administrator confirms it)",
            "RotateRoot" => $"Rotate the root key: {thumbprint} becomes a root key, and the key you act with ({_store.CredentialThumbprint}) is retired",
            _ => root ? $"Register the key {thumbprint} ({algorithm}) as a break-glass root key" : $"Register the key {thumbprint} ({algorithm})",
        }),
        (work, plan) =>
        {
            var now = work.Now;
            switch (plan.Kind)
            {
                case "Unchanged":
                    return Describe(plan.Existing!);
                case "Confirm":
                    CredentialsTable.Confirm(work, thumbprint, work.Actor);
                    break;
                case "Propose":
                    CredentialsTable.Insert(work, new CredentialsTable.Row(thumbprint, principal, Principal.Fold(principal), algorithm, pem, CredentialsTable.Pending,
                        work.Actor, now, null, null, null, IsRoot: false));
                    AuditLog.Append(work, new CredentialProposed(thumbprint, principal, pem));
                    Outbox.Notice(work, "CredentialProposed", principal, $"PIM: a new key was proposed for you ({thumbprint[..16]}…)",
                        $"{work.Actor} proposed the key {thumbprint} for {principal} in the PIM store {_store.StoreId}. It acts for you once a second administrator confirms it. If you did not ask for it, tell your administrators now.");
                    return Describe(CredentialsTable.ByThumbprint(work, thumbprint) ?? Key(work, thumbprint)!);
                default:
                    CredentialsTable.Insert(work, new CredentialsTable.Row(thumbprint, principal, Principal.Fold(principal), algorithm, pem, CredentialsTable.Active,
                        work.Actor, now, null, null, null, IsRoot: root));
                    break;
            }
            // A principal's keys before this one stay bound (a runbook certificate beside a person's key) until revoked.
            AuditLog.Append(work, new CredentialRegistered(thumbprint, principal, pem, root));
            if (plan.Kind == "RotateRoot" && _store.CredentialThumbprint is { } old)
            {
                // Signed by the old root: the rotation and the old key's retirement are one sealed transaction.
                CredentialsTable.Revoke(work, old, work.Actor, now);
                AuditLog.Append(work, new CredentialRevoked(old, principal, thumbprint));
            }
            if (plan.Current.Count > 0 || !Principal.Same(work.Actor, principal))
                Outbox.Notice(work, "CredentialRegistered", principal, $"PIM: a new key acts for you ({thumbprint[..16]}…)",
                    $"{work.Actor} registered the key {thumbprint} for {principal} in the PIM store {_store.StoreId}. If you did not ask for it, revoke it (Revoke-PimCredential) and tell your administrators now.");
            return Describe(CredentialsTable.ByThumbprint(work, thumbprint) ?? Key(work, thumbprint)!);
        }, confirm);
    }

    public IReadOnlyList<PimCredential> Get(string? principal, string? thumbprint)
    {
        RequireVerified();
        var principalKey = principal is null ? null : Principal.Key(principal);
        var tp = thumbprint is null ? null : Thumbprint(thumbprint);
        return _store.Read(work => (principalKey is null ? AllKeys(work) : KeysOf(work, principalKey))
            .Where(r => tp is null || string.Equals(r.Thumbprint, tp, StringComparison.Ordinal)).Select(Describe).ToList());
    }

    public PimCredential? Revoke(string thumbprint, Func<PimChange, bool>? confirm = null)
    {
        RequireVerified();
        var tp = Thumbprint(thumbprint);
        return _store.Change(work =>
        {
            var row = Key(work, tp)
                ?? throw PimErrors.CredentialNotFound($"No key {tp} is registered in this store.", tp, "See the keys with Get-PimCredential.");
            if (row.PrincipalKey != Principal.Fold(work.Actor)) RequireKeyAdministrator(work, $"revoke a key of {row.Principal}");
            if (row.State == CredentialsTable.Revoked) return row;
            if (row.IsRoot && (!IsRootPrincipal(work, Principal.Fold(work.Actor)) || ActiveRootCount(work) < 2))
                throw PimErrors.CredentialIsRoot($"The key {tp} is a root key of the store; only a root-level principal retires one, and never the last. Nothing was changed.", tp,
                    "Rotate the root instead (Register-PimCredential -Root with a new key, connected with the root key), or keep it safe.");
            return row;
        },
        row => new PimChange($"{row.Principal} ({tp})", row.State == CredentialsTable.Revoked ? "Revoke credential: already revoked" : "Revoke credential"),
        (work, row) =>
        {
            if (row.State == CredentialsTable.Revoked) return Describe(row);
            CredentialsTable.Revoke(work, tp, work.Actor, work.Now);
            AuditLog.Append(work, new CredentialRevoked(tp, row.Principal));
            if (row.PrincipalKey != Principal.Fold(work.Actor))
                Outbox.Notice(work, "CredentialRevoked", row.Principal, $"PIM: your key {tp[..16]}… was revoked",
                    $"{work.Actor} revoked the key {tp} of {row.Principal} in the PIM store {_store.StoreId}; it acts for nobody from now on.");
            return Describe(CredentialsTable.ByThumbprint(work, tp) is { State: CredentialsTable.Revoked } revoked ? revoked : row with { State = CredentialsTable.Revoked, RevokedBy = work.Actor, RevokedUtc = work.Now });
        }, confirm);
    }

    // ---- the credentials as the verified log has them -------------------------------------------------------------
    // Every decision about keys reads the bindings, revocations, root keys and proposals the verified log yields (the
    // credentials table only adds what it shows: who registered a key, when). A row deleted, put back or edited around
    // the module changes none of them.

    /// <summary>A key as the verified log has it (the table's row for what it shows); null when the log binds, proposes and revokes nothing of that key.</summary>
    private static CredentialsTable.Row? Key(UnitOfWork work, string thumbprint)
    {
        var stored = CredentialsTable.ByThumbprint(work, thumbprint);
        if (work.VerifiedNow() is not { } verified) return stored;
        var s = verified.State;
        var revoked = s.Revoked.Contains(thumbprint, StringComparer.OrdinalIgnoreCase);
        var isRoot = s.RootKeys.Contains(thumbprint, StringComparer.OrdinalIgnoreCase);
        if (s.Bindings.TryGetValue(thumbprint, out var b))
            return new CredentialsTable.Row(thumbprint, stored?.PrincipalKey == b.Principal ? stored.Principal : b.Principal, b.Principal, stored?.Algorithm ?? AlgorithmOf(b.Pem),
                b.Pem, revoked ? CredentialsTable.Revoked : CredentialsTable.Active, stored?.RegisteredBy ?? "", stored?.RegisteredUtc ?? default,
                stored?.ConfirmedBy, stored?.RevokedBy, stored?.RevokedUtc, isRoot);
        if (s.Proposals.TryGetValue(thumbprint, out var p) && p is [var proposer, var forWhom])
            return new CredentialsTable.Row(thumbprint, stored?.PrincipalKey == forWhom ? stored.Principal : forWhom, forWhom, stored?.Algorithm ?? "",
                stored?.PublicKey ?? "", CredentialsTable.Pending, proposer, stored?.RegisteredUtc ?? default, null, null, null, false);
        if (revoked)
            return new CredentialsTable.Row(thumbprint, stored?.Principal ?? "", stored?.PrincipalKey ?? "", stored?.Algorithm ?? "", stored?.PublicKey ?? "",
                CredentialsTable.Revoked, stored?.RegisteredBy ?? "", stored?.RegisteredUtc ?? default, null, stored?.RevokedBy, stored?.RevokedUtc, false);
        return null;
    }

    private static string AlgorithmOf(string pem)
    {
        try { using var k = PimKey.FromPublicPem(pem); return k.Algorithm; }
        catch (PimException) { return ""; }
    }

    /// <summary>The keys of a principal (bound, revoked or proposed) as the verified log has them.</summary>
    private static List<CredentialsTable.Row> KeysOf(UnitOfWork work, string principalKey)
    {
        if (work.VerifiedNow() is not { } verified) return CredentialsTable.OfPrincipal(work, principalKey);
        var s = verified.State;
        return s.Bindings.Where(b => b.Value.Principal == principalKey).Select(b => b.Key)
            .Concat(s.Proposals.Where(p => p.Value is [_, var forWhom] && forWhom == principalKey).Select(p => p.Key))
            .Distinct(StringComparer.OrdinalIgnoreCase).Select(t => Key(work, t)).OfType<CredentialsTable.Row>().ToList();
    }

    /// <summary>Every key the verified log knows, in the listing's order.</summary>
    private static List<CredentialsTable.Row> AllKeys(UnitOfWork work)
    {
        if (work.VerifiedNow() is not { } verified) return CredentialsTable.All(work);
        var s = verified.State;
        return s.Bindings.Keys.Concat(s.Proposals.Keys).Distinct(StringComparer.OrdinalIgnoreCase).Select(t => Key(work, t)).OfType<CredentialsTable.Row>()
            .OrderBy(r => r.PrincipalKey, StringComparer.Ordinal).ThenByDescending(r => r.RegisteredUtc).ThenBy(r => r.Thumbprint, StringComparer.Ordinal).ToList();
    }

    private static bool IsRootPrincipal(UnitOfWork work, string principalKey)
        => work.VerifiedNow() is { } verified
            ? verified.State.RootPrincipals.Contains(principalKey) && verified.State.RootKeys.Any(k => !verified.State.Revoked.Contains(k, StringComparer.OrdinalIgnoreCase)
                && verified.State.Bindings.TryGetValue(k, out var b) && b.Principal == principalKey)
            : CredentialsTable.IsRootPrincipal(work, principalKey);

    private static long ActiveRootCount(UnitOfWork work)
        => work.VerifiedNow() is { } verified
            ? verified.State.RootKeys.Count(k => !verified.State.Revoked.Contains(k, StringComparer.OrdinalIgnoreCase))
            : CredentialsTable.ActiveRootCount(work);

    /// <summary>
    /// Key administration in a Verified store: a root-level principal, or a direct (assigned, not activated) Privileged Role
    /// Administrator or Global Administrator — what the log's verifier replays.
    /// </summary>
    internal void RequireKeyAdministrator(UnitOfWork work, string what)
    {
        var actorKey = Principal.Fold(work.Actor);
        // Root-level principals (the root as the verified log names it, a rotated or break-glass root) administer keys by
        // themselves, assignment or not: that is what a break-glass root is for.
        if (actorKey == _store.RootPrincipalKey || IsRootPrincipal(work, actorKey)) return;
        Authorization.RequireRoleAdministrator(work, what);
        if (AssignmentsTable.IsDirectAdministrator(work, actorKey, work.Now)) return;
        throw PimErrors.NotAuthorized($"'{work.Actor}' may not {what}: in a Verified store that needs a direct (assigned, not activated) Privileged Role Administrator or Global Administrator assignment. Nothing was changed.",
            work.Actor, "Ask an administrator with a direct assignment, or the store's creator.");
    }

    private static string Thumbprint(string text)
    {
        var t = (Input.Text(text, "Thumbprint", 64) ?? "").Trim();
        if (t.Length != 64 || !t.All(Uri.IsHexDigit))
            throw PimErrors.InputValueInvalid($"'{Input.Preview(text)}' is not a key thumbprint (64 hex digits: the SHA-256 of the public key).", Input.Preview(text),
                "Copy the Thumbprint from Get-PimCredential or New-PimCredential.");
        return t.ToUpperInvariant();
    }

    private static PimCredential Describe(CredentialsTable.Row r) => new()
    {
        Principal = r.Principal, Thumbprint = r.Thumbprint, Algorithm = r.Algorithm, PublicKey = r.PublicKey, State = r.State,
        RegisteredBy = r.RegisteredBy, RegisteredDateTime = r.RegisteredUtc, RevokedBy = r.RevokedBy, RevokedDateTime = r.RevokedUtc, IsRoot = r.IsRoot,
    };
}
