using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>Reads the audit log: every change, who made it, when, with the values before and after.</summary>
[Cmdlet(VerbsCommon.Get, "PimAuditLog")]
[OutputType(typeof(PimAuditRecord))]
public sealed class GetPimAuditLogCommand : PimCmdlet
{
    [Parameter, DateTimeTransformation] public DateTime? Since { get; set; }
    [Parameter, DateTimeTransformation] public DateTime? Until { get; set; }

    /// <summary>Records made by, or about, this principal.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(PrincipalCompleter))]
    public string? Principal { get; set; }

    [Parameter]
    [ArgumentCompleter(typeof(RoleNameCompleter))]
    public PimRoleReference? Role { get; set; }

    [Parameter]
    [ArgumentCompleter(typeof(AuditActionCompleter))]
    public string[]? Action { get; set; }

    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? First { get; set; }

    protected override void ProcessPim()
    {
        var roleId = Role is null ? (Guid?)null : Store.Roles.Resolve(Role).Id;
        var records = Store.Audit.Query(new PimAuditQuery
        {
            Since = Since, Until = Until, Principal = Principal, RoleId = roleId,
            Actions = Action, First = First,
        });
        WriteObject(records, enumerateCollection: true);
    }
}
