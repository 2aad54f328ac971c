using PimModule.Errors;
using PimModule.Identity;
using PimModule.Interop;
using PimModule.Storage;

namespace PimModule.Groups;

/// <summary>
/// A principal where a group may stand too (the assignment cmdlets' -Principal, Test-PimAccess, Get-PimAssignment): a
/// group's key (<c>group:&lt;object id&gt;</c>), a group's object id, or the display name of one group when the text is no
/// user's name (it has a space, say) — each becomes the group's key; anything else is a user, as
/// <see cref="DirectoryMap.Canonical(UnitOfWork, string?, string)"/> takes it. A text that is a valid user principal name is
/// always the user, never a group that happens to be named so: a group with such a name is given by its id or key.
/// </summary>
internal static class GroupPrincipal
{
    /// <summary>
    /// Whether the text needs the groups to be resolved: a key, an object id, no user's name, or an account name (no '@',
    /// which a group may share); a user principal name (name@domain) does not.
    /// </summary>
    public static bool MayBeGroup(string? text)
    {
        var t = text?.Trim(' ');
        return t is not null && (t.StartsWith(PimGroupKey.Prefix, StringComparison.OrdinalIgnoreCase) || Principal.IsObjectId(t) || !t.Contains('@') || !Principal.IsValid(t));
    }

    /// <summary>The principal canonical: a group's key, or a user's principal name (an object id through the imported directory).</summary>
    public static string Canonical(UnitOfWork work, string? text, string parameter)
        => MayBeGroup(text) ? Canonical(GroupDirectory.Of(work).Named, t => DirectoryMap.Canonical(work, t, parameter), text, parameter)
            : Principal.Validate(text, parameter);

    /// <summary>As <see cref="Canonical(UnitOfWork, string?, string)"/> over a list of groups read before (a bulk writer's).</summary>
    public static string Canonical(IReadOnlyList<PimGroup> groups, Func<string?, string> user, string? text, string parameter)
    {
        var t = text?.Trim(' ') ?? "";
        if (t.StartsWith(PimGroupKey.Prefix, StringComparison.OrdinalIgnoreCase))
        {
            if (!PimGroupKey.TryParse(t.ToLowerInvariant(), out var id))
                throw PimErrors.PrincipalInvalid($"'{Validation.Input.Preview(t)}' is not a group's key (group:<object id>).", t, $"Give -{parameter} as a group's key from Get-PimGroup, or a user's principal name.");
            return Known(groups, id, t);
        }
        if (Principal.IsObjectId(t) && Guid.TryParse(t, out var objectId) && groups.Any(g => g.Id == objectId)) return PimGroupKey.Of(objectId);
        if (Principal.IsObjectId(t) || t.Contains('@') && Principal.IsValid(t)) return user(text);
        // An account name (user1, CONTOSO\user1) that is also a group's name names neither: the caller says which.
        if (Principal.IsValid(t))
            return groups.FirstOrDefault(g => string.Equals(g.DisplayName, t, StringComparison.OrdinalIgnoreCase)) is { } same
                ? throw PimErrors.GroupAmbiguous($"'{Validation.Input.Preview(t)}' is an account name and the name of the group {same.Key}: -{parameter} must name one principal.",
                    t, $"Give the group's key (-{parameter} {same.Key}), or the user's principal name (name@domain).")
                : user(text);
        // No user's name: a group's display name, or nothing.
        Validation.Input.Text(text, parameter, Validation.Input.PrincipalLength, PimErrors.PrincipalInvalid);
        var named = groups.Where(g => string.Equals(g.DisplayName, t, StringComparison.OrdinalIgnoreCase)).ToList();
        return named.Count switch
        {
            1 => named[0].Key,
            0 => user(text), // refused as no principal, as ever
            _ => throw PimErrors.GroupAmbiguous($"{named.Count} groups are named '{Validation.Input.Preview(t)}' ({string.Join(", ", named.Select(g => g.Id))}); " +
                $"-{parameter} must name one principal.", t, $"Give the group's key instead (-{parameter} {named[0].Key})."),
        };
    }

    private static string Known(IReadOnlyList<PimGroup> groups, Guid id, string given)
        => groups.Any(g => g.Id == id) ? PimGroupKey.Of(id)
            : throw PimErrors.GroupNotFound($"No group has the key {PimGroupKey.Of(id)}.", given, "Check the group with Get-PimGroup.");
}
