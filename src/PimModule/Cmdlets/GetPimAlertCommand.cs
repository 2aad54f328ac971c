using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>Shows the alerts that fire now (or at -AsOf): Entra's PIM alert types, each with its offenders and fix.</summary>
[Cmdlet(VerbsCommon.Get, "PimAlert")]
[OutputType(typeof(PimAlert))]
public sealed class GetPimAlertCommand : PimCmdlet
{
    [Parameter]
    [DateTimeTransformation]
    public DateTime? AsOf { get; set; }

    [Parameter(Position = 0)]
    [ValidateSet(AlertService.NoMfaOnRoleActivation, AlertService.TooManyGlobalAdminsAssignedToTenant, AlertService.RolesAssignedOutsidePim,
        AlertService.RedundantAssignment, AlertService.SequentialActivationRenewals, AlertService.RepeatedMfaFailures, AlertService.StaleSignIn,
        AlertService.UndeliverableNotifications)]
    public string[]? AlertType { get; set; }

    protected override void ProcessPim()
    {
        foreach (var a in Store.Alerts.Get(AsOf))
            if (AlertType is null || AlertType.Contains(a.AlertType, StringComparer.OrdinalIgnoreCase)) WriteObject(a);
    }
}
