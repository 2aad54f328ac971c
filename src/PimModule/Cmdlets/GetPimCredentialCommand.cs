using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>Lists the key bindings of a Verified store: every principal's, or one principal's; Active, Pending and Revoked.</summary>
[Cmdlet(VerbsCommon.Get, "PimCredential")]
[OutputType(typeof(PimCredential))]
public sealed class GetPimCredentialCommand : PimCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(PrincipalCompleter))]
    public string? Principal { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? Thumbprint { get; set; }

    protected override void ProcessPim()
    {
        foreach (var c in Store.Credentials.Get(Principal, Thumbprint)) WriteObject(c);
    }
}
