using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>Registers a TOTP authenticator for a principal: the secret and otpauth:// URI are shown once.</summary>
[Cmdlet(VerbsLifecycle.Register, "PimMfaMethod", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(PimMfaRegistration))]
public sealed class RegisterPimMfaMethodCommand : PimCmdlet
{
    /// <summary>Whose method; the acting principal by default (another principal needs a role administrator).</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(PrincipalCompleter))]
    public string? Principal { get; set; }

    /// <summary>Replace an existing method.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessPim()
    {
        var registration = Store.Mfa.Register(Principal, Force, ShouldProcess);
        if (registration is not null) WriteObject(registration);
    }
}
