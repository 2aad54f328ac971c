namespace PimModule.Completers;

/// <summary>Completes role names (quoted when they hold spaces) for every -Role parameter.</summary>
public sealed class RoleNameCompleter : PimArgumentCompleter
{
    protected override IEnumerable<(string Text, string Tooltip)> Candidates()
        => Store.Roles.List().Select(r => (r.Name, r.Description));
}
