using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>Sets an alert type's thresholds, or turns it off or on.</summary>
[Cmdlet(VerbsCommon.Set, "PimAlertSetting", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(PimAlertSetting))]
public sealed class SetPimAlertSettingCommand : PimCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateSet(AlertService.NoMfaOnRoleActivation, AlertService.TooManyGlobalAdminsAssignedToTenant, AlertService.RolesAssignedOutsidePim,
        AlertService.RedundantAssignment, AlertService.SequentialActivationRenewals, AlertService.RepeatedMfaFailures, AlertService.StaleSignIn,
        AlertService.UndeliverableNotifications)]
    public string AlertType { get; set; } = "";

    [Parameter]
    [BoolTransformation]
    public bool? Enabled { get; set; }

    /// <summary>A count: Global Administrators (TooManyGlobalAdminsAssignedToTenant), renewals (SequentialActivationRenewals) or refused MFA codes (RepeatedMfaFailures).</summary>
    [Parameter]
    public int? Threshold { get; set; }

    /// <summary>The share of all role holders that are Global Administrators (TooManyGlobalAdminsAssignedToTenant).</summary>
    [Parameter]
    public int? Percentage { get; set; }

    /// <summary>The period: days without activation (RedundantAssignment), the renewal timeframe (SequentialActivationRenewals) or how far back refused MFA codes count (RepeatedMfaFailures).</summary>
    [Parameter]
    [DurationTransformation("Days")]
    public TimeSpan? Window { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessPim()
    {
        var result = Store.Alerts.SetSetting(AlertType, Enabled, Threshold, Percentage, Window, ShouldProcess);
        if (PassThru && result is not null) WriteObject(result);
    }
}
