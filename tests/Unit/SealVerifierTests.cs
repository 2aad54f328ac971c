using System.Text.Json;
using PimModule.Identity.Keys;
using Xunit;

namespace PimModule.Tests;

/// <summary>The seal verifier over a synthetic chain: who may seal what is judged by place in the chain.</summary>
[Trait("Provider", "Neutral")]
public sealed class SealVerifierTests : IDisposable
{
    private const string Store = "5b0c8a52-2f7e-4d7b-9a55-0d1f0c9e1a01";
    private const string Genesis = "0000";
    private readonly PimKey _root = PimKey.Create();
    private readonly PimKey _user = PimKey.Create(384);
    private readonly PimKey _attacker = PimKey.Create();
    private readonly List<SealedRecord> _records = [];
    private readonly List<SealRow> _seals = [];

    public void Dispose()
    {
        _root.Dispose();
        _user.Dispose();
        _attacker.Dispose();
    }

    /// <summary>admin2's administrator assignment (its record names it, as every assignment record the module writes does).</summary>
    private static readonly Guid Admin2Assignment = Guid.NewGuid();

    /// <summary>The rules version the next seals name (null: a seal of format 1, as PimModule wrote before seals named one).</summary>
    private int? _rules;

    private string HeadHash => _records.Count == 0 ? Genesis : _records[^1].Hash;

    /// <summary>One transaction: its records, then its seal by <paramref name="signer"/> as <paramref name="actor"/>.</summary>
    private void Transaction(PimKey signer, string actor, params (string Action, object? After)[] records)
    {
        var from = _records.Count;
        var prev = HeadHash;
        foreach (var (action, after) in records)
            _records.Add(new SealedRecord(_records.Count + 1, "hash" + (_records.Count + 1), action, actor.ToLowerInvariant(),
                after is null ? null : JsonSerializer.Serialize(after)));
        _seals.Add(new SealRow(from, _records.Count, Jws.Sign(signer, actor, Seals.Payload(Store, from, prev, _records.Count, HeadHash, _rules))));
    }

    private void Honest()
    {
        Transaction(_root, "admin@contoso.com",
            (Seals.GenesisAction, new { StoreId = Store, CreatedBy = "admin@contoso.com", RootPublicKey = _root.PublicKeyPem() }),
            ("AdminAssign", null));
        Transaction(_root, "admin@contoso.com", (Seals.BindAction, new { Principal = "user1@contoso.com", PublicKey = _user.PublicKeyPem(), Thumbprint = _user.Thumbprint }));
        Transaction(_user, "user1@contoso.com", ("SelfActivate", null), ("Activated", null));
    }

    private SealVerdict Verify() => Seals.Verify(Store, _records, _seals, Genesis);

    [Fact]
    public void An_honest_chain_verifies()
    {
        Honest();
        var v = Verify();
        Assert.True(v.IsValid, v.Reason);
        Assert.Equal(5, v.RecordsChecked);
    }

    [Fact]
    public void A_key_bound_to_nobody_does_not_seal()
    {
        Honest();
        Transaction(_attacker, "admin@contoso.com", ("AdminAssign", null));
        var v = Verify();
        Assert.False(v.IsValid);
        Assert.Equal(6, v.FirstInvalidRecord);
    }

    [Fact]
    public void A_user_key_does_not_seal_as_the_administrator()
    {
        Honest();
        Transaction(_user, "admin@contoso.com", ("AdminAssign", null));
        Assert.Equal(6, Verify().FirstInvalidRecord);
    }

    [Fact]
    public void A_record_by_another_actor_inside_a_seal_is_refused()
    {
        Honest();
        Transaction(_user, "user1@contoso.com", ("SelfActivate", null));
        _records[^1] = _records[^1] with { ActorKey = "admin@contoso.com" };
        Assert.Equal(6, Verify().FirstInvalidRecord);
    }

    [Fact]
    public void A_revoked_key_seals_nothing_after_its_revocation()
    {
        Honest();
        Transaction(_root, "admin@contoso.com", (Seals.RevokeAction, new { Thumbprint = _user.Thumbprint }));
        Transaction(_user, "user1@contoso.com", ("SelfActivate", null));
        Assert.Equal(7, Verify().FirstInvalidRecord);
    }

    [Fact]
    public void A_key_cannot_be_used_in_the_transaction_that_binds_it()
    {
        Transaction(_root, "admin@contoso.com",
            (Seals.GenesisAction, new { StoreId = Store, CreatedBy = "admin@contoso.com", RootPublicKey = _root.PublicKeyPem() }));
        // The attacker's transaction binds their key and seals with it at once.
        var from = _records.Count;
        var prev = HeadHash;
        _records.Add(new SealedRecord(2, "hash2", Seals.BindAction, "eve@contoso.com",
            JsonSerializer.Serialize(new { Principal = "eve@contoso.com", PublicKey = _attacker.PublicKeyPem() })));
        _seals.Add(new SealRow(from, 2, Jws.Sign(_attacker, "eve@contoso.com", Seals.Payload(Store, from, prev, 2, "hash2"))));
        Assert.Equal(2, Verify().FirstInvalidRecord);
    }

    [Fact]
    public void A_seal_over_another_chain_or_another_store_is_refused()
    {
        Honest();
        _records[3] = _records[3] with { Hash = "edited" }; // record 4 edited and the chain "recomputed" from there
        _records[4] = _records[4] with { Hash = "edited5" };
        Assert.False(Verify().IsValid);
        _records.Clear(); _seals.Clear();
        Honest();
        Assert.False(Seals.Verify("another-store", _records, _seals, Genesis).IsValid);
    }

    [Fact]
    public void An_unsealed_tail_and_a_cut_log_are_refused()
    {
        Honest();
        _records.Add(new SealedRecord(6, "hash6", "AdminAssign", "admin@contoso.com", null));
        Assert.Equal(6, Verify().FirstInvalidRecord);
        _records.RemoveAt(5);
        _records.RemoveAt(4); // the last transaction's second record cut off
        Assert.False(Verify().IsValid);
    }

    [Fact]
    public void A_genesis_naming_another_root_is_refused()
    {
        Transaction(_attacker, "admin@contoso.com",
            (Seals.GenesisAction, new { StoreId = Store, CreatedBy = "admin@contoso.com", RootPublicKey = _root.PublicKeyPem() }));
        Assert.Equal(1, Verify().FirstInvalidRecord);
    }

    /// <summary>One transaction of records given whole (with their targets and times), sealed by <paramref name="signer"/>.</summary>
    private void Transaction(PimKey signer, string actor, params SealedRecord[] records)
    {
        var from = _records.Count;
        var prev = HeadHash;
        foreach (var r in records) _records.Add(r with { Sequence = _records.Count + 1, Hash = "hash" + (_records.Count + 1), ActorKey = actor.ToLowerInvariant() });
        _seals.Add(new SealRow(from, _records.Count, Jws.Sign(signer, actor, Seals.Payload(Store, from, prev, _records.Count, HeadHash, _rules))));
    }

    private static SealedRecord At(DateTime at, string action, object? after, string? targetType = null, string? targetId = null)
        => new(0, "", action, "", after is null ? null : JsonSerializer.Serialize(after), targetType, targetId, at.Ticks);

    [Fact]
    public void A_former_administrator_cannot_date_a_record_back_into_their_assignment()
    {
        var t0 = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var ended = t0.AddDays(1);
        using var admin2 = PimKey.Create();
        Transaction(_root, "admin@contoso.com",
            At(t0, Seals.GenesisAction, new { StoreId = Store, CreatedBy = "admin@contoso.com", RootPublicKey = _root.PublicKeyPem() }));
        Transaction(_root, "admin@contoso.com",
            At(t0, "AdminAssign", new { AssignmentId = Admin2Assignment, Principal = "admin2@contoso.com", RoleId = RoleCatalog.PrivilegedRoleAdministrator, Scope = "/", Type = "Active",
                MemberType = "Direct", StartDateTime = t0, EndDateTime = ended }, "Assignment", Admin2Assignment.ToString("D")),
            At(t0, Seals.BindAction, new { Principal = "admin2@contoso.com", PublicKey = admin2.PublicKeyPem(), Thumbprint = admin2.Thumbprint }),
            At(t0, Seals.BindAction, new { Principal = "user1@contoso.com", PublicKey = _user.PublicKeyPem(), Thumbprint = _user.Thumbprint }));
        Transaction(_root, "admin@contoso.com", At(ended.AddDays(30), "AddRole", null));
        // A month after their assignment ended, admin2 revokes user1's key, claiming a time inside it.
        Transaction(admin2, "admin2@contoso.com", At(t0.AddHours(1), Seals.RevokeAction, new { Principal = "user1@contoso.com", Thumbprint = _user.Thumbprint }));
        // The time rule (Kernel/TimeRule.cs): dated back before the root's latest record, the revocation counts for
        // nothing — user1's key stays bound — and breaks nothing (the log verifies; Test-PimAuditLog names the record).
        var seen = new List<(long Sequence, Kernel.RecordTime Time, string? Why)>();
        var v = Seals.Verify(Store, _records, _seals, Genesis, observe: (r, c) => seen.Add((r.Sequence, c.Time, c.TimeWhy)));
        Assert.True(v.IsValid, v.Reason);
        Assert.Contains(_user.Thumbprint, v.Bindings.Keys, StringComparer.OrdinalIgnoreCase);
        var revoke = Assert.Single(seen, s => s.Sequence == 6);
        Assert.Equal(Kernel.RecordTime.BackDated, revoke.Time);
        Assert.Contains("before an earlier record of the store's root", revoke.Why);
    }

    [Theory]
    // Issue 29 (typed events): the seal verifier reads an assignment with the state replay's reader. Before, it read its
    // own way: an end that did not parse was no end — a permanent key administrator the state replay refused to believe.
    [InlineData("the day after tomorrow")]
    [InlineData(42)]
    public void An_administrator_assignment_whose_end_does_not_parse_makes_nobody_a_key_administrator(object end)
        => AdministratorOfARecordTheReplayRefusesBindsNoKey(Admin2Assignment, end);

    [Fact]
    public void An_administrator_assignment_record_that_names_another_assignment_makes_nobody_a_key_administrator()
        => AdministratorOfARecordTheReplayRefusesBindsNoKey(Guid.NewGuid(), (DateTime?)null);

    /// <summary>
    /// The root makes admin2 a Privileged Role Administrator by a record whose payload names <paramref name="assignmentId"/>
    /// (the record's own is Admin2Assignment) and ends at <paramref name="end"/>; a week later admin2 gives user1 a key,
    /// which only an administrator may: it does not verify.
    /// </summary>
    private void AdministratorOfARecordTheReplayRefusesBindsNoKey(Guid assignmentId, object? end)
    {
        var t0 = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        using var admin2 = PimKey.Create();
        Transaction(_root, "admin@contoso.com",
            At(t0, Seals.GenesisAction, new { StoreId = Store, CreatedBy = "admin@contoso.com", RootPublicKey = _root.PublicKeyPem() }));
        Transaction(_root, "admin@contoso.com",
            At(t0, "AdminAssign", new { AssignmentId = assignmentId, Principal = "admin2@contoso.com", RoleId = RoleCatalog.PrivilegedRoleAdministrator, Scope = "/",
                Type = "Active", MemberType = "Direct", StartDateTime = t0, EndDateTime = end }, "Assignment", Admin2Assignment.ToString("D")),
            At(t0, Seals.BindAction, new { Principal = "admin2@contoso.com", PublicKey = admin2.PublicKeyPem(), Thumbprint = admin2.Thumbprint }));
        Transaction(admin2, "admin2@contoso.com",
            At(t0.AddDays(7), Seals.BindAction, new { Principal = "user1@contoso.com", PublicKey = _user.PublicKeyPem(), Thumbprint = _user.Thumbprint }));
        var v = Verify();
        Assert.False(v.IsValid);
        Assert.Contains("admin2@contoso.com was not an administrator there", v.Reason);
    }

    // ---- rules versions (issue 29) -------------------------------------------------------------------------

    [Fact]
    public void Seals_name_their_rules_version_and_the_seals_written_before_name_none()
    {
        // The module's own seals name the rules version they were decided under.
        var written = System.Text.Encoding.UTF8.GetString(Seals.Payload(Store, 0, Genesis, 1, "h", Kernel.RulesVersion.Current));
        Assert.Contains($"\"rules\":{Kernel.RulesVersion.Current}", written);
        Assert.Contains("\"v\":2", written);
        // A log sealed partly before (format 1: version 1) and partly after verifies as one.
        Transaction(_root, "admin@contoso.com",
            (Seals.GenesisAction, new { StoreId = Store, CreatedBy = "admin@contoso.com", RootPublicKey = _root.PublicKeyPem() }), ("AdminAssign", null));
        _rules = 1;
        Transaction(_root, "admin@contoso.com", (Seals.BindAction, new { Principal = "user1@contoso.com", PublicKey = _user.PublicKeyPem(), Thumbprint = _user.Thumbprint }));
        Transaction(_user, "user1@contoso.com", ("SelfActivate", null));
        var seen = new List<int>();
        var v = Seals.Verify(Store, _records, _seals, Genesis, observe: (_, c) => seen.Add(c.Rules));
        Assert.True(v.IsValid, v.Reason);
        Assert.Equal(3, v.SealsChecked);
        // The replay hears each record's rules version from its seal.
        Assert.Equal([1, 1, 1, 1], seen);
    }

    [Fact]
    public void A_store_sealed_under_rules_this_PimModule_does_not_know_is_refused_as_too_new()
    {
        Honest();
        _rules = Kernel.RulesVersion.Current + 1;
        Transaction(_user, "user1@contoso.com", ("SelfActivate", null));
        var e = Assert.Throws<PimStoreException>(() => Verify());
        Assert.Equal("PimStoreRulesTooNew", e.ErrorId);
        Assert.Contains($"rules version {Kernel.RulesVersion.Current + 1}", e.Message);
        Assert.Contains("Update PimModule", e.RecommendedAction);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void A_seal_that_names_no_rules_version_of_PimModule_does_not_verify(int rules)
    {
        Honest();
        _rules = rules;
        Transaction(_user, "user1@contoso.com", ("SelfActivate", null));
        var v = Verify();
        Assert.False(v.IsValid);
        Assert.Contains($"names rules version {rules}", v.Reason);
    }

    [Fact]
    public void A_seal_is_spelled_one_way_only()
    {
        Honest();
        // Format 1 that names a rules version, or format 2 that names none: not the canonical payload of either.
        var from = _records.Count;
        var prev = HeadHash;
        _records.Add(new SealedRecord(from + 1, "hash" + (from + 1), "SelfActivate", "user1@contoso.com", null));
        foreach (var spelled in new[]
                 {
                     $"{{\"head\":{{\"hash\":\"hash{from + 1}\",\"seq\":{from + 1}}},\"prev\":{{\"hash\":\"{prev}\",\"seq\":{from}}},\"rules\":1,\"store\":\"{Store}\",\"v\":1}}",
                     $"{{\"head\":{{\"hash\":\"hash{from + 1}\",\"seq\":{from + 1}}},\"prev\":{{\"hash\":\"{prev}\",\"seq\":{from}}},\"store\":\"{Store}\",\"v\":2}}",
                 })
        {
            _seals.Add(new SealRow(from, from + 1, Jws.Sign(_user, "user1@contoso.com", System.Text.Encoding.UTF8.GetBytes(spelled))));
            var v = Verify();
            Assert.False(v.IsValid);
            Assert.Contains("is over another chain", v.Reason);
            _seals.RemoveAt(_seals.Count - 1);
        }
    }

    [Fact]
    public void An_administrator_in_office_may_revoke()
    {
        var t0 = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        using var admin2 = PimKey.Create();
        Transaction(_root, "admin@contoso.com",
            At(t0, Seals.GenesisAction, new { StoreId = Store, CreatedBy = "admin@contoso.com", RootPublicKey = _root.PublicKeyPem() }));
        Transaction(_root, "admin@contoso.com",
            At(t0, "AdminAssign", new { AssignmentId = Admin2Assignment, Principal = "admin2@contoso.com", RoleId = RoleCatalog.PrivilegedRoleAdministrator, Scope = "/", Type = "Active",
                MemberType = "Direct", StartDateTime = t0, EndDateTime = t0.AddDays(1) }, "Assignment", Admin2Assignment.ToString("D")),
            At(t0, Seals.BindAction, new { Principal = "admin2@contoso.com", PublicKey = admin2.PublicKeyPem(), Thumbprint = admin2.Thumbprint }),
            At(t0, Seals.BindAction, new { Principal = "user1@contoso.com", PublicKey = _user.PublicKeyPem(), Thumbprint = _user.Thumbprint }));
        Transaction(admin2, "admin2@contoso.com", At(t0.AddHours(1), Seals.RevokeAction, new { Principal = "user1@contoso.com", Thumbprint = _user.Thumbprint }));
        var v = Verify();
        Assert.True(v.IsValid, v.Reason);
    }

    [Fact]
    public void A_root_rotates_by_its_own_key_and_nobody_else_makes_a_root_key()
    {
        var t0 = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        using var newRoot = PimKey.Create();
        using var admin2 = PimKey.Create();
        Transaction(_root, "admin@contoso.com",
            At(t0, Seals.GenesisAction, new { StoreId = Store, CreatedBy = "admin@contoso.com", RootPublicKey = _root.PublicKeyPem() }));
        Transaction(_root, "admin@contoso.com",
            At(t0, "AdminAssign", new { AssignmentId = Admin2Assignment, Principal = "admin2@contoso.com", RoleId = RoleCatalog.PrivilegedRoleAdministrator, Scope = "/", Type = "Active",
                MemberType = "Direct", StartDateTime = t0, EndDateTime = (DateTime?)null }, "Assignment", Admin2Assignment.ToString("D")),
            At(t0, Seals.BindAction, new { Principal = "admin2@contoso.com", PublicKey = admin2.PublicKeyPem(), Thumbprint = admin2.Thumbprint }));
        // The rotation: a new root key, and the old one retired, sealed by the old one.
        Transaction(_root, "admin@contoso.com",
            At(t0, Seals.BindAction, new { Principal = "admin@contoso.com", PublicKey = newRoot.PublicKeyPem(), Thumbprint = newRoot.Thumbprint, Root = true }),
            At(t0, Seals.RevokeAction, new { Principal = "admin@contoso.com", Thumbprint = _root.Thumbprint }));
        Transaction(newRoot, "admin@contoso.com", At(t0, "AddRole", null));
        var v = Verify();
        Assert.True(v.IsValid, v.Reason);
        Assert.Equal(_root.Thumbprint, v.RootThumbprint); // the store's identity stays its genesis root
        Assert.False(v.Bindings.ContainsKey(_root.Thumbprint));

        // An administrator who is not root-level makes themselves a root key: refused.
        using var forged = PimKey.Create();
        Transaction(admin2, "admin2@contoso.com",
            At(t0, Seals.BindAction, new { Principal = "admin2@contoso.com", PublicKey = forged.PublicKeyPem(), Thumbprint = forged.Thumbprint, Root = true }));
        v = Verify();
        Assert.False(v.IsValid);
        Assert.Contains("root key", v.Reason);
    }

    [Fact]
    public void The_last_root_key_is_never_retired()
    {
        Transaction(_root, "admin@contoso.com",
            (Seals.GenesisAction, new { StoreId = Store, CreatedBy = "admin@contoso.com", RootPublicKey = _root.PublicKeyPem() }));
        Transaction(_root, "admin@contoso.com", (Seals.RevokeAction, new { Principal = "admin@contoso.com", Thumbprint = _root.Thumbprint }));
        var v = Verify();
        Assert.False(v.IsValid);
        Assert.Contains("last root key", v.Reason);
    }
}
