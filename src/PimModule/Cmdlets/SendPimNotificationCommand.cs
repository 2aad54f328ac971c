using System.Management.Automation;

namespace PimModule.Cmdlets;

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
