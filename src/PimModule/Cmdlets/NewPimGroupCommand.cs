using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>Makes a group of the directory: administrators only; a role-assignable one is at most one of 500, and stays so.</summary>
[Cmdlet(VerbsCommon.New, "PimGroup", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(PimGroup))]
public sealed class NewPimGroupCommand : PimCmdlet
{
    /// <summary>The group's display name.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("DisplayName")]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
    [AllowEmptyString, AllowNull]
    public string? Description { get; set; }

    /// <summary>The group may hold roles (set now, never changed; Entra's isAssignableToRole).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public SwitchParameter IsAssignableToRole { get; set; }

    /// <summary>The tenant group's object id, to keep it (Get-MgGroup); a new one when left out.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("ObjectId", "GroupId")]
    public Guid? Id { get; set; }

    protected override void ProcessPim()
    {
        var group = Store.Groups.Create(Name, Description, IsAssignableToRole.IsPresent, Id, ShouldProcess);
        if (group is not null) WriteObject(group);
    }
}
