using System.Data.Common;
using PimModule.Storage;

namespace PimModule.Roles;

/// <summary>The role catalogue: the built-in Entra roles and custom roles.</summary>
public sealed class RoleService
{
    private const string Select =
        "SELECT role_id, name, description, is_built_in, is_privileged, created_utc, created_by FROM roles";
    private readonly PimStore _store;

    internal RoleService(PimStore store) => _store = store;

    public IReadOnlyList<PimRole> List() => _store.Read(work => work.Query(Select + " ORDER BY name_key", Map));

    /// <summary>The role a reference names (by id, else by exact name, case-insensitive); PimRoleNotFound otherwise.</summary>
    public PimRole Resolve(PimRoleReference reference) => _store.Read(work => Resolve(work, reference));

    internal static PimRole Resolve(UnitOfWork work, PimRoleReference? reference)
        => Find(work, reference ?? throw PimErrors.RoleRequired("No role was given.", null,
               "Give -Role (a role name, id or role object).")) ?? throw NotFound(reference);

    internal static PimRole? Find(UnitOfWork work, PimRoleReference reference)
    {
        if (reference.Id is { } id)
        {
            var byId = work.Query(Select + " WHERE role_id = @id", Map, ("@id", id)).FirstOrDefault();
            if (byId is not null || reference.Name is null) return byId;
        }
        return work.Query(Select + " WHERE name_key = @key", Map, ("@key", RoleName.Key(reference.Name, "Role"))).FirstOrDefault();
    }

    internal static PimException NotFound(PimRoleReference reference) => PimErrors.RoleNotFound($"There is no role '{reference}' in the store.", reference.ToString(),
        "Check the name with Get-PimRole (tab completion lists the roles), or give the role's id.");

    public PimRole? Create(string name, string? description, Func<PimChange, bool>? confirm = null)
    {
        var trimmed = RoleName.Validate(name);
        var text = RoleName.ValidateDescription(description);
        return _store.Change(
            work =>
            {
                Authorization.RequireRoleAdministrator(work, "create a custom role");
                var existing = work.Query(Select + " WHERE name_key = @key", Map, ("@key", RoleName.Key(trimmed))).FirstOrDefault();
                if (existing is not null)
                    throw PimErrors.RoleExists($"A role named '{existing.Name}' already exists ({(existing.IsBuiltIn ? "built-in" : "custom")}, id {existing.Id}).",
                        trimmed, "Choose another -Name, or use the existing role.");
                return trimmed;
            },
            n => new PimChange(n, "Create custom role"),
            (work, n) =>
            {
                var role = new PimRole
                {
                    Name = n, Id = Guid.NewGuid(), Description = text, IsBuiltIn = false,
                    IsPrivileged = false, CreatedDateTime = work.Now, CreatedBy = work.Actor,
                };
                work.Execute("INSERT INTO roles (role_id, name, name_key, description, is_built_in, is_privileged, created_utc, created_by) " +
                             "VALUES (@id, @name, @key, @desc, 0, 0, @at, @by)",
                    ("@id", role.Id), ("@name", role.Name), ("@key", RoleName.Key(role.Name)), ("@desc", role.Description),
                    ("@at", role.CreatedDateTime), ("@by", role.CreatedBy));
                AuditLog.Append(work, "AddRole", "Role", role.Id.ToString("D"), role.Id, null, null, AuditView.Of(role));
                return role;
            },
            confirm);
    }

    public PimRole? Remove(PimRoleReference reference, Func<PimChange, bool>? confirm = null) => _store.Change(
        work =>
        {
            var role = Resolve(work, reference);
            if (role.IsBuiltIn)
                throw PimErrors.BuiltInRoleNotRemovable($"'{role.Name}' is a built-in Entra role; built-in roles cannot be removed.", role,
                    "Only custom roles made with New-PimRole can be removed.");
            Authorization.RequireRoleAdministrator(work, $"remove the role '{role.Name}'");
            var live = work.ScalarLong("SELECT COUNT(*) FROM assignments WHERE role_id = @id AND (end_utc IS NULL OR end_utc > @now)",
                ("@id", role.Id), ("@now", work.Now));
            if (live > 0)
                throw PimErrors.RoleInUse($"The role '{role.Name}' still has {live} eligible or active assignment(s).", role,
                    $"Remove them first: Get-PimAssignment -Role '{role.Name}' | Remove-PimAssignment");
            return role;
        },
        role => new PimChange($"{role.Name} ({role.Id})", "Remove custom role"),
        (work, role) =>
        {
            work.Execute("DELETE FROM roles WHERE role_id = @id", ("@id", role.Id));
            AuditLog.Append(work, "RemoveRole", "Role", role.Id.ToString("D"), role.Id, null, AuditView.Of(role), null);
            return role;
        },
        confirm);

    internal static PimRole Map(DbDataReader r) => new()
    {
        Id = r.GetGuid("role_id"),
        Name = r.GetText("name"),
        Description = r.GetText("description"),
        IsBuiltIn = r.GetFlag("is_built_in"),
        IsPrivileged = r.GetFlag("is_privileged"),
        CreatedDateTime = r.GetUtc("created_utc"),
        CreatedBy = r.GetText("created_by"),
    };
}
