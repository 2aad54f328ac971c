using PimModule.Identity.Keys;
using PimModule.Storage;
using Xunit;

namespace PimModule.Tests;

/// <summary>
/// Issue 29: every seal names the rules version its transaction was decided under (Kernel/RulesVersion.cs). A store
/// holding a seal of a version this PimModule does not know — a colleague's newer PimModule — is refused at connect with
/// its own id, and nothing is changed; what it holds is never judged by rules it was not decided under.
/// </summary>
public sealed class RulesVersionTests
{
    [Fact]
    public void A_store_sealed_under_newer_rules_is_refused_at_connect_as_too_new()
    {
        using var people = new VerifiedPeople();
        var admin = people.Open("admin@contoso.com");
        admin.Credentials.Register("user1@contoso.com", CredentialFolder.Create("user1@contoso.com", null, "", root: people.KeysOf("user1@contoso.com")).PublicKey, propose: false);
        admin.Roles.Create("Rules Reader", "d");
        // The newest transaction as a newer PimModule would seal it (its rules version one past this module's), by the
        // administrator's own key: a genuine seal, of rules this module cannot judge.
        var (last, storeId) = admin.Session.Read(work =>
        {
            var seal = SealsTable.All(work)[^1];
            return (seal, Identity.StoreIdentity.Read(work).StoreId);
        });
        admin.Session.Write(work =>
        {
            var prev = last.FromSequence == 0 ? Audit.AuditLog.Genesis : AuditLogTable.BySequence(work, last.FromSequence)!.Hash;
            var head = AuditLogTable.BySequence(work, last.ToSequence)!.Hash;
            var payload = Seals.Payload(storeId, last.FromSequence, prev, last.ToSequence, head, Kernel.RulesVersion.Current + 1);
            return work.Execute("UPDATE seals SET envelope = @envelope WHERE to_sequence = @to",
                new { envelope = Jws.Sign(admin.Session.CredentialKey!, "admin@contoso.com", payload), to = last.ToSequence });
        });
        var e = Assert.Throws<PimStoreException>(() => people.Open("user1@contoso.com"));
        Assert.Equal("PimStoreRulesTooNew", e.ErrorId);
        Assert.Contains($"rules version {Kernel.RulesVersion.Current + 1}", e.Message);
        Assert.Contains("Update PimModule", e.RecommendedAction);
        // Nothing was changed: the log still ends where it did.
        Assert.Equal(last.ToSequence, admin.Session.Read(work => AuditLogTable.Head(work)!.Sequence));
    }
}
