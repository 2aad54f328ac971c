using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>Lists the direct members of a group: users, then groups.</summary>
[Cmdlet(VerbsCommon.Get, "PimGroupMember")]
[OutputType(typeof(PimGroupMember))]
public sealed class GetPimGroupMemberCommand : PimCmdlet
{
    /// <summary>The group: its display name, object id or key (group:&lt;id&gt;).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Id", "GroupId")]
    [ArgumentCompleter(typeof(GroupNameCompleter))]
    public string Group { get; set; } = "";

    protected override void ProcessPim() => WriteObject(Store.Groups.Members(Group), enumerateCollection: true);
}
