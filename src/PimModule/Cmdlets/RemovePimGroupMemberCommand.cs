using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>Ends direct memberships of a group: administrators only; each principal is its own change.</summary>
[Cmdlet(VerbsCommon.Remove, "PimGroupMember", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(PimGroupMember))]
public sealed class RemovePimGroupMemberCommand : GroupMembershipCommandBase
{
    protected override PimGroupMember? Change(string group, string principal) => Store.Groups.RemoveMember(group, principal, ShouldProcess);
}
