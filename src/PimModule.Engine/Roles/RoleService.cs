using PimModule.Storage;
using PimModule.Audit.Events;
using PimModule.Audit;
using PimModule.Errors;
using PimModule.Identity;

namespace PimModule.Roles;

/// <summary>The role catalogue: the built-in Entra roles and custom roles.</summary>
public sealed class RoleService
{
    private readonly StoreSession _store;

    internal RoleService(StoreSession store) => _store = store;

    public IReadOnlyList<PimRole> List() => _store.Read(work => RolesTable.All(work));

    /// <summary>The role a reference names (by id, else by exact name, case-insensitive); PimRoleNotFound otherwise.</summary>
    public PimRole Resolve(PimRoleReference reference) => _store.Read(work => Resolve(work, reference));

    internal static PimRole Resolve(UnitOfWork work, PimRoleReference? reference)
        => Find(work, reference ?? throw PimErrors.RoleRequired("No role was given.", null,
               "Give -Role (a role name, id or role object).")) ?? throw NotFound(reference);

    internal static PimRole? Find(UnitOfWork work, PimRoleReference reference)
    {
        if (reference.Id is { } id)
        {
            var byId = RolesTable.ById(work, id);
            if (byId is not null || reference.Name is null) return byId;
        }
        return RolesTable.ByNameKey(work, RoleName.Key(reference.Name, "Role"));
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
                var existing = RolesTable.ByNameKey(work, RoleName.Key(trimmed));
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
                RolesTable.Insert(work, role);
                AuditLog.Append(work, new RoleAdded(role));
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
            var live = AssignmentsTable.CountNotEndedOfRole(work, role.Id, work.Now);
            if (live > 0)
                throw PimErrors.RoleInUse($"The role '{role.Name}' still has {live} eligible or active assignment(s).", role,
                    $"Remove them first: Get-PimAssignment -Role '{role.Name}' | Remove-PimAssignment");
            // An open review would be left reviewing a role that no longer exists (its decisions could not be applied).
            var reviews = AccessReviewsTable.OpenOfRole(work, role.Id);
            if (reviews.Count > 0)
            {
                var ids = string.Join(", ", reviews.Take(5).Select(r => r.Id.ToString("D"))) + (reviews.Count > 5 ? $" and {reviews.Count - 5} more" : "");
                throw PimErrors.RoleInUse($"The role '{role.Name}' has {reviews.Count} open access review(s): {ids}. The role was not removed.", role,
                    $"End the review(s) first (Complete-PimAccessReview -ReviewId {reviews[0].Id:D}, for each), then remove the role.");
            }
            return role;
        },
        role => new PimChange($"{role.Name} ({role.Id})", "Remove custom role"),
        (work, role) =>
        {
            RolesTable.Delete(work, role.Id);
            AuditLog.Append(work, new RoleRemoved(role));
            return role;
        },
        confirm);
}
