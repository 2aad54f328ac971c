using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>
/// Makes principals direct members of a group: users by principal name (or object id, through the imported directory),
/// groups by object id or key. Administrators only; each principal is its own change (a refused one is its own error).
/// </summary>
[Cmdlet(VerbsCommon.Add, "PimGroupMember", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(PimGroupMember))]
public sealed class AddPimGroupMemberCommand : GroupMembershipCommandBase
{
    protected override PimGroupMember? Change(string group, string principal) => Store.Groups.AddMember(group, principal, ShouldProcess);
}
