using System.Management.Automation;
using PimModule.Hosting;

namespace PimModule.Cmdlets;

/// <summary>
/// What Connect-PimStore and Confirm-PimStoreRestore share: where the store is, who acts, and the key they act with.
/// </summary>
public abstract class StoreConnectionCommandBase : PimCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ParameterSets.Path)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    [Parameter(Mandatory = true, ParameterSetName = ParameterSets.ConnectionString)]
    [ValidateNotNullOrEmpty]
    public string ConnectionString { get; set; } = "";

    [Parameter(ParameterSetName = ParameterSets.ConnectionString)]
    public PimStoreProvider Provider { get; set; } = PimStoreProvider.PostgreSql;

    /// <summary>Act as this principal (a UPN, account name or object id); the operating-system user by default.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(PrincipalCompleter))]
    public string? Principal { get; set; }

    /// <summary>Verified stores: your private key's file (PEM, from New-PimCredential -Path); by default your PimModule key folder.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? CredentialPath { get; set; }

    /// <summary>The passphrase of an encrypted key file.</summary>
    [Parameter]
    public System.Security.SecureString? CredentialPassphrase { get; set; }

    /// <summary>Verified stores: a certificate with its private key (a PFX loaded with Get-PfxCertificate or X509Certificate2, or one from the certificate store).</summary>
    [Parameter]
    [ValidateNotNull]
    public System.Security.Cryptography.X509Certificates.X509Certificate2? Certificate { get; set; }

    /// <summary>Verified stores: "&lt;StoreId&gt;:&lt;root thumbprint&gt;" as Get-PimStore shows it (TrustAnchor) — the store must be this one (unattended runbooks).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? TrustAnchor { get; set; }

    /// <summary>
    /// The options of the store named (-Path, -ConnectionString), or of the session's store (or the default one) as another
    /// principal, with the identity parameters given.
    /// </summary>
    /// <summary>Write-Progress while a Verified store's log is verified (all of it the first time this user connects).</summary>
    private void VerificationProgress(long verified)
    {
        try
        {
            WriteProgress(new ProgressRecord(7, "Verifying the store's log", $"{verified:N0} records verified (the first connect verifies all of them; later ones only what is new)"));
        }
        catch (InvalidOperationException)
        {
            // The store was reopened after this command ended: nobody to show progress to.
        }
    }

    protected PimStoreOptions StoreOptions(PimIdentityMode? mode)
    {
        if (CredentialPath is not null && Certificate is not null)
            throw PimErrors.InputValueInvalid("Give -CredentialPath or -Certificate, not both: a principal acts with one key.", null, "Remove one of them.");
        return (ParameterSetName switch
        {
            ParameterSets.Path => new PimStoreOptions
            {
                Provider = PimStoreProvider.Sqlite,
                Path = ResolveFilePath(Path),
                Principal = Principal,
                VerificationProgress = VerificationProgress,
            },
            ParameterSets.ConnectionString => new PimStoreOptions
            {
                Provider = Provider,
                Path = Provider == PimStoreProvider.Sqlite ? ConnectionString : null,
                ConnectionString = ConnectionString,
                Principal = Principal,
                VerificationProgress = VerificationProgress,
            },
            _ => CurrentOrDefault(Principal),
        }).WithIdentity(mode, CredentialPath is null ? null : ResolveFilePath(CredentialPath, nameof(CredentialPath)),
            CredentialPassphrase, Certificate, TrustAnchor);
    }

    /// <summary>
    /// Without a path: the store already open (or the default one), as another principal. After a failed connect
    /// there is no store to keep, and falling back to the default one is what must not happen: refused.
    /// </summary>
    private static PimStoreOptions CurrentOrDefault(string? principal)
    {
        if (PimSession.Current is { } current) return current.OptionsFor(principal);
        if (PimSession.ConnectFailed)
            throw PimErrors.NotConnected("This session has no store to act on as another principal: the last Connect-PimStore failed, and the default store is not opened in its place.",
                principal, "Give the store: Connect-PimStore -Path <file> or -ConnectionString <s> (with -Principal), or Disconnect-PimStore to go back to the default store.");
        return PimSession.DefaultOptions(principal);
    }
}
