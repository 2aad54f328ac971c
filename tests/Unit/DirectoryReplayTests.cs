using Xunit;

namespace PimModule.Tests;

/// <summary>
/// Issue 29, part 4: one object id is one user principal name, and one name one id — one kernel rule
/// (Kernel/DirectoryRules.cs) that Import-PimDirectoryObject and the state replay both call. Before it, the replay checked
/// only that a name was not another object's, so an administrator's record sealed around the module that renamed an object
/// counted, though the module refuses to rename one (a renamed user would hold assignments under two spellings).
/// </summary>
public sealed class DirectoryReplayTests : IDisposable
{
    private readonly VerifiedPeople _people = new();
    private readonly Microsoft.Extensions.Time.Testing.FakeTimeProvider _clock = new(DateTimeOffset.UtcNow.AddHours(-1));

    public void Dispose() => _people.Dispose();

    private static readonly Guid Ann = Guid.Parse("0b5c8f0e-7a53-4e8f-9a53-1d1c2a3b4c5d");

    [Fact]
    public void The_module_refuses_to_rename_an_object()
    {
        var admin = _people.Open("admin@contoso.com", _clock);
        admin.Directory.Import([new PimDirectoryObject { Id = Ann, UserPrincipalName = "ann@contoso.com" }], "test");
        var e = Assert.Throws<PimException>(() => admin.Directory.Import([new PimDirectoryObject { Id = Ann, UserPrincipalName = "ann.new@contoso.com" }], "test"));
        Assert.Equal(PimErrors.IdOf(nameof(PimErrors.DirectoryObjectConflict)), e.ErrorId);
    }

    [Fact]
    public void A_sealed_rename_counts_for_nothing()
    {
        var admin = _people.Open("admin@contoso.com", _clock);
        admin.Directory.Import([new PimDirectoryObject { Id = Ann, UserPrincipalName = "ann@contoso.com" }], "test");
        // A modified module's administrator seals what the module refuses.
        admin.Session.Write(work =>
        {
            AuditLog.AppendRecord(work, Audit.Events.DirectoryObjectImported.Name, "DirectoryObject", Ann.ToString("D"), null, "mallory@contoso.com",
                null, new Audit.Events.DirectoryObjectView(Ann, "mallory@contoso.com", "Ann"));
            return 0;
        });
        var check = admin.Audit.Verify();
        Assert.Contains(check.Disagreements, d => d.Problem == "NotEntitled" && d.Detail.Contains("is already another user principal name"));
        // An honest import of a second object, and the same object again, count.
        admin.Directory.Import([new PimDirectoryObject { Id = Guid.NewGuid(), UserPrincipalName = "bob@contoso.com" },
            new PimDirectoryObject { Id = Ann, UserPrincipalName = "ann@contoso.com", DisplayName = "Ann Smith" }], "test");
        Assert.Single(admin.Audit.Verify().Disagreements, d => d.Problem == "NotEntitled");
    }
}
