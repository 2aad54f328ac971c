namespace PimModule;

/// <summary>
/// A user of the tenant as Import-PimDirectoryObject brought it in (Get-MgUser | Export-Csv, a Graph /users response):
/// its Entra object id, its user principal name (the principal inside the store) and its display name.
/// </summary>
public sealed class PimDirectoryObject
{
    public Guid Id { get; init; }
    public string UserPrincipalName { get; init; } = "";
    public string? DisplayName { get; init; }

    public override string ToString() => UserPrincipalName;
}
