namespace PimModule.Errors;

internal static partial class PimErrors
{
    public static PimException CredentialInvalid(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.InvalidData, message, target, recommendedAction, inner);

    public static PimException CredentialPassphraseInvalid(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.SecurityError, message, target, recommendedAction, inner);

    public static PimException SealInvalid(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.SecurityError, message, target, recommendedAction, inner);

    public static PimStoreException StoreTrustChanged(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => MakeStore(PimErrorCategory.SecurityError, message, target, recommendedAction, inner);

    public static PimStoreException StoreRolledBack(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => MakeStore(PimErrorCategory.SecurityError, message, target, recommendedAction, inner);

    public static PimException CredentialExists(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.ResourceExists, message, target, recommendedAction, inner);

    public static PimException CredentialNotFound(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.ObjectNotFound, message, target, recommendedAction, inner);

    public static PimException CredentialNotRegistered(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.SecurityError, message, target, recommendedAction, inner);

    public static PimException IdentityModeMismatch(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.InvalidOperation, message, target, recommendedAction, inner);

    public static PimException CredentialInUse(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.ResourceExists, message, target, recommendedAction, inner);

    public static PimException CredentialRevoked(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.SecurityError, message, target, recommendedAction, inner);

    public static PimException CredentialRebindRefused(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.PermissionDenied, message, target, recommendedAction, inner);

    public static PimStoreException StoreTampered(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => MakeStore(PimErrorCategory.SecurityError, message, target, recommendedAction, inner);

    /// <summary>A snapshot of the verified state that does not count: not sealed by a root key reached from the trust anchor, or not matching the log.</summary>
    public static PimException SnapshotInvalid(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.SecurityError, message, target, recommendedAction, inner);

    /// <summary>A snapshot whose digest differs from the state this user's own replay of the log reached at the same record.</summary>
    public static PimException SnapshotMismatch(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.SecurityError, message, target, recommendedAction, inner);

    /// <summary>
    /// Text holding a private key where a public key was asked for (Register-PimCredential). The message, target and
    /// action never hold the text: the private key must not travel further than it already has.
    /// </summary>
    public static PimException CredentialPrivateKeyGiven(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.SecurityError, message, target, recommendedAction, inner);

    public static PimException CredentialIsRoot(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.PermissionDenied, message, target, recommendedAction, inner);

    // ---- onboarding: what a refusal about a missing or unregistered key tells the person and the administrator ------

    /// <summary>
    /// The two steps that let <paramref name="principal"/> act in a Verified store, with their commands filled in: the
    /// person makes a key (once per machine) and exports its public half; an administrator of the store registers that
    /// file. <paramref name="credentialPath"/>: the private key's file when it is not in the person's key folder.
    /// <paramref name="hasKey"/>: the person has a key already (the first step is then only the export).
    /// </summary>
    public static string OnboardingSteps(string principal, string? credentialPath = null, bool hasKey = false)
    {
        var p = Argument(principal);
        var file = Argument(PublicKeyFileName(principal));
        var keyFile = credentialPath is null ? "" : " -CredentialPath " + Argument(credentialPath);
        var make = $"New-PimCredential -Principal {p}" + (credentialPath is null ? "" : " -Path " + Argument(credentialPath));
        var export = $"Export-PimCredential -Principal {p}{keyFile} -Path {file}";
        var person = hasKey
            ? $"{principal} exports the public half of their key, on their own machine: {export} (a person with no key runs {make} first)"
            : $"{principal} makes a key and exports its public half, on their own machine: {make}, then {export}";
        return $"{person}; and hands that file to an administrator of the store, who registers it: Register-PimCredential -Principal {p} -PublicKeyPath {file}.";
    }

    /// <summary>The file name an exported public key gets in the recommended actions: &lt;principal&gt;.pem (a backslash of DOMAIN\user made _).</summary>
    public static string PublicKeyFileName(string principal) => principal.Replace('\\', '_').Replace('/', '_') + ".pem";

    /// <summary>A command argument as it is typed in PowerShell: bare when plain, else single-quoted.</summary>
    public static string Argument(string text)
    {
        foreach (var c in text)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '@' or '/'))
                return "'" + text.Replace("'", "''") + "'";
        return text;
    }
}
