using System.Management.Automation;

namespace PimModule.Cmdlets.Common;

/// <summary>Resolves -Role values to their roles: names may be wildcards; a name or id that matches nothing is a non-terminating error.</summary>
internal static class RoleResolver
{
    public static List<PimRole> Resolve(PimCmdlet cmdlet, PimStore store, IEnumerable<PimRoleReference> references)
    {
        var result = new List<PimRole>();
        IReadOnlyList<PimRole>? all = null;
        foreach (var reference in references)
        {
            if (reference is null)
                throw PimErrors.RoleRequired("-Role holds an empty item.", null,
                    "Give role names, ids or role objects, without empty items.");
            if (reference.Id is null && reference.Name is { } name && WildcardPattern.ContainsWildcardCharacters(name))
            {
                all ??= store.Roles.List();
                result.AddRange(RoleMatcher.Match(all, name));
                continue;
            }
            try
            {
                result.Add(store.Roles.Resolve(reference));
            }
            catch (PimException e)
            {
                cmdlet.WriteError(PimCmdlet.ToErrorRecord(e));
            }
        }
        return result.DistinctBy(r => r.Id).ToList();
    }

    /// <summary>
    /// The ids of the roles a -Role filter names: null without a filter (every role), an empty list when it names
    /// none (nothing to list; what matched nothing was written as an error).
    /// </summary>
    public static IReadOnlyCollection<Guid>? ResolveIds(PimCmdlet cmdlet, PimStore store, PimRoleReference[]? references)
        => references is { Length: > 0 } ? Resolve(cmdlet, store, references).Select(r => r.Id).ToList() : null;
}
