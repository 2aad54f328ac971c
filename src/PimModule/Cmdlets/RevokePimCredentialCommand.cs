using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>Ends a key binding: from the next transaction on, the key acts for nobody (administrators, or the key's own principal).</summary>
[Cmdlet(VerbsSecurity.Revoke, "PimCredential", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(PimCredential))]
public sealed class RevokePimCredentialCommand : PimCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Thumbprint { get; set; } = "";

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessPim()
    {
        var result = Store.Credentials.Revoke(Thumbprint, ShouldProcess);
        if (PassThru && result is not null) WriteObject(result);
    }
}
