using System.Management.Automation;
using PimModule.Hosting;

namespace PimModule.Cmdlets;

/// <summary>
/// Makes a key pair for a principal — run by the principal themselves: the private key stays in their PimModule key
/// folder (or -Path), owner-only, encrypted with -Passphrase; an administrator registers the PublicKey.
/// </summary>
[Cmdlet(VerbsCommon.New, "PimCredential", SupportsShouldProcess = true)]
[OutputType(typeof(PimCredential))]
public sealed class NewPimCredentialCommand : PimCmdlet
{
    /// <summary>Whose key: by default the session's acting principal (or the operating-system user).</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(PrincipalCompleter))]
    public string? Principal { get; set; }

    /// <summary>Where to keep the private key (a PEM file, created 0600); by default &lt;PimModule folder&gt;/keys/&lt;principal&gt;.pem.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>Encrypts the private key file (PKCS#8, AES-256) with this passphrase.</summary>
    [Parameter]
    public System.Security.SecureString? Passphrase { get; set; }

    /// <summary>ES256 (ECDSA P-256, the default) or ES384 (P-384).</summary>
    [Parameter]
    [ValidateSet("ES256", "ES384")]
    public string Algorithm { get; set; } = "ES256";

    protected override void ProcessPim()
    {
        var principal = Principal ?? PimSession.Current?.Principal ?? global::PimModule.Identity.Principal.Current();
        var path = Path is null ? null : ResolveFilePath(Path);
        if (!ShouldProcess(principal, $"Create a key pair ({Algorithm})" + (path is null ? "" : $" in '{path}'"))) return;
        var passphrase = Passphrase is null ? "" : new System.Net.NetworkCredential("", Passphrase).Password;
        WriteObject(Identity.CredentialService.New(principal, path, passphrase, Algorithm == "ES384" ? 384 : 256));
    }
}
