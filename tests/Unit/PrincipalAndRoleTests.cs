using Xunit;

namespace PimModule.Tests;

public class PrincipalTests
{
    [Theory]
    [InlineData("user1@contoso.com")]
    [InlineData("User1")]
    [InlineData("CONTOSO\\user1")]
    [InlineData("o'brien@contoso.com")]
    public void Accepts_principals(string text) => Assert.True(Principal.IsValid(text));

    [Theory]
    [InlineData("5d6b6bb7-de71-4623-b4af-96380a352509")]
    [InlineData("5D6B6BB7-DE71-4623-B4AF-96380A352509")]
    [InlineData("5d6b6bb7de714623b4af96380a352509")]
    [InlineData("{5d6b6bb7-de71-4623-b4af-96380a352509}")]
    [InlineData("(5d6b6bb7-de71-4623-b4af-96380a352509)")]
    public void Refuses_an_object_id_as_a_principal_of_its_own(string text)
    {
        // A GUID is a person's object id: it maps to their UPN through the directory (DirectoryMap.Canonical), never a second spelling.
        var e = Assert.Throws<PimException>(() => Principal.Validate(text));
        Assert.Equal("PimPrincipalInvalid", e.ErrorId);
        Assert.True(Principal.IsObjectId(text));
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData("two words")]
    [InlineData("user@")]
    [InlineData("@contoso.com")]
    [InlineData("a@b@c")]
    [InlineData("tab\tuser")]
    public void Refuses_what_is_not_a_principal(string text)
    {
        Assert.False(Principal.IsValid(text));
        Assert.Equal("PimPrincipalInvalid", Assert.Throws<PimException>(() => Principal.Validate(text)).ErrorId);
    }
}

public class RoleTests
{
    [Fact]
    public void The_catalogue_has_the_known_entra_template_ids()
    {
        var byName = RoleCatalog.BuiltIn.ToDictionary(r => r.Name, r => r.Id);
        Assert.True(byName.Count >= 60);
        Assert.Equal(Guid.Parse("62e90394-69f5-4237-9190-012177145e10"), byName["Global Administrator"]);
        Assert.Equal(Guid.Parse("5d6b6bb7-de71-4623-b4af-96380a352509"), byName["Security Reader"]);
        Assert.Equal(RoleCatalog.PrivilegedRoleAdministrator, byName["Privileged Role Administrator"]);
        Assert.Equal(byName.Count, byName.Values.Distinct().Count());
    }

    [Fact]
    public void Resolves_by_name_case_insensitively_and_by_id()
    {
        using var t = new TestStore();
        Assert.Equal("Security Reader", t.Store.Roles.Resolve(new PimRoleReference("SECURITY READER")).Name);
        Assert.Equal("Security Reader", t.Store.Roles.Resolve(new PimRoleReference("5d6b6bb7-de71-4623-b4af-96380a352509")).Name);
        var e = Assert.Throws<PimException>(() => t.Store.Roles.Resolve(new PimRoleReference("Nope")));
        Assert.Equal("PimRoleNotFound", e.ErrorId);
    }

    [Fact]
    public void Administration_ends_when_the_administrator_assignment_ends()
    {
        using var t = new TestStore();
        // The creator's assignment is permanent; an expired one must not authorise.
        t.Sql("UPDATE assignments SET end_utc = " + new DateTime(2026, 1, 5, 10, 0, 0, DateTimeKind.Utc).Ticks);
        t.Store.Roles.Create("Before the end", null);
        t.Clock.Advance(TimeSpan.FromHours(2));
        var e = Assert.Throws<PimException>(() => t.Store.Roles.Create("After the end", null));
        Assert.Equal("PimNotAuthorized", e.ErrorId);
    }

    [Fact]
    public void A_refused_change_leaves_nothing_behind()
    {
        using var t = new TestStore();
        t.Store.Roles.Create("Taken", null);
        var before = t.Store.GetInfo();
        Assert.Throws<PimException>(() => t.Store.Roles.Create("taken", null));
        var after = t.Store.GetInfo();
        Assert.Equal(before.AuditRecordCount, after.AuditRecordCount);
        Assert.Equal(before.RoleCount, after.RoleCount);
    }

    [Fact]
    public void A_declined_confirmation_changes_nothing()
    {
        using var t = new TestStore();
        PimChange? asked = null;
        var made = t.Store.Roles.Create("Maybe", null, c => { asked = c; return false; });
        Assert.Null(made);
        Assert.Equal("Maybe", asked?.Target);
        Assert.Throws<PimException>(() => t.Store.Roles.Resolve(new PimRoleReference("Maybe")));
    }
}
