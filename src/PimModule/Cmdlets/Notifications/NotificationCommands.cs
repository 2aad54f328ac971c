using System.Management.Automation;
using System.Net;

namespace PimModule.Cmdlets;

/// <summary>Lists the notification outbox: what was (or will be) mailed to whom, and its delivery status.</summary>
[Cmdlet(VerbsCommon.Get, "PimNotification")]
[OutputType(typeof(PimNotification))]
public sealed class GetPimNotificationCommand : PimCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(PrincipalCompleter))]
    public string? Recipient { get; set; }

    [Parameter]
    public PimNotificationStatus[]? Status { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public Guid? RequestId { get; set; }

    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? First { get; set; }

    protected override void ProcessPim()
    {
        foreach (var n in Store.Notifications.Query(new PimNotificationQuery { Recipient = Recipient, Status = Status, RequestId = RequestId, First = First }))
            WriteObject(n);
    }
}

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
        }, c => ShouldProcess(c.Target, c.Action));
        if (PassThru && result is not null) WriteObject(result);
    }
}

/// <summary>Shows the mail settings (never the password).</summary>
[Cmdlet(VerbsCommon.Get, "PimMailSetting")]
[OutputType(typeof(PimMailSetting))]
public sealed class GetPimMailSettingCommand : PimCmdlet
{
    protected override void ProcessPim() => WriteObject(Store.Notifications.GetMailSetting());
}

/// <summary>Delivers pending notifications over SMTP; failures are retried later with a growing wait, then marked Failed.</summary>
[Cmdlet(VerbsCommunications.Send, "PimNotification", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(PimNotification))]
public sealed class SendPimNotificationCommand : PimCmdlet
{
    private readonly CancellationTokenSource _cancel = new();

    /// <summary>At most this many messages in this run.</summary>
    [Parameter]
    [ValidateRange(1, 100000)]
    public int MaxMessages { get; set; } = 500;

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessPim()
    {
        var pending = Store.Notifications.Query(new PimNotificationQuery { Status = [PimNotificationStatus.Pending] }).Count();
        if (!ShouldProcess($"{pending} pending notification(s)", "Send over SMTP")) return;
        var result = Store.Notifications.Send(MaxMessages, (done, total) =>
        {
            if (total >= 20)
                WriteProgress(new ProgressRecord(1, "Send-PimNotification", $"{done} of {total} sent") { PercentComplete = done * 100 / total });
        }, _cancel.Token);
        WriteVerbose($"Sent {result.Sent}, retrying later {result.Retrying}, failed {result.Failed}.");
        foreach (var failed in result.Messages.Where(m => m.Status != PimNotificationStatus.Sent))
            WriteWarning($"Could not send '{failed.Subject}' to {failed.Recipient} (attempt {failed.Attempts}): {failed.LastError}" +
                         (failed.Status == PimNotificationStatus.Failed ? " — given up." : $" — retrying after {failed.NextAttemptDateTime:u}."));
        if (PassThru) WriteObject(result.Messages, enumerateCollection: true);
    }

    protected override void StopProcessing() => _cancel.Cancel();
}

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
        AlertService.RedundantAssignment, AlertService.SequentialActivationRenewals, AlertService.RepeatedMfaFailures)]
    public string[]? AlertType { get; set; }

    protected override void ProcessPim()
    {
        foreach (var a in Store.Alerts.Get(AsOf))
            if (AlertType is null || AlertType.Contains(a.AlertType, StringComparer.OrdinalIgnoreCase)) WriteObject(a);
    }
}

/// <summary>Sets an alert type's thresholds, or turns it off or on.</summary>
[Cmdlet(VerbsCommon.Set, "PimAlertSetting", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(PimAlertSetting))]
public sealed class SetPimAlertSettingCommand : PimCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateSet(AlertService.NoMfaOnRoleActivation, AlertService.TooManyGlobalAdminsAssignedToTenant, AlertService.RolesAssignedOutsidePim,
        AlertService.RedundantAssignment, AlertService.SequentialActivationRenewals, AlertService.RepeatedMfaFailures)]
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
        var result = Store.Alerts.SetSetting(AlertType, Enabled, Threshold, Percentage, Window, c => ShouldProcess(c.Target, c.Action));
        if (PassThru && result is not null) WriteObject(result);
    }
}

/// <summary>Shows each alert type's settings.</summary>
[Cmdlet(VerbsCommon.Get, "PimAlertSetting")]
[OutputType(typeof(PimAlertSetting))]
public sealed class GetPimAlertSettingCommand : PimCmdlet
{
    protected override void ProcessPim() => WriteObject(Store.Alerts.GetSettings(), enumerateCollection: true);
}

/// <summary>Expires stale requests, queues expiring-soon notices once, prunes history past retention. Safe from any scheduler.</summary>
[Cmdlet(VerbsLifecycle.Invoke, "PimMaintenance", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(PimMaintenanceResult))]
public sealed class InvokePimMaintenanceCommand : PimCmdlet
{
    protected override void ProcessPim()
    {
        if (!ShouldProcess(Store.Location, "Expire stale requests, queue expiry notices, prune history older than 30 days")) return;
        var result = Store.Maintenance.Run((activity, percent) =>
            WriteProgress(new ProgressRecord(1, "Invoke-PimMaintenance", activity)
            {
                PercentComplete = percent, RecordType = percent >= 100 ? ProgressRecordType.Completed : ProgressRecordType.Processing,
            }));
        WriteObject(result);
    }
}
