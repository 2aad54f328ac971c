using PimModule.Interop;
using Xunit;

namespace PimModule.Tests;

/// <summary>Issue 28, finding 8: the one rule of who holds a tenant policy id (the writer and the verified log's replay call it).</summary>
[Trait("Provider", "Neutral")]
public class GraphPolicyHolderTests
{
    private static readonly Guid GlobalAdministrator = Guid.Parse("62e90394-69f5-4237-9190-012177145e10");
    private static readonly Guid SecurityReader = Guid.Parse("5d6b6bb7-de71-4623-b4af-96380a352509");

    private static Dictionary<Guid, string?> Kept(params (Guid Role, string? Id)[] kept) => kept.ToDictionary(k => k.Role, k => k.Id);

    [Theory]
    [InlineData("PimModule_5d6b6bb7-de71-4623-b4af-96380a352509")]
    [InlineData("pimmodule_5D6B6BB7-DE71-4623-B4AF-96380A352509")]
    [InlineData("PimModule_5d6b6bb7de714623b4af96380a352509")]
    public void Another_roles_placeholder_is_that_roles_in_any_form(string id)
    {
        Assert.Equal(SecurityReader, GraphPolicyFile.PlaceholderRole(id));
        Assert.Equal(SecurityReader, GraphPolicyFile.Holder(GlobalAdministrator, id, Kept()));
        Assert.Null(GraphPolicyFile.Holder(SecurityReader, id, Kept()));
    }

    [Fact]
    public void An_id_another_role_keeps_is_that_roles_in_any_letter_case()
    {
        var kept = Kept((SecurityReader, "Tenant-SR"), (GlobalAdministrator, null));
        Assert.Equal(SecurityReader, GraphPolicyFile.Holder(GlobalAdministrator, "tenant-sr", kept));
        Assert.Null(GraphPolicyFile.Holder(SecurityReader, "TENANT-SR", kept));
        Assert.Null(GraphPolicyFile.Holder(GlobalAdministrator, "tenant-ga", kept));
    }

    [Theory]
    [InlineData("PimModule_")]
    [InlineData("PimModule_not-a-guid")]
    [InlineData("DirectoryRole_cab01047-8ad9-4792-8e42-569340767f1b_70c808b5-0d35-4863-a0ba-07888e99d448")]
    public void Other_ids_are_no_placeholder(string id) => Assert.Null(GraphPolicyFile.PlaceholderRole(id));

    [Fact]
    public void The_export_placeholder_is_read_back_as_its_role()
        => Assert.Equal(GlobalAdministrator, GraphPolicyFile.PlaceholderRole(GraphPolicyFile.PlaceholderPolicyId(GlobalAdministrator)));
}
