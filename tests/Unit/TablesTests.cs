using PimModule.Storage;
using Xunit;

namespace PimModule.Tests;

/// <summary>The data-access classes of the "Tables" area on the provider under test (PIM_TEST_PROVIDER).</summary>
public class TablesTests
{
    [Fact]
    public void Many_audit_records_of_one_unit_of_work_are_written_together_at_commit_and_the_chain_verifies()
    {
        using var t = new TestStore();
        t.Store.Session.Write(work =>
        {
            for (var i = 0; i < 250; i++)
                AuditLog.AppendRecord(work, "TestBulk", "Test", i.ToString(System.Globalization.CultureInfo.InvariantCulture), null, null, null, new { I = i });
            Assert.Equal(250, AuditLog.Unwritten(work)); // held until the commit
            return 0;
        });
        var r = t.Store.Audit.Verify();
        Assert.True(r.IsValid, r.Reason);
        Assert.Equal(252, r.RecordsChecked);
        Assert.Equal(250, t.Store.Audit.Query(new PimAuditQuery { Actions = ["TestBulk"] }).Count);
    }

    [Fact]
    public void The_audit_log_filters_by_a_list_of_actions_and_names_the_role()
    {
        using var t = new TestStore();
        t.Store.Roles.Create("Role A", null);
        var removed = t.Store.Roles.Create("Role B", null)!;
        t.Store.Roles.Remove(new PimRoleReference(removed.Id));
        var records = t.Store.Audit.Query(new PimAuditQuery { Actions = ["AddRole", "RemoveRole"] });
        Assert.Equal(["AddRole", "AddRole", "RemoveRole"], records.Select(x => x.Action).ToArray());
        Assert.Equal("Role A", records[0].Role);
        Assert.Null(records[2].Role); // the role is gone from the catalogue
        Assert.Equal(removed.Id, records[2].RoleId);
        Assert.Single(t.Store.Audit.Query(new PimAuditQuery { Actions = ["RemoveRole"], First = 1 }));
    }

    [Fact]
    public void Store_info_keys_are_put_replaced_only_when_expected_and_deleted()
    {
        using var t = new TestStore();
        t.Store.Session.Write(work =>
        {
            StoreInfoTable.Put(work, "test.a", "1");
            StoreInfoTable.Put(work, "test.a", "2");
            StoreInfoTable.Put(work, "test.b", "3");
            Assert.Equal(0, StoreInfoTable.Replace(work, "test.a", "x", expected: "1"));
            Assert.Equal(1, StoreInfoTable.Replace(work, "test.a", "4", expected: "2"));
            return 0;
        });
        Assert.Equal(["test.a=4", "test.b=3"],
            t.Store.Session.Read(work => StoreInfoTable.WithPrefix(work, "test.").Select(r => $"{r.Key}={r.Value}").Order(StringComparer.Ordinal).ToArray()));
        t.Store.Session.Write(work => StoreInfoTable.Delete(work, "test.a"));
        Assert.Null(t.Store.Session.Read(work => StoreInfoTable.Get(work, "test.a")));
    }

    [Fact]
    public void The_store_overview_counts_each_table()
    {
        using var t = new TestStore();
        t.Store.Roles.Create("Role A", null);
        var info = t.Store.GetInfo();
        Assert.Equal(1, info.CustomRoleCount);
        Assert.Equal(info.RoleCount, t.Store.Roles.List().Count);
        Assert.Equal(1, info.AssignmentCount); // the creator's own
        Assert.Equal(1, info.ActiveAssignmentCount);
        Assert.Equal(0, info.EligibleAssignmentCount);
        Assert.Equal(3, info.AuditRecordCount);
        Assert.Equal("admin@contoso.com", info.CreatedBy);
        Assert.Equal(new DateTime(2026, 1, 5, 9, 0, 0, DateTimeKind.Utc), info.CreatedDateTime);
        Assert.Contains("admin@contoso.com", t.Store.KnownPrincipals());
        Assert.Equal(["/"], t.Store.KnownScopes());
    }
}
