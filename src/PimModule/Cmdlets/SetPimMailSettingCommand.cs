using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>Sets how notifications reach the mail server. The password is stored encrypted, never in clear text.</summary>
[Cmdlet(VerbsCommon.Set, "PimMailSetting", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(PimMailSetting))]
public sealed class SetPimMailSettingCommand : PimCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string SmtpServer { get; set; } = "";

    [Parameter(Position = 1)]
    [ValidateRange(1, 65535)]
    public int Port { get; set; } = 25;

    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string From { get; set; } = "";

    /// <summary>TLS from the first byte (port 465); without it STARTTLS is used when the server offers it (and required with a login).</summary>
    [Parameter]
    public SwitchParameter UseSsl { get; set; }

    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    /// <summary>Let the login travel in clear text when the server offers no TLS (never by default).</summary>
    [Parameter]
    public SwitchParameter AllowInsecureAuthentication { get; set; }

    /// <summary>Verified stores: the principal whose keys the SMTP password is encrypted to — who sends; by default you.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(PrincipalCompleter))]
    public string? Mailer { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessPim()
    {
        // Only what is named changes; -Credential ([pscredential]::Empty) removes a stored login.
        var bound = MyInvocation.BoundParameters;
        var credential = bound.ContainsKey(nameof(Credential)) ? Credential ?? PSCredential.Empty : null;
        var removeLogin = credential is not null && string.IsNullOrEmpty(credential.UserName);
        var result = Store.Notifications.SetMailSetting(new PimMailSettingUpdate
        {
            SmtpServer = SmtpServer, From = From,
            Port = bound.ContainsKey(nameof(Port)) ? Port : null,
            UseSsl = bound.ContainsKey(nameof(UseSsl)) ? UseSsl.IsPresent : null,
            UserName = credential is null ? null : removeLogin ? "" : credential.UserName,
            Password = credential is null ? null : removeLogin ? "" : credential.GetNetworkCredential().Password,
            AllowInsecureAuthentication = bound.ContainsKey(nameof(AllowInsecureAuthentication)) ? AllowInsecureAuthentication.IsPresent : null,
            Mailer = Mailer,
        }, ShouldProcess);
        if (PassThru && result is not null) WriteObject(result);
    }
}
