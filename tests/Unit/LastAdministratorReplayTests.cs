using PimModule.Identity.Keys;
using Xunit;

namespace PimModule.Tests;

/// <summary>
/// Issue 29, part 3 (a hostile review): the last administrator's guard is one rule for the module and the replay — a sealed
/// change that stops the only administrator administering counts for nothing whatever it changes, and the module judges the
/// guard on the assignment as the verified log has it, not on a row edited around it.
/// </summary>
public sealed class LastAdministratorReplayTests : IDisposable
{
    private readonly VerifiedPeople _people = new();
    private readonly Microsoft.Extensions.Time.Testing.FakeTimeProvider _clock = new(DateTimeOffset.UtcNow.AddHours(-1));
    private static readonly PimRoleReference Ga = new("Global Administrator");

    public void Dispose() => _people.Dispose();

    private static PimAssignment OnlyAdministration(PimStore admin) => admin.Assignments.Query(new PimAssignmentQuery { Principal = "admin@contoso.com" })
        .Single(a => a.RoleId == RoleCatalog.PrivilegedRoleAdministrator || a.RoleId == RoleCatalog.GlobalAdministrator);

    /// <summary>
    /// The replay's guard (Administrators.EndsAdministrationSooner) looks only at the end. A sealed AdminUpdate of
    /// the last administrator assignment that keeps its end but moves its start to 9999 (or makes it an "activation" with no
    /// eligibility, which the writer never believes and which never makes a key administrator) leaves nobody administering
    /// the store now, and counts.
    /// </summary>
    [Theory]
    [InlineData("start")]
    [InlineData("memberType")]
    public void A_sealed_update_that_stops_the_last_administrator_administering_counts_for_nothing(string how)
    {
        var admin = _people.Open("admin@contoso.com", _clock);
        var only = OnlyAdministration(admin);
        admin.Session.Write(work =>
        {
            var row = AssignmentsTable.Find(work, only.AssignmentId)!;
            var after = how == "start" ? row with { Start = new DateTime(9999, 1, 1, 0, 0, 0, DateTimeKind.Utc) } : row with { MemberType = PimMemberType.Activated };
            AuditLog.AppendRecord(work, "AdminUpdate", "Assignment", row.Id.ToString("D"), row.RoleId, row.Principal,
                Audit.Events.AssignmentView.Of(row), Audit.Events.AssignmentView.Of(after));
            return 0;
        });
        var check = admin.Audit.Verify();
        Assert.Contains(check.Disagreements, d => d.Problem == "NotEntitled" && d.Detail.Contains("the last administrator's guard"));
    }

    /// <summary>
    /// Remove-PimAssignment judges the last administrator's guard on the row as the table holds it (FindKnown),
    /// the replay on the verified assignment. With the row's role edited around the module, an honest administrator's
    /// removal of the store's only permanent administrator assignment is let through by the writer, committed, and then
    /// counts for nothing in the verified log (no error: PrepareOwn does not look at what the replay refused).
    /// </summary>
    [Fact]
    public void Remove_judges_the_guard_on_the_verified_assignment_not_on_an_edited_row()
    {
        var admin = _people.Open("admin@contoso.com", _clock);
        admin.Credentials.Register("b@contoso.com", CredentialFolder.Create("b@contoso.com", null, "", root: _people.KeysOf("b@contoso.com")).PublicKey, propose: false);
        admin.Assignments.Assign(PimAssignmentType.Active, new PimAssignmentInput { Principal = "b@contoso.com", Role = Ga, Duration = TimeSpan.FromDays(30), Justification = "second admin" });
        var only = OnlyAdministration(admin);
        var reader = RoleCatalog.BuiltIn.First(r => r.Name == "Security Reader").Id;
        _people.Sql($"UPDATE assignments SET role_id = '{reader:D}' WHERE assignment_id = '{only.AssignmentId:D}'");
        var b = _people.Open("b@contoso.com", _clock);
        var thrown = Record.Exception(() => b.Assignments.Remove(only.AssignmentId));
        var check = admin.Audit.Verify();
        // Either the writer refuses as the replay does (PimLastAdministrator), or nothing of b's honest change counts for nothing.
        Assert.True(thrown is PimException { ErrorId: var id } && id == PimErrors.IdOf(nameof(PimErrors.LastAdministrator)),
            $"the writer let the removal through ({thrown?.Message ?? "no error"}); the verifier says: " +
            string.Join(" | ", check.Disagreements.Where(d => d.Problem == "NotEntitled").Select(d => d.Detail)));
    }

    /// <summary>
    /// Where the module and the verifier would disagree, the module's own change is refused before it commits, and the store
    /// stays as it was: a session never commits a record of its own that the verified log counts for nothing. Here a
    /// module's service path (AuditLog.Append, not a modified module's raw record) seals a removal by someone who is no
    /// administrator — what a rule written only on the writer's side, or a row edited around the module, would produce.
    /// </summary>
    [Fact]
    public void The_module_never_commits_a_record_of_its_own_that_counts_for_nothing()
    {
        var admin = _people.Open("admin@contoso.com", _clock);
        admin.Credentials.Register("b@contoso.com", CredentialFolder.Create("b@contoso.com", null, "", root: _people.KeysOf("b@contoso.com")).PublicKey, propose: false);
        var only = OnlyAdministration(admin);
        var b = _people.Open("b@contoso.com", _clock);
        var before = admin.Audit.Query(new PimAuditQuery()).Count();
        var refused = Assert.ThrowsAny<PimException>(() => b.Session.Write(work =>
        {
            var row = AssignmentsTable.Find(work, only.AssignmentId)!;
            AuditLog.Append(work, new Audit.Events.AdminRemoved(row));
            return 0;
        }));
        Assert.Equal(PimErrors.IdOf(nameof(PimErrors.StoreTampered)), refused.ErrorId);
        Assert.Contains("counts for nothing", refused.Message);
        Assert.Equal(before, admin.Audit.Query(new PimAuditQuery()).Count());
        Assert.True(admin.Audit.Verify().IsValid);
    }
}
