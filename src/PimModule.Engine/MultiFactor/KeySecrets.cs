using PimModule.Identity.Keys;
using PimModule.Storage;
using PimModule.Errors;
using PimModule.Identity;

namespace PimModule.MultiFactor;

/// <summary>
/// A principal's secret in a Verified store (their MFA secret; the SMTP password, the mailer's), encrypted to that principal's own keys — no shared PIM_SECRET_KEY:
/// "kv:" + one "thumbprint k1-ciphertext" per key, joined by '|' (ECDH for EC keys, RSA-OAEP for RSA, AES-256-GCM with
/// the principal and the store as associated data; see PimKey.EncryptTo). Only a holder of one of those private keys
/// reads it: another principal, an administrator, or anyone with the store and the shared key does not.
/// </summary>
internal static class KeySecrets
{
    public const string Prefix = "kv:";

    public static bool IsKeySecret(string text) => text.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>
    /// The secret encrypted to the principal's keys: the acting key when the principal registers it themselves, and every
    /// key bound (active) to them. PimCredentialNotRegistered when they have none.
    /// </summary>
    public static string Protect(UnitOfWork work, string principal, byte[] secret, string context)
    {
        var principalKey = Principal.Fold(principal);
        var recipients = new Dictionary<string, PimKey>(StringComparer.OrdinalIgnoreCase);
        try
        {
            if (work.Sealer is { } sealer && Principal.Fold(work.Actor) == principalKey)
                recipients[sealer.Key.Thumbprint] = PimKey.FromPublicPem(sealer.Key.PublicKeyPem());
            // The keys the verified log binds to the principal (not revoked): a row put into the credentials table around the
            // module receives nothing.
            if (work.VerifiedNow() is { } verified)
            {
                foreach (var (thumbprint, b) in verified.State.Bindings)
                    if (b.Principal == principalKey && !verified.State.Revoked.Contains(thumbprint, StringComparer.OrdinalIgnoreCase) && b.Pem.Length > 0
                        && !recipients.ContainsKey(thumbprint))
                        recipients[thumbprint] = PimKey.FromPublicPem(b.Pem);
            }
            else
                foreach (var c in CredentialsTable.OfPrincipal(work, principalKey).Where(c => c.State == CredentialsTable.Active))
                    if (!recipients.ContainsKey(c.Thumbprint)) recipients[c.Thumbprint] = PimKey.FromPublicPem(c.PublicKey);
            if (recipients.Count == 0)
                throw PimErrors.CredentialNotRegistered($"{principal} has no key in this Verified store, so no MFA secret can be kept for them. Nothing was changed.",
                    principal, "Register a key for them first. " + PimErrors.OnboardingSteps(principal));
            return Prefix + string.Join('|', recipients.Select(r => r.Key + " " + r.Value.EncryptTo(secret, context)));
        }
        finally
        {
            foreach (var k in recipients.Values) k.Dispose();
        }
    }

    /// <summary>The secret, decrypted with <paramref name="key"/> (the acting key); null when it was not encrypted to that key (or not for this context).</summary>
    public static byte[]? TryUnprotect(PimKey? key, string text, string context)
    {
        if (key is null || !IsKeySecret(text)) return null;
        foreach (var entry in text[Prefix.Length..].Split('|'))
        {
            var space = entry.IndexOf(' ');
            if (space <= 0 || !string.Equals(entry[..space], key.Thumbprint, StringComparison.OrdinalIgnoreCase)) continue;
            try
            {
                return key.Decrypt(entry[(space + 1)..], context);
            }
            catch (PimException)
            {
                return null;
            }
        }
        return null;
    }
}
