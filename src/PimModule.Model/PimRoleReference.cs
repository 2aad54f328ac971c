namespace PimModule;

/// <summary>
/// What every <c>-Role</c> parameter of the module takes: a role name, a role id, or a role object
/// (PowerShell converts each of these through a constructor).
/// </summary>
public sealed class PimRoleReference
{
    public PimRoleReference(string nameOrId)
    {
        if (nameOrId is null) throw new ArgumentNullException(nameof(nameOrId));
        var text = nameOrId.Trim();
        if (Guid.TryParse(text, out var id)) Id = id;
        else Name = text;
    }

    public PimRoleReference(Guid id) => Id = id;

    public PimRoleReference(PimRole role)
    {
        Id = role.Id;
        Name = role.Name;
    }

    public PimRoleReference(PimRoleSetting setting)
    {
        Id = setting.RoleId;
        Name = setting.Role;
    }

    public string? Name { get; }
    public Guid? Id { get; }

    public override string ToString() => Name ?? Id?.ToString() ?? "";
}
