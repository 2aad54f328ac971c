using System.Management.Automation;

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
