using PimModule.Identity.Keys;
using PimModule.Storage;
using Xunit;

namespace PimModule.Tests;

/// <summary>
/// Test-PimAccess sends its questions ahead with the check of the verified head (PostgreSQL: one batch, one snapshot). The
/// answer is the verified state's, as ever: a head that moved since the session last looked is verified first and the rows
/// read with the old head are not used; a row changed around the module counts for nothing. On SQLite the same tests check
/// the unbatched path.
/// </summary>
public sealed class AccessAheadTests : IDisposable
{
    private readonly VerifiedPeople _people = new();
    private static readonly PimRoleReference Reader = new("Security Reader");

    public void Dispose() => _people.Dispose();

    private (PimStore Admin, PimStore User1) AdminAndUser1()
    {
        var admin = _people.Open("admin@contoso.com");
        admin.Credentials.Register("user1@contoso.com", CredentialFolder.Create("user1@contoso.com", null, "", root: _people.KeysOf("user1@contoso.com")).PublicKey, propose: false);
        return (admin, _people.Open("user1@contoso.com"));
    }

    private static void GrantReader(PimStore admin, string principal)
        => admin.Assignments.Assign(PimAssignmentType.Active, new PimAssignmentInput { Principal = principal, Role = Reader, Permanent = true, Justification = "test" });

    [Fact]
    public void An_access_check_verifies_what_another_session_wrote_since_it_last_looked()
    {
        var (admin, user1) = AdminAndUser1();
        Assert.False(user1.Assignments.CheckAccess("user2@contoso.com", Reader, null, null, detailed: false).HasAccess);
        GrantReader(admin, "user2@contoso.com");
        // user1's verified head is behind the store's: the check verifies the tail first, then answers from it.
        Assert.True(user1.Assignments.CheckAccess("user2@contoso.com", Reader, null, null, detailed: false).HasAccess);
        Assert.Equal(admin.Session.Verified!.Head, user1.Session.Verified!.Head);
        Assert.True(user1.Assignments.CheckAccess("user2@contoso.com", Reader, null, null, detailed: false).HasAccess);
        // By the role's id, and about oneself with the details.
        var byId = new PimRoleReference(admin.Roles.Resolve(Reader).Id);
        Assert.True(user1.Assignments.CheckAccess("user2@contoso.com", byId, null, null, detailed: false).HasAccess);
        Assert.Equal(PimAccessReason.NoAssignment, user1.Assignments.CheckAccess("user1@contoso.com", byId, null, null).Reason);
    }

    [Fact]
    public void A_row_written_around_the_module_grants_nothing_whatever_was_read_with_the_head()
    {
        var (admin, user1) = AdminAndUser1();
        GrantReader(admin, "user2@contoso.com");
        Assert.True(user1.Assignments.CheckAccess("user2@contoso.com", Reader, null, null, detailed: false).HasAccess);
        // An active assignment written straight into the table (no record): the head does not move; the row counts for nothing.
        admin.Session.Write(work => work.Execute(
            "INSERT INTO assignments (assignment_id, principal, principal_key, role_id, scope, type, member_type, start_utc, justification, created_by, created_utc) " +
            "VALUES (@id, 'user3@contoso.com', 'user3@contoso.com', @role, '/', 'Active', 'Direct', @at, 'forged', 'admin@contoso.com', @at)",
            new { id = Guid.NewGuid().ToString("D"), role = admin.Roles.Resolve(Reader).Id.ToString("D"), at = SqlTypes.Ticks(work.Now.AddHours(-1)) }));
        Assert.False(user1.Assignments.CheckAccess("user3@contoso.com", Reader, null, null, detailed: false).HasAccess);
        Assert.Equal(PimAccessReason.Unverified, admin.Assignments.CheckAccess("user3@contoso.com", Reader, null, null).Reason);
        // A verified row changed around the module (its scope moved) counts for nothing either.
        admin.Session.Write(work => work.Execute("UPDATE assignments SET scope = '/administrativeUnits/x' WHERE principal_key = 'user2@contoso.com'"));
        Assert.False(user1.Assignments.CheckAccess("user2@contoso.com", Reader, "/administrativeUnits/x", null, detailed: false).HasAccess);
    }

    [PostgresFact]
    public void A_batch_prepared_before_the_schema_changed_is_dropped_and_the_question_asked_again()
    {
        var (admin, user1) = AdminAndUser1();
        GrantReader(admin, "user2@contoso.com");
        // Prepared on user1's pooled connection by the first check, run as prepared by the second.
        Assert.True(user1.Assignments.CheckAccess("user2@contoso.com", Reader, null, null, detailed: false).HasAccess);
        Assert.True(user1.Assignments.CheckAccess("user2@contoso.com", Reader, null, null, detailed: false).HasAccess);
        // A column the batch reads changes type: the server refuses the cached plan (0A000). The check still answers.
        _people.Sql("ALTER TABLE assignments ALTER COLUMN justification TYPE varchar(4000)");
        Assert.True(user1.Assignments.CheckAccess("user2@contoso.com", Reader, null, null, detailed: false).HasAccess);
        Assert.False(user1.Assignments.CheckAccess("user3@contoso.com", Reader, null, null, detailed: false).HasAccess);
        Assert.True(user1.Assignments.CheckAccess("user2@contoso.com", Reader, null, null, detailed: false).HasAccess);
    }

    [Fact]
    public void A_question_sent_ahead_answers_only_the_same_statement_with_equal_parameters()
    {
        var q = AheadQuery.Rows<string>("SELECT x FROM t WHERE a = @a", new { a = "one" });
        Assert.True(q.Answers("SELECT x FROM t WHERE a = @a", new { a = "one" }, first: false));
        Assert.False(q.Answers("SELECT x FROM t WHERE a = @a", new { a = "two" }, first: false));
        Assert.False(q.Answers("SELECT x FROM t WHERE a = @a", new { a = "one" }, first: true));
        Assert.False(q.Answers("SELECT x FROM t WHERE a = @b", new { a = "one" }, first: false));
        Assert.False(q.Answers("SELECT x FROM t WHERE a = @a", new { b = "one" }, first: false));
        Assert.False(q.Answers("SELECT x FROM t WHERE a = @a", null, first: false));
    }
}
