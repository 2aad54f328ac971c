using PimModule.Kernel;
using Xunit;

namespace PimModule.Tests;

/// <summary>
/// Issue 31, first part: groups of the directory. Entra's rules of groups live in one place (Kernel/GroupRules.cs), which
/// GroupService asks when it writes and the state replay asks of every sealed group record: a change the module refuses
/// (a group in a role-assignable group, a loop, a non-administrator's change) counts for nothing when a modified module
/// seals it, and grants nobody membership.
/// </summary>
public sealed class GroupReplayTests : IDisposable
{
    private readonly VerifiedPeople _people = new();
    private readonly Microsoft.Extensions.Time.Testing.FakeTimeProvider _clock = new(DateTimeOffset.UtcNow.AddHours(-1));

    public void Dispose() => _people.Dispose();

    private static readonly Guid A = Guid.Parse("11111111-1111-4111-8111-111111111111");
    private static readonly Guid B = Guid.Parse("22222222-2222-4222-8222-222222222222");
    private static readonly Guid C = Guid.Parse("33333333-3333-4333-8333-333333333333");

    private static IEnumerable<Guid> None(Guid _) => [];

    [Fact]
    [Trait("Provider", "Neutral")]
    public void The_kernel_decides_creation_by_id_and_the_limit_of_role_assignable_groups()
    {
        Assert.Null(GroupRules.WhyNotCreate(null, isAssignableToRole: true, GroupRules.MaxRoleAssignable - 1));
        Assert.Equal(GroupRefusal.TooManyRoleAssignable, GroupRules.WhyNotCreate(null, isAssignableToRole: true, GroupRules.MaxRoleAssignable));
        Assert.Null(GroupRules.WhyNotCreate(null, isAssignableToRole: false, GroupRules.MaxRoleAssignable));
        Assert.Equal(GroupRefusal.Exists, GroupRules.WhyNotCreate(new GroupFacts(A, false), isAssignableToRole: false, 0));
    }

    [Fact]
    [Trait("Provider", "Neutral")]
    public void The_kernel_refuses_a_group_in_a_role_assignable_group_and_any_loop()
    {
        var ordinary = new GroupFacts(A, false);
        Assert.Null(GroupRules.WhyNotAdd(ordinary, false, null, null, None));
        Assert.Equal(GroupRefusal.AlreadyMember, GroupRules.WhyNotAdd(ordinary, true, null, null, None));
        Assert.Equal(GroupRefusal.NotFound, GroupRules.WhyNotAdd(null, false, null, null, None));
        Assert.Equal(GroupRefusal.GroupInRoleAssignable, GroupRules.WhyNotAdd(new GroupFacts(A, true), false, B, new GroupFacts(B, false), None));
        Assert.Equal(GroupRefusal.NotFound, GroupRules.WhyNotAdd(ordinary, false, B, null, None));
        Assert.Equal(GroupRefusal.Cycle, GroupRules.WhyNotAdd(ordinary, false, A, ordinary, None));
        // B holds C, C holds A: A taking B would be its own member through two others.
        IEnumerable<Guid> Held(Guid g) => g == B ? [C] : g == C ? [A] : [];
        Assert.Equal(GroupRefusal.Cycle, GroupRules.WhyNotAdd(ordinary, false, B, new GroupFacts(B, false), Held));
        Assert.Null(GroupRules.WhyNotAdd(new GroupFacts(C, false), false, B, new GroupFacts(B, false), g => g == B ? [A] : []));
        Assert.Equal(GroupRefusal.NotMember, GroupRules.WhyNotRemoveMember(ordinary, false));
        Assert.Null(GroupRules.WhyNotRemoveMember(ordinary, true));
    }

    [Fact]
    public void A_sealed_group_in_a_role_assignable_group_counts_for_nothing()
    {
        var admin = _people.Open("admin@contoso.com", _clock);
        var soc = admin.Groups.Create("Security Operations", null, isAssignableToRole: true, A)!;
        var help = admin.Groups.Create("Helpdesk", null, isAssignableToRole: false, B)!;
        var e = Assert.Throws<PimException>(() => admin.Groups.AddMember(soc.Id.ToString(), help.Key));
        Assert.Equal(PimErrors.IdOf(nameof(PimErrors.GroupMemberInvalid)), e.ErrorId);
        // A modified module's administrator seals what the module refuses.
        admin.Session.Write(work =>
        {
            Storage.GroupMembersTable.Add(work, new Storage.GroupMembersTable.MemberRow(A, help.Key, help.Key, "admin@contoso.com", work.Now));
            AuditLog.AppendRecord(work, Audit.Events.GroupMemberAdded.Name, "GroupMember", A.ToString("D"), null, help.Key, null, new Audit.Events.GroupMemberView(A, help.Key));
            return 0;
        });
        var check = admin.Audit.Verify();
        Assert.Contains(check.Disagreements, d => d.Problem == "NotEntitled" && d.Detail.Contains("role-assignable"));
        Assert.Empty(admin.Groups.Members(soc.Id.ToString()));
    }

    [Fact]
    public void A_non_administrators_sealed_membership_counts_for_nothing()
    {
        var admin = _people.Open("admin@contoso.com", _clock);
        admin.Credentials.Register("user1@contoso.com", PimModule.Identity.Keys.CredentialFolder.Create("user1@contoso.com", null, "", root: _people.KeysOf("user1@contoso.com")).PublicKey, propose: false);
        var soc = admin.Groups.Create("Security Operations", null, isAssignableToRole: true, A)!;
        var user1 = _people.Open("user1@contoso.com", _clock);
        var e = Assert.Throws<PimException>(() => user1.Groups.AddMember(soc.Id.ToString(), "user1@contoso.com"));
        Assert.Equal(PimErrors.IdOf(nameof(PimErrors.NotAuthorized)), e.ErrorId);
        // user1's modified module seals the membership itself.
        user1.Session.Write(work =>
        {
            Storage.GroupMembersTable.Add(work, new Storage.GroupMembersTable.MemberRow(A, "user1@contoso.com", "user1@contoso.com", "user1@contoso.com", work.Now));
            AuditLog.AppendRecord(work, Audit.Events.GroupMemberAdded.Name, "GroupMember", A.ToString("D"), null, "user1@contoso.com", null, new Audit.Events.GroupMemberView(A, "user1@contoso.com"));
            return 0;
        });
        Assert.Contains(admin.Audit.Verify().Disagreements, d => d.Problem == "NotEntitled" && d.Detail.Contains("was not an administrator"));
        Assert.Empty(admin.Groups.Members(soc.Id.ToString()));
        Assert.Empty(user1.Groups.Members(soc.Id.ToString()));
    }

    [Fact]
    public void A_membership_sealed_under_another_principal_than_its_payload_counts_for_nothing()
    {
        var admin = _people.Open("admin@contoso.com", _clock);
        var soc = admin.Groups.Create("Security Operations", null, isAssignableToRole: false, A)!;
        // The record's principal column says user2; its payload says user1: which one would it make a member?
        admin.Session.Write(work =>
        {
            AuditLog.AppendRecord(work, Audit.Events.GroupMemberAdded.Name, "GroupMember", A.ToString("D"), null, "user2@contoso.com",
                null, new Audit.Events.GroupMemberView(A, "user1@contoso.com"));
            return 0;
        });
        Assert.Contains(admin.Audit.Verify().Disagreements, d => d.Problem == "NotEntitled" && d.Detail.Contains("names no group and member"));
        Assert.Empty(admin.Groups.Members(soc.Id.ToString()));
    }

    [Fact]
    public void A_sealed_role_of_a_group_that_may_not_hold_it_counts_for_nothing_and_grants_its_members_nothing()
    {
        var admin = _people.Open("admin@contoso.com", _clock);
        var plain = admin.Groups.Create("Plain", null, isAssignableToRole: false, A)!;
        admin.Groups.AddMember(plain.Id.ToString(), "user1@contoso.com");
        var reader = new PimRoleReference("Security Reader");
        var e = Assert.Throws<PimException>(() => admin.Assignments.Assign(PimAssignmentType.Active, new PimAssignmentInput
            { Principal = plain.Key, Role = reader, Permanent = true, Justification = "x" }));
        Assert.Equal(PimErrors.IdOf(nameof(PimErrors.GroupNotRoleAssignable)), e.ErrorId);
        // A modified module's administrator seals it anyway, with its row.
        var roleId = admin.Roles.Resolve(reader).Id;
        admin.Session.Write(work =>
        {
            var row = new Storage.AssignmentRow(Guid.NewGuid(), plain.Key, roleId, "/", PimAssignmentType.Active, PimMemberType.Direct,
                work.Now, null, null, null, null, "admin@contoso.com", work.Now, null, null);
            Storage.AssignmentsTable.Insert(work, row);
            AuditLog.AppendRecord(work, "AdminAssign", "Assignment", row.Id.ToString("D"), row.RoleId, row.Principal, null, Audit.Events.AssignmentView.Of(row));
            return 0;
        });
        Assert.Contains(admin.Audit.Verify().Disagreements, d => d.Problem == "NotEntitled" && d.Detail.Contains("not role-assignable"));
        Assert.False(admin.Assignments.CheckAccess("user1@contoso.com", reader, null, null).HasAccess);
    }
}
