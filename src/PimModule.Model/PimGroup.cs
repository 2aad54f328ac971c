namespace PimModule;

/// <summary>
/// A group of the tenant's directory (New-PimGroup, Import-PimDirectoryObject): its Entra object id, display name and
/// description, and whether it may hold roles (<see cref="IsAssignableToRole"/>, set when it is made and never changed).
/// Inside the store a group is always its key, <c>group:&lt;object id&gt;</c>: never its display name, which two groups
/// may share, so a group is never taken for a user or another group.
/// </summary>
public sealed class PimGroup
{
    public Guid Id { get; init; }
    public string DisplayName { get; init; } = "";
    public string? Description { get; init; }
    public bool IsAssignableToRole { get; init; }
    /// <summary>Direct members: users and groups.</summary>
    public int MemberCount { get; init; }
    public string CreatedBy { get; init; } = "";
    public DateTime CreatedDateTime { get; init; }
    /// <summary>The group's key inside the store: <c>group:&lt;object id&gt;</c>.</summary>
    public string Key => PimGroupKey.Of(Id);

    /// <summary>The key: a group given as text (piped to -Group) is always this one group, never another of the same name.</summary>
    public override string ToString() => Key;
}

/// <summary>What a group member is.</summary>
public enum PimGroupMemberType
{
    User,
    Group,
}

/// <summary>One direct member of a group: a user (by user principal name) or a group (by its key and display name).</summary>
public sealed class PimGroupMember
{
    public Guid GroupId { get; init; }
    /// <summary>The group's display name.</summary>
    public string Group { get; init; } = "";
    /// <summary>The member: a user's principal name, or a group's key (<c>group:&lt;object id&gt;</c>).</summary>
    public string Principal { get; init; } = "";
    /// <summary>A member group's display name (empty for a user).</summary>
    public string? DisplayName { get; init; }
    public PimGroupMemberType MemberType { get; init; }
    public string AddedBy { get; init; } = "";
    public DateTime AddedDateTime { get; init; }

    public override string ToString() => Principal;
}

/// <summary>A group's key inside the store: <c>group:</c> and its object id, lower-case, with dashes — never a user's principal (a principal has no colon).</summary>
public static class PimGroupKey
{
    public const string Prefix = "group:";

    public static string Of(Guid id) => Prefix + id.ToString("D");

    /// <summary>The object id of a group key; false for anything else (a user's principal name).</summary>
    public static bool TryParse(string? key, out Guid id)
    {
        id = Guid.Empty;
        return key is not null && key.Length == Prefix.Length + 36 && key.StartsWith(Prefix, StringComparison.Ordinal)
            && Guid.TryParseExact(key.AsSpan(Prefix.Length), "D", out id) && Of(id) == key;
    }
}
