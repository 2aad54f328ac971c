using PimModule.Identity.Keys;
using PimModule.Storage;
using Xunit;

namespace PimModule.Tests;

/// <summary>A Verified store's state comes from its verified log; its schema migrations are an administrator's sealed change.</summary>
public sealed class VerifiedStateTests : IDisposable
{
    private readonly VerifiedPeople _people = new();

    public void Dispose() => _people.Dispose();

    private PimStore Open(string principal) => _people.Open(principal);

    private static readonly Migration Next = new(9999, "a test migration", "CREATE TABLE verified_migration_test (x INTEGER)");

    private static bool TableExists(PimStore store) => store.Read(w => w.Scalar<long>(
        store.Provider == PimStoreProvider.PostgreSql
            ? "SELECT COUNT(*) FROM pg_tables WHERE tablename = 'verified_migration_test'"
            : "SELECT COUNT(*) FROM sqlite_master WHERE name = 'verified_migration_test'") > 0);

    [Fact]
    public void A_Verified_stores_migration_needs_an_administrators_seal()
    {
        var admin = Open("admin@contoso.com");
        var credential = CredentialFolder.Create("user1@contoso.com", null, "", root: _people.KeysOf("user1@contoso.com"));
        admin.Credentials.Register("user1@contoso.com", credential.PublicKey, propose: false);
        var user1 = Open("user1@contoso.com");
        var records = admin.Read(AuditLogTable.Count);

        var refused = Assert.Throws<PimException>(() => user1.MigrateSealed(Migrator.IdentityVersion, [Next]));
        Assert.Equal("PimNotAuthorized", refused.ErrorId);
        Assert.False(TableExists(admin));
        Assert.Equal(records, admin.Read(AuditLogTable.Count));

        admin.MigrateSealed(Migrator.IdentityVersion, [Next]);
        Assert.True(TableExists(admin));
        var record = Assert.Single(admin.Audit.Query(new PimAuditQuery { Actions = [PimStore.MigrateAction] }));
        Assert.Equal("admin@contoso.com", record.Actor);
        Assert.Equal(PimIdentityMode.Verified, record.IdentityMode);
        Assert.True(admin.Audit.Verify().IsValid);
    }

    [Fact]
    public void A_migration_record_sealed_by_a_principal_who_is_not_an_administrator_counts_for_nothing()
    {
        var admin = Open("admin@contoso.com");
        var credential = CredentialFolder.Create("user1@contoso.com", null, "", root: _people.KeysOf("user1@contoso.com"));
        admin.Credentials.Register("user1@contoso.com", credential.PublicKey, propose: false);
        var user1 = Open("user1@contoso.com");
        // What a modified module could seal with user1's own key: a migration record, without the administrator's check.
        user1.Write(work =>
        {
            AuditLog.Append(work, PimStore.MigrateAction, "Store", user1.StoreId, null, null, null, new { SchemaVersion = 9999 });
            return 0;
        });
        var check = admin.Audit.Verify();
        Assert.False(check.IsValid);
        var finding = Assert.Single(check.Disagreements, d => d.Kind == "Record");
        Assert.Equal("NotEntitled", finding.Problem);
        Assert.Contains("not an administrator", finding.Detail);
    }
}
