using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>
/// Binds a public key to a principal in a Verified store (administrators; a principal may add a key of their own while
/// acting with their current one). One key belongs to one principal. A second key for a principal who has one needs their
/// current key, or -Propose and a second administrator running the same command; the principal is told by mail.
/// </summary>
[Cmdlet(VerbsLifecycle.Register, "PimCredential", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(PimCredential))]
public sealed class RegisterPimCredentialCommand : PimCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(PrincipalCompleter))]
    public string Principal { get; set; } = "";

    /// <summary>The public key: PEM text (BEGIN PUBLIC KEY or BEGIN CERTIFICATE), a PimCredential (New-PimCredential's output) or an X509Certificate2.</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNull]
    public object PublicKey { get; set; } = null!;

    /// <summary>For a principal who already has a key: propose this one; it acts once a second administrator confirms it (the same command).</summary>
    [Parameter]
    public SwitchParameter Propose { get; set; }

    /// <summary>
    /// A root-level key (run by a root-level principal acting with their root key): for yourself, a root rotation — the key
    /// you act with is retired in the same sealed transaction; for a principal with no key, a break-glass second root.
    /// </summary>
    [Parameter]
    public SwitchParameter Root { get; set; }

    protected override void ProcessPim()
    {
        var value = PublicKey is PSObject pso ? pso.BaseObject : PublicKey;
        var result = Store.Credentials.Register(Principal, value, Propose, ShouldProcess, Root);
        if (result is null) return;
        if (Root && global::PimModule.Identity.Principal.Same(result.Principal, Store.Principal) && result.Thumbprint != Store.CredentialThumbprint)
            WriteWarning($"The key you acted with is retired: connect again with the new root key {result.Thumbprint} (Connect-PimStore -CredentialPath <its file>).");
        WriteObject(result);
    }
}
