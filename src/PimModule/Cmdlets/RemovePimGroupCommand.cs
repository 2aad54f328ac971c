using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>Removes a group, its memberships and its membership of other groups: administrators only.</summary>
[Cmdlet(VerbsCommon.Remove, "PimGroup", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(PimGroup))]
public sealed class RemovePimGroupCommand : PimCmdlet
{
    /// <summary>The group: its display name, object id or key (group:&lt;id&gt;).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Id", "GroupId", "Name")]
    [ArgumentCompleter(typeof(GroupNameCompleter))]
    public string Group { get; set; } = "";

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessPim()
    {
        var removed = Store.Groups.Remove(Group, ShouldProcess);
        if (PassThru && removed is not null) WriteObject(removed);
    }
}
