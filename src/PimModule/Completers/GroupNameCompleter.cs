namespace PimModule.Completers;

/// <summary>Completes group names (quoted when they hold spaces) for every -Group parameter.</summary>
public sealed class GroupNameCompleter : PimArgumentCompleter
{
    protected override IEnumerable<(string Text, string Tooltip)> Candidates()
        => Store.Groups.List().Select(g => (g.DisplayName, $"{g.DisplayName} ({g.Id}){(g.IsAssignableToRole ? ", role-assignable" : "")}"));
}
