namespace PimModule.Completers;

/// <summary>Completes the audit log's action names.</summary>
public sealed class AuditActionCompleter : PimArgumentCompleter
{
    private static readonly string[] Actions =
        ["CreateStore", "AddRole", "RemoveRole", "UpdateRoleSetting", "RegisterMfaMethod", "MfaFailed", "CreateAccessReview", "DecideAccessReviewItem", "CompleteAccessReview",
         "ImportDirectoryObject", "CreateGroup", "RemoveGroup", "AddGroupMember", "RemoveGroupMember", .. Enum.GetNames<PimRequestAction>()];

    protected override IEnumerable<(string Text, string Tooltip)> Candidates() => Actions.Select(a => (a, a));
}
