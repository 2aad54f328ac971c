using System.Text.Json;
using PimModule.Identity.Keys;
using PimModule.Storage;
using Xunit;

namespace PimModule.Tests;

/// <summary>
/// Issue 29 (a hostile review of part 2): the state replay and the seal verifier judge an assignment record by one rule
/// (<c>AssignmentView.WhyNotARecord</c>) — its id in one spelling, its payload that assignment, its role column the
/// assignment's role — so that no record makes a key administrator whom the replay does not see; and a seal whose payload
/// repeats a member is a verdict, not an exception.
/// </summary>
public sealed class AdministratorReplayTests : IDisposable
{
    private const string Store = "5b0c8a52-2f7e-4d7b-9a55-0d1f0c9e1a01";
    private const string Genesis = "0000";
    private readonly PimKey _root = PimKey.Create();
    private readonly PimKey _alice = PimKey.Create();
    private readonly PimKey _mallory = PimKey.Create();
    private readonly PimKey _victimKey = PimKey.Create();
    private readonly List<SealedRecord> _records = [];
    private readonly List<SealRow> _seals = [];

    public void Dispose() { _root.Dispose(); _alice.Dispose(); _mallory.Dispose(); _victimKey.Dispose(); }

    private string HeadHash => _records.Count == 0 ? Genesis : _records[^1].Hash;

    private void Transaction(PimKey signer, string actor, params SealedRecord[] records)
    {
        var from = _records.Count;
        var prev = HeadHash;
        foreach (var r in records) _records.Add(r with { Sequence = _records.Count + 1, Hash = "hash" + (_records.Count + 1), ActorKey = actor.ToLowerInvariant() });
        _seals.Add(new SealRow(from, _records.Count, Jws.Sign(signer, actor, Seals.Payload(Store, from, prev, _records.Count, HeadHash, Kernel.RulesVersion.Current))));
    }

    private static SealedRecord At(DateTime at, string action, object? after, string? targetType = null, string? targetId = null, string? roleId = null)
        => new(0, "", action, "", after is null ? null : JsonSerializer.Serialize(after), targetType, targetId, at.Ticks, null, roleId);

    private static object Admin(Guid id, string principal, DateTime start)
        => new { AssignmentId = id, Principal = principal, RoleId = RoleCatalog.PrivilegedRoleAdministrator, Scope = "/", Type = "Active",
                 MemberType = "Direct", StartDateTime = start, EndDateTime = (DateTime?)null };

    /// <summary>
    /// Alice, an administrator with a modified module, makes Mallory an administrator and removes the assignment again,
    /// both records naming the assignment as "{guid}" (any spelling Guid.TryParse takes). The state replay keys its row by
    /// that spelling and deletes it. The seal verifier's AdministratorReplay now adds under id.ToString("D") but removes
    /// under r.TargetId as written: Mallory stays a key administrator forever, with no assignment anywhere to see.
    /// Before issue 29 it added under r.TargetId too (consistent).
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void An_administrator_assignment_removed_under_another_spelling_of_its_id_leaves_a_hidden_key_administrator(bool braces)
    {
        var t0 = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var aliceAssignment = Guid.NewGuid();
        var malloryAssignment = Guid.NewGuid();
        var spelled = braces ? malloryAssignment.ToString("B") : malloryAssignment.ToString("D");
        var pra = RoleCatalog.PrivilegedRoleAdministrator.ToString("D");
        Transaction(_root, "root@contoso.com",
            At(t0, Seals.GenesisAction, new { StoreId = Store, CreatedBy = "root@contoso.com", RootPublicKey = _root.PublicKeyPem() }));
        Transaction(_root, "root@contoso.com",
            At(t0.AddMinutes(1), "AdminAssign", Admin(aliceAssignment, "alice@contoso.com", t0), "Assignment", aliceAssignment.ToString("D"), pra),
            At(t0.AddMinutes(1), Seals.BindAction, new { Principal = "alice@contoso.com", PublicKey = _alice.PublicKeyPem(), Thumbprint = _alice.Thumbprint }));
        // Alice (an administrator): Mallory's key, Mallory's administrator assignment, and its removal.
        Transaction(_alice, "alice@contoso.com",
            At(t0.AddMinutes(2), Seals.BindAction, new { Principal = "mallory@contoso.com", PublicKey = _mallory.PublicKeyPem(), Thumbprint = _mallory.Thumbprint }),
            At(t0.AddMinutes(2), "AdminAssign", Admin(malloryAssignment, "mallory@contoso.com", t0), "Assignment", spelled, pra));
        Transaction(_alice, "alice@contoso.com", At(t0.AddMinutes(3), "AdminRemove", null, "Assignment", spelled, pra));
        // The root removes Alice's assignment too.
        Transaction(_root, "root@contoso.com", At(t0.AddMinutes(4), "AdminRemove", null, "Assignment", aliceAssignment.ToString("D"), pra));
        // A week later Mallory, administrator of nothing, binds her own key to a principal who never had one.
        Transaction(_mallory, "mallory@contoso.com",
            At(t0.AddDays(7), Seals.BindAction, new { Principal = "victim-ga@contoso.com", PublicKey = _victimKey.PublicKeyPem(), Thumbprint = _victimKey.Thumbprint }));
        var v = Seals.Verify(Store, _records, _seals, Genesis);
        Assert.False(v.IsValid, "Mallory bound a key as a key administrator she is not (the seal verifier still has her removed assignment)");
        Assert.Contains("mallory@contoso.com was not an administrator there", v.Reason);
    }

    /// <summary>
    /// The same through the module: Alice (an administrator, modified module) writes Mallory's administrator assignment
    /// and its removal under "{guid}"; the root then removes Alice. Nothing shows Mallory as an administrator, yet her
    /// modified module binds a key to a principal who never had one and Test-PimAuditLog calls the log valid.
    /// With the canonical spelling (braces: false) Mallory's binding would not verify and is refused before commit.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Through_the_module_a_hidden_key_administrator_binds_keys(bool braces)
    {
        using var people = new VerifiedPeople();
        var root = people.Open("admin@contoso.com");
        foreach (var p in new[] { "alice@contoso.com", "mallory@contoso.com" })
            root.Credentials.Register(p, CredentialFolder.Create(p, null, "", root: people.KeysOf(p)).PublicKey, propose: false);
        var alicePra = root.Assignments.Assign(PimAssignmentType.Active, new PimAssignmentInput
            { Principal = "alice@contoso.com", Role = new PimRoleReference("Privileged Role Administrator"), Permanent = true, Justification = "ops" })!;
        var alice = people.Open("alice@contoso.com");
        alice.Session.Write(work =>
        {
            var row = new AssignmentRow(Guid.NewGuid(), "mallory@contoso.com", RoleCatalog.PrivilegedRoleAdministrator, "/", PimAssignmentType.Active, PimMemberType.Direct,
                work.Now, null, null, null, null, "alice@contoso.com", work.Now, null, null);
            var id = braces ? row.Id.ToString("B") : row.Id.ToString("D");
            Audit.AuditLog.AppendRecord(work, "AdminAssign", "Assignment", id, row.RoleId, row.Principal, null, Audit.Events.AssignmentView.Of(row));
            Audit.AuditLog.AppendRecord(work, "AdminRemove", "Assignment", id, row.RoleId, row.Principal, Audit.Events.AssignmentView.Of(row), null);
            return 0;
        });
        root.Assignments.Remove(alicePra.AssignmentId);
        Assert.DoesNotContain(root.Assignments.Query(new PimAssignmentQuery()), a => a.Principal == "mallory@contoso.com");
        using var victimKey = PimKey.Create();
        var mallory = people.Open("mallory@contoso.com");
        void Bind() => mallory.Session.Write(work =>
        {
            Audit.AuditLog.AppendRecord(work, Seals.BindAction, "Credential", victimKey.Thumbprint, null, "victim@contoso.com", null,
                new { Principal = "victim@contoso.com", PublicKey = victimKey.PublicKeyPem(), Thumbprint = victimKey.Thumbprint });
            return 0;
        });
        // Expected in both cases: Mallory is no administrator, so her binding would not verify and is refused.
        var e = Record.Exception(Bind);
        Assert.True(e is not null, $"Mallory bound a key to victim@contoso.com; log valid: {root.Audit.Verify().IsValid}");
    }

    /// <summary>A keyholder's seal whose payload repeats a member: the log does not verify (it named no exception before).</summary>
    [Fact]
    public void A_seal_payload_with_a_repeated_member_is_a_verdict_not_an_exception()
    {
        var t0 = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        Transaction(_root, "root@contoso.com",
            At(t0, Seals.GenesisAction, new { StoreId = Store, CreatedBy = "root@contoso.com", RootPublicKey = _root.PublicKeyPem() }));
        Transaction(_root, "root@contoso.com",
            At(t0.AddMinutes(1), Seals.BindAction, new { Principal = "alice@contoso.com", PublicKey = _alice.PublicKeyPem(), Thumbprint = _alice.Thumbprint }));
        var from = _records.Count;
        var prev = HeadHash;
        _records.Add(new SealedRecord(from + 1, "hash" + (from + 1), "AddRole", "alice@contoso.com", null, null, null, t0.AddMinutes(2).Ticks));
        var spelled = $"{{\"head\":{{\"hash\":\"x\",\"seq\":1}},\"head\":{{\"hash\":\"hash{from + 1}\",\"seq\":{from + 1}}},\"prev\":{{\"hash\":\"{prev}\",\"seq\":{from}}},\"rules\":1,\"store\":\"{Store}\",\"v\":2}}";
        _seals.Add(new SealRow(from, from + 1, Jws.Sign(_alice, "alice@contoso.com", System.Text.Encoding.UTF8.GetBytes(spelled))));
        var v = Seals.Verify(Store, _records, _seals, Genesis);
        Assert.False(v.IsValid);
        Assert.Contains("is over another chain", v.Reason);
    }

    /// <summary>
    /// An administrator's record whose role column names Privileged Role Administrator in another spelling than its payload's:
    /// the state replay counted it for nothing, the seal verifier read the column as a GUID and made a key administrator.
    /// </summary>
    [Fact]
    public void An_administrator_assignment_whose_role_column_is_not_its_roles_spelling_makes_nobody_a_key_administrator()
    {
        var t0 = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var aliceAssignment = Guid.NewGuid();
        var malloryAssignment = Guid.NewGuid();
        Transaction(_root, "root@contoso.com",
            At(t0, Seals.GenesisAction, new { StoreId = Store, CreatedBy = "root@contoso.com", RootPublicKey = _root.PublicKeyPem() }));
        Transaction(_root, "root@contoso.com",
            At(t0.AddMinutes(1), "AdminAssign", Admin(aliceAssignment, "alice@contoso.com", t0), "Assignment", aliceAssignment.ToString("D"),
                RoleCatalog.PrivilegedRoleAdministrator.ToString("D")),
            At(t0.AddMinutes(1), Seals.BindAction, new { Principal = "alice@contoso.com", PublicKey = _alice.PublicKeyPem(), Thumbprint = _alice.Thumbprint }),
            At(t0.AddMinutes(1), Seals.BindAction, new { Principal = "mallory@contoso.com", PublicKey = _mallory.PublicKeyPem(), Thumbprint = _mallory.Thumbprint }));
        Transaction(_alice, "alice@contoso.com",
            At(t0.AddMinutes(2), "AdminAssign", Admin(malloryAssignment, "mallory@contoso.com", t0), "Assignment", malloryAssignment.ToString("D"),
                RoleCatalog.PrivilegedRoleAdministrator.ToString("B")));
        Transaction(_root, "root@contoso.com", At(t0.AddMinutes(4), "AdminRemove", null, "Assignment", aliceAssignment.ToString("D"),
            RoleCatalog.PrivilegedRoleAdministrator.ToString("D")));
        Transaction(_mallory, "mallory@contoso.com",
            At(t0.AddDays(7), Seals.BindAction, new { Principal = "victim-ga@contoso.com", PublicKey = _victimKey.PublicKeyPem(), Thumbprint = _victimKey.Thumbprint }));
        var v = Seals.Verify(Store, _records, _seals, Genesis);
        Assert.False(v.IsValid);
        Assert.Contains("mallory@contoso.com was not an administrator there", v.Reason);
    }
}
