using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>Whether a principal holds a role active at a time and scope; -Detailed says through which assignment, or why not.</summary>
[Cmdlet(VerbsDiagnostic.Test, "PimAccess")]
[OutputType(typeof(bool), typeof(PimAccessResult))]
public sealed class TestPimAccessCommand : PimCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(PrincipalCompleter))]
    public string Principal { get; set; } = "";

    [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("RoleName")]
    [ArgumentCompleter(typeof(RoleNameCompleter))]
    public PimRoleReference Role { get; set; } = null!;

    [Parameter(Position = 2, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ScopeCompleter))]
    public string? Scope { get; set; }

    [Parameter]
    [DateTimeTransformation]
    public DateTime? AsOf { get; set; }

    [Parameter]
    public SwitchParameter Detailed { get; set; }

    protected override void ProcessPim()
    {
        var result = Store.Assignments.CheckAccess(Principal, Role, GivenScope(Scope), AsOf, Detailed);
        if (Detailed) WriteObject(result);
        else WriteObject(result.HasAccess);
    }
}
