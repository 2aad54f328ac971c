using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>
/// What Add-PimGroupMember and Remove-PimGroupMember share: the group, the principals (users by principal name or object id,
/// groups by object id or key) and -PassThru; each principal is its own change, and with several a refused one is its own
/// error while the others go on.
/// </summary>
public abstract class GroupMembershipCommandBase : PimCmdlet
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

    /// <summary>Writes each membership changed.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>The one change for one principal (null: not confirmed).</summary>
    protected abstract PimGroupMember? Change(string group, string principal);

    protected override void ProcessPim()
    {
        foreach (var principal in Principal)
        {
            try
            {
                var changed = Change(Group, principal);
                if (PassThru && changed is not null) WriteObject(changed);
            }
            catch (PimException e) when (Principal.Length > 1 && e is not PimStoreException)
            {
                WriteError(ToErrorRecord(e)); // each principal is its own change: the others go on
            }
        }
    }
}
