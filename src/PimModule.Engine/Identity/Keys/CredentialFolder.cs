using PimModule.Errors;

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
        // A folder, a device or a pipe at -Path is no key file, nor a place for one: refused before anything is made.
        if (Files.FileTarget.Check(file, opensThroughLinks: false)) throw Exists(principal, file, path);
        using var key = PimKey.Create(curveBits);
        try
        {
            UserFolder.WriteAtomically(file, key.PrivateKeyPem(passphrase), overwrite: false, ownFolder: path is null);
        }
        catch (PimException e) when (e.ErrorId == PimErrors.IdOf(nameof(PimErrors.FileExists)))
        {
            throw Exists(principal, file, path);
        }
        return Describe(principal, key, file, !passphrase.IsEmpty);
    }

    /// <summary>The private key of <paramref name="principal"/> (from their folder, or <paramref name="path"/>); PimCredentialNotFound when there is none.</summary>
    public static PimKey Load(string principal, string? path, ReadOnlySpan<char> passphrase, string? root = null)
    {
        var file = path ?? PathFor(principal, root);
        if (!File.Exists(file)) throw NotFound(principal, file, path);
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

    /// <summary>
    /// A key is there already: it is not overwritten. One key serves every store (the key folder is per person, not per
    /// store), so the way to a second store is to export this key's public half and have that store register it.
    /// </summary>
    public static PimException Exists(string principal, string file, string? path)
    {
        var p = PimErrors.Argument(principal);
        var keyFile = path is null ? "" : " -CredentialPath " + PimErrors.Argument(file);
        var export = PimErrors.Argument(PimErrors.PublicKeyFileName(principal));
        return PimErrors.CredentialExists($"{principal} already has a key at '{file}'; it is kept, not overwritten. One key serves every store you use.", file,
            $"To use it in another store, export its public half (Export-PimCredential -Principal {p}{keyFile} -Path {export}) and have that store's administrator " +
            $"register it (Register-PimCredential -Principal {p} -PublicKeyPath {export}); connect with Connect-PimStore -Principal {p}{keyFile}. " +
            "For a second key, give -Path; a key that is lost or exposed is revoked with Revoke-PimCredential.");
    }

    /// <summary>No key where one is looked for: the two onboarding steps, the person's and the administrator's.</summary>
    public static PimException NotFound(string principal, string file, string? path)
        => PimErrors.CredentialNotFound(path is null
                ? $"{principal} has no key on this machine (there is none at '{file}'), and a principal acts in a Verified store only with their own key. Nothing was changed."
                : $"There is no key file at '{file}' (-CredentialPath), and a principal acts in a Verified store only with their own key. Nothing was changed.",
            principal, PimErrors.OnboardingSteps(principal, path) + $" Then Connect-PimStore -Principal {PimErrors.Argument(principal)}"
                + (path is null ? " acts with it (or give -CredentialPath or -Certificate for a key kept elsewhere)." : $" -CredentialPath {PimErrors.Argument(file)} acts with it."));

    public static PimCredential Describe(string principal, PimKey key, string? path, bool encrypted) => new()
    {
        Principal = principal, Thumbprint = key.Thumbprint, Algorithm = key.Algorithm, PublicKey = key.PublicKeyPem(), Path = path, Encrypted = encrypted,
    };
}
