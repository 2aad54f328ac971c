namespace PimModule.Identity.Keys;

/// <summary>
/// Where a principal keeps their private keys: the keys folder of their own PimModule folder (0700), one PKCS#8 PEM file
/// per principal (0600; encrypted when made with a passphrase), named by the principal's canonical key. The private key
/// never leaves it: only the public key is registered with a store.
/// </summary>
internal static class CredentialFolder
{
    public static string Folder(string? root = null) => root ?? UserFolder.Path("keys");

    public static string PathFor(string principal, string? root = null)
        => System.IO.Path.Combine(Folder(root), Principal.Fold(Principal.Validate(principal)) + ".pem");

    /// <summary>Makes a key pair for <paramref name="principal"/> and keeps its private key (PimCredentialExists if one is there).</summary>
    public static PimCredential Create(string principal, string? path, ReadOnlySpan<char> passphrase, int curveBits = 256, string? root = null)
    {
        principal = Principal.Validate(principal);
        var file = path ?? PathFor(principal, root);
        if (File.Exists(file))
            throw PimErrors.CredentialExists($"{principal} already has a credential at '{file}'.", file,
                "Use it (Connect-PimStore -Principal), or give -Path for another file; a key that is lost or exposed is revoked with Revoke-PimCredential.");
        using var key = PimKey.Create(curveBits);
        try
        {
            UserFolder.WriteAtomically(file, key.PrivateKeyPem(passphrase), overwrite: false, ownFolder: path is null);
        }
        catch (PimException e) when (e.ErrorId == "PimFileExists")
        {
            throw PimErrors.CredentialExists($"{principal} already has a credential at '{file}'.", file, "Use it, or give -Path for another file.");
        }
        return Describe(principal, key, file, !passphrase.IsEmpty);
    }

    /// <summary>The private key of <paramref name="principal"/> (from their folder, or <paramref name="path"/>); PimCredentialNotFound when there is none.</summary>
    public static PimKey Load(string principal, string? path, ReadOnlySpan<char> passphrase, string? root = null)
    {
        var file = path ?? PathFor(principal, root);
        if (!File.Exists(file))
            throw PimErrors.CredentialNotFound($"There is no credential of {principal} at '{file}'.", principal,
                "Make one with New-PimCredential (run by the principal) and have an administrator register its PublicKey, or give -CredentialPath or -Certificate.");
        string pem;
        try
        {
            pem = File.ReadAllText(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw PimErrors.CredentialNotFound($"The credential file '{file}' cannot be read: {e.Message}", file, "Check the file and its permissions.", e);
        }
        return PimKey.FromPrivatePem(pem, passphrase);
    }

    public static PimCredential Describe(string principal, PimKey key, string? path, bool encrypted) => new()
    {
        Principal = principal, Thumbprint = key.Thumbprint, Algorithm = key.Algorithm, PublicKey = key.PublicKeyPem(), Path = path, Encrypted = encrypted,
    };
}
