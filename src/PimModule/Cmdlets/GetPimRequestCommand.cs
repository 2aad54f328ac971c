using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>Lists role assignment schedule requests: admin assignments, activations, approvals and their outcome.</summary>
[Cmdlet(VerbsCommon.Get, "PimRequest")]
[OutputType(typeof(PimRequest))]
public sealed class GetPimRequestCommand : PimCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(RequestIdCompleter))]
    public string? RequestId { get; set; }

    [Parameter]
    public PimRequestStatus[]? Status { get; set; }

    [Parameter]
    public PimRequestAction[]? Action { get; set; }

    [Parameter]
    [ArgumentCompleter(typeof(PrincipalCompleter))]
    public string? Principal { get; set; }

    [Parameter(ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("RoleName")]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(RoleNameCompleter))]
    public PimRoleReference[]? Role { get; set; }

    /// <summary>The time the statuses are read for (a pending request undecided for 24 hours reads as Expired); now by default.</summary>
    [Parameter]
    [DateTimeTransformation]
    public DateTime? AsOf { get; set; }

    /// <summary>Only pending requests the acting principal may approve.</summary>
    [Parameter]
    public SwitchParameter PendingMyApproval { get; set; }

    protected override void ProcessPim()
    {
        var roleIds = RoleResolver.ResolveIds(this, Store, Role);
        if (roleIds is { Count: 0 }) return;
        var query = new PimRequestQuery
        {
            RequestId = RequestId is null ? null : RequestIds.Parse(RequestId), Status = Status, Action = Action, Principal = Principal,
            RoleIds = roleIds, PendingMyApproval = PendingMyApproval, AsOf = AsOf,
        };
        var any = false;
        foreach (var r in Store.Requests.Query(query))
        {
            any = true;
            WriteObject(r);
        }
        if (!any && query.RequestId is { } id)
            WriteNotFound(PimErrors.RequestNotFound(id));
    }
}
