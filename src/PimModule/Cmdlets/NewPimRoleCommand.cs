using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>Adds a custom role to the catalogue.</summary>
[Cmdlet(VerbsCommon.New, "PimRole", SupportsShouldProcess = true)]
[OutputType(typeof(PimRole))]
public sealed class NewPimRoleCommand : PimCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
    [AllowEmptyString]
    public string? Description { get; set; }

    protected override void ProcessPim()
    {
        var role = Store.Roles.Create(Name, Description, ShouldProcess);
        if (role is not null) WriteObject(role);
    }
}
