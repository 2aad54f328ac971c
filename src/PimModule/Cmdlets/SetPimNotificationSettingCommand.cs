using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>Changes one of a role's nine notification rows (event × recipient).</summary>
[Cmdlet(VerbsCommon.Set, "PimNotificationSetting", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(PimRoleSetting))]
public sealed class SetPimNotificationSettingCommand : PimCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("RoleName")]
    [ArgumentCompleter(typeof(RoleNameCompleter))]
    public PimRoleReference Role { get; set; } = null!;

    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    public PimNotificationEvent Event { get; set; }

    [Parameter(Mandatory = true, Position = 2, ValueFromPipelineByPropertyName = true)]
    public PimNotificationRecipient Recipient { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [BoolTransformation]
    public bool? DefaultRecipients { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [AllowEmptyCollection, AllowEmptyString, AllowNull]
    public string[]? AdditionalRecipients { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [BoolTransformation]
    public bool? CriticalOnly { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessPim()
    {
        var update = new PimNotificationUpdate
        {
            Event = Event,
            Recipient = Recipient,
            DefaultRecipients = DefaultRecipients,
            AdditionalRecipients = MyInvocation.BoundParameters.ContainsKey(nameof(AdditionalRecipients)) ? AdditionalRecipients ?? [] : null,
            CriticalOnly = CriticalOnly,
        };
        var result = Store.Settings.UpdateNotification(Role, update, ShouldProcess, WriteVerbose);
        if (PassThru && result is not null) WriteObject(result);
    }
}
