using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>Shows each alert type's settings.</summary>
[Cmdlet(VerbsCommon.Get, "PimAlertSetting")]
[OutputType(typeof(PimAlertSetting))]
public sealed class GetPimAlertSettingCommand : PimCmdlet
{
    protected override void ProcessPim() => WriteObject(Store.Alerts.GetSettings(), enumerateCollection: true);
}
