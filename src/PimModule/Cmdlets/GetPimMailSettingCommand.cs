using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>Shows the mail settings (never the password).</summary>
[Cmdlet(VerbsCommon.Get, "PimMailSetting")]
[OutputType(typeof(PimMailSetting))]
public sealed class GetPimMailSettingCommand : PimCmdlet
{
    protected override void ProcessPim() => WriteObject(Store.Notifications.GetMailSetting());
}
