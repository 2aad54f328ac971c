using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>Ends direct memberships of a group: administrators only; each principal is its own change.</summary>
[Cmdlet(VerbsCommon.Remove, "PimGroupMember", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(PimGroupMember))]
public sealed class RemovePimGroupMemberCommand : PimCmdlet
{
    /// <summary>The group: its display name, object id or key (group:&lt;id&gt;).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("GroupId")]
    [ArgumentCompleter(typeof(GroupNameCompleter))]
    public string Group { get; set; } = "";

    /// <summary>Users (principal names or object ids) and groups (object ids or keys).</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("UserPrincipalName", "Member", "Key")]
    [ArgumentCompleter(typeof(PrincipalCompleter))]
    public string[] Principal { get; set; } = [];

    /// <summary>Writes each membership ended.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessPim()
    {
        foreach (var principal in Principal)
        {
            try
            {
                var removed = Store.Groups.RemoveMember(Group, principal, ShouldProcess);
                if (PassThru && removed is not null) WriteObject(removed);
            }
            catch (PimException e) when (Principal.Length > 1 && e is not PimStoreException)
            {
                WriteError(ToErrorRecord(e));
            }
        }
    }
}
