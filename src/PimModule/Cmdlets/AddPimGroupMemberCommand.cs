using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>
/// Makes principals direct members of a group: users by principal name (or object id, through the imported directory),
/// groups by object id or key. Administrators only; each principal is its own change (a refused one is its own error).
/// </summary>
[Cmdlet(VerbsCommon.Add, "PimGroupMember", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(PimGroupMember))]
public sealed class AddPimGroupMemberCommand : PimCmdlet
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

    /// <summary>Writes each membership made.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessPim()
    {
        foreach (var principal in Principal)
        {
            try
            {
                var added = Store.Groups.AddMember(Group, principal, ShouldProcess);
                if (PassThru && added is not null) WriteObject(added);
            }
            catch (PimException e) when (Principal.Length > 1 && e is not PimStoreException)
            {
                WriteError(ToErrorRecord(e)); // each principal is its own change: the others go on
            }
        }
    }
}
