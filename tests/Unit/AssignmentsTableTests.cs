using PimModule.Storage;
using Xunit;

namespace PimModule.Tests;

/// <summary>
/// The assignments table on Dapper (rows read back as written), the bulk writer's batch-wide overlap check (a refusal
/// per row, in input order, nothing written for it, the audit chain intact), and the listing's order without a JOIN:
/// role name, principal, type, start — the order the old JOIN-and-sort query gave.
/// </summary>
public class AssignmentsTableTests
{
    private static readonly DateTime T0 = new(2026, 1, 5, 9, 0, 0, DateTimeKind.Utc);

    private static PimAssignmentInput Row(string principal, string role, string? scope = null, DateTime? start = null, DateTime? end = null)
        => new() { Principal = principal, Role = new PimRoleReference(role), Scope = scope, StartDateTime = start, EndDateTime = end, Permanent = end is null,
            Justification = "test" };

    [Fact]
    public void A_row_reads_back_as_written()
    {
        using var t = new TestStore();
        var full = new AssignmentRow(Ids.New(), "User.One@contoso.com", RoleCatalog.GlobalAdministrator, "/administrativeUnits/x",
            PimAssignmentType.Active, PimMemberType.Activated, T0, T0.AddHours(8), "because", "CHG1", "ServiceNow", "admin@contoso.com",
            T0.AddMinutes(-1), Ids.New(), Ids.New());
        var bare = full with { Id = Ids.New(), End = null, Justification = null, TicketNumber = null, TicketSystem = null, RequestId = null, EligibleId = null,
            Type = PimAssignmentType.Eligible, MemberType = PimMemberType.Direct };
        t.Store.Session.Write(work =>
        {
            AssignmentsTable.Insert(work, full);
            AssignmentsTable.Insert(work, bare);
            return 0;
        });
        var (a, b, both) = t.Store.Session.Read(work => (AssignmentsTable.Find(work, full.Id), AssignmentsTable.Find(work, bare.Id),
            AssignmentsTable.ForPrincipalAndRole(work, "user.one@contoso.com", RoleCatalog.GlobalAdministrator)));
        Assert.Equal(full, a);
        Assert.Equal(DateTimeKind.Utc, a!.Start.Kind);
        Assert.Equal(bare, b);
        Assert.Equal(2, both.Count);
    }

    [Fact]
    public void The_bulk_writer_refuses_each_overlap_in_input_order_and_writes_nothing_for_it()
    {
        using var t = new TestStore();
        t.Store.Assignments.Assign(PimAssignmentType.Eligible, Row("old@contoso.com", "Security Reader"));
        var before = t.Store.GetInfo();
        var outcomes = new List<PimAssignmentOutcome>();
        using (var writer = t.Store.Assignments.BeginAssign(PimAssignmentType.Eligible, batchSize: 6))
        {
            foreach (var input in new[]
                     {
                         Row("a@contoso.com", "Security Reader"),                                    // 1 written
                         Row("OLD@contoso.com", "Security Reader"),                                  // 2 overlaps a stored one
                         Row("A@contoso.com", "Security Reader"),                                    // 3 overlaps row 1 (same batch)
                         Row("a@contoso.com", "Security Reader", "/administrativeUnits/x"),          // 4 another scope: written
                         Row("a@contoso.com", "No Such Role"),                                       // 5 no role
                         Row("b@contoso.com", "Global Reader", end: T0.AddDays(10)),                 // 6 written (ends the first batch)
                         Row("b@contoso.com", "Global Reader", start: T0.AddDays(10), end: T0.AddDays(20)), // 7 after row 6: written
                         Row("b@contoso.com", "Global Reader", start: T0.AddDays(5), end: T0.AddDays(6)),   // 8 overlaps row 6 (earlier batch)
                         Row("a@contoso.com", "Global Reader"),                                      // 9 another role: written
                     })
                outcomes.AddRange(writer.Add(input));
            outcomes.AddRange(writer.Flush());
            Assert.Equal(5, writer.Committed);
        }
        Assert.Equal(Enumerable.Range(1, 9).Select(i => (long)i), outcomes.Select(o => o.Row));
        Assert.Equal(new[] { null, "PimAssignmentExists", "PimAssignmentExists", null, "PimRoleNotFound", null, null, "PimAssignmentExists", null },
            outcomes.Select(o => o.Refusal?.ErrorId));
        Assert.All(outcomes.Where(o => o.Refusal is null), o => Assert.NotNull(o.Created));

        var after = t.Store.GetInfo();
        Assert.Equal(before.EligibleAssignmentCount + 5, after.EligibleAssignmentCount);
        Assert.Equal(before.AuditRecordCount + 5, after.AuditRecordCount);
        var check = t.Store.Audit.Verify();
        Assert.True(check.IsValid, check.Reason);
        var created = outcomes.Where(o => o.Created is not null).Select(o => o.Created!.AssignmentId).ToHashSet();
        var stored = t.Store.Assignments.Query(new PimAssignmentQuery { Type = PimAssignmentType.Eligible, State = PimAssignmentState.All }).ToList();
        Assert.Subset(stored.Select(a => a.AssignmentId).ToHashSet(), created);
        // Each written row has its AdminAssign request and the assignee's mail; the refused ones have neither.
        var requests = t.Store.Requests.Query(new PimRequestQuery()).Where(r => r.Action == PimRequestAction.AdminAssign).ToList();
        Assert.Equal(created.Count + 2, requests.Count); // + the store's bootstrap and old@contoso.com
        var mails = t.Store.Notifications.Query(new PimNotificationQuery()).ToList();
        Assert.Equal(3, mails.Count(m => m.Recipient == "a@contoso.com"));   // rows 1, 4 and 9
        Assert.Equal(2, mails.Count(m => m.Recipient == "b@contoso.com"));   // rows 6 and 7
        Assert.Equal(1, mails.Count(m => m.Recipient == "old@contoso.com")); // its own assignment, before the batch
    }

    [Fact]
    public void Batches_written_on_the_second_thread_report_every_row_in_input_order()
    {
        using var t = new TestStore();
        var before = t.Store.GetInfo();
        var inputs = Enumerable.Range(0, 23).Select(i => i switch
        {
            6 => Row("user1@contoso.com", "Security Reader"),   // row 7: overlaps row 2 (the first batch)
            9 => Row("user5@contoso.com", "Security Reader"),   // row 10: overlaps row 6 (a batch in flight before it)
            12 => Row("user12@contoso.com", "No Such Role"),     // row 13: no role
            14 => new PimAssignmentInput { Principal = "not a principal", Role = new PimRoleReference("Security Reader") }, // row 15: refused at once
            _ => Row($"user{i}@contoso.com", "Security Reader"),
        }).ToList();
        var outcomes = new List<PimAssignmentOutcome>();
        using (var writer = t.Store.Assignments.BeginAssign(PimAssignmentType.Eligible, batchSize: 4))
        {
            foreach (var input in inputs)
            {
                try { outcomes.AddRange(writer.Add(input)); }
                catch (PimException e) { outcomes.Add(new PimAssignmentOutcome(-1, input, null, e)); }
            }
            outcomes.AddRange(writer.Flush());
            Assert.Equal(19, writer.Committed);
        }
        Assert.Equal(Enumerable.Range(1, 23).Select(i => (long)i), outcomes.Select(o => o.Row));
        var refused = outcomes.Where(o => o.Refusal is not null).Select(o => (o.Row, o.Refusal!.ErrorId)).ToList();
        Assert.Equal([(7L, "PimAssignmentExists"), (10L, "PimAssignmentExists"), (13L, "PimRoleNotFound"), (15L, "PimPrincipalInvalid")], refused);
        Assert.Equal(before.EligibleAssignmentCount + 19, t.Store.GetInfo().EligibleAssignmentCount);
        Assert.True(t.Store.Audit.Verify().IsValid);
    }

    [Fact]
    public void A_writer_disposed_with_a_batch_in_flight_keeps_whole_batches_only()
    {
        using var t = new TestStore();
        var before = t.Store.GetInfo();
        long committed;
        using (var writer = t.Store.Assignments.BeginAssign(PimAssignmentType.Eligible, batchSize: 50))
        {
            for (var i = 0; i < 130; i++) writer.Add(Row($"user{i}@contoso.com", "Security Reader")); // batch 1 written, batch 2 in flight, 30 buffered
            writer.Dispose(); // the pipeline stopped: the batch in flight rolls back unless it had committed
            committed = writer.Committed;
        }
        Assert.Contains(committed, new long[] { 50, 100 });
        var after = t.Store.GetInfo();
        Assert.Equal(before.EligibleAssignmentCount + committed, after.EligibleAssignmentCount);
        Assert.Equal(before.AuditRecordCount + committed, after.AuditRecordCount);
        Assert.True(t.Store.Audit.Verify().IsValid);
    }

    [Fact]
    public void The_listing_is_in_role_name_principal_type_start_order_as_the_joined_query_gave_it()
    {
        using var t = new TestStore();
        var roles = new[] { "Security Reader", "Global Reader", "Reports Reader", "Directory Readers" };
        var rng = new Random(12);
        for (var i = 0; i < 60; i++)
        {
            var type = i % 3 == 0 ? PimAssignmentType.Active : PimAssignmentType.Eligible;
            var start = T0.AddDays(rng.Next(-20, 20));
            var input = Row($"{(char)('a' + rng.Next(6))}{(i % 2 == 0 ? "" : "X")}{i % 5}@contoso.com", roles[rng.Next(roles.Length)],
                end: start.AddDays(rng.Next(1, 40)), start: start);
            try { t.Store.Assignments.Assign(type, input); }
            catch (PimException e) when (e.ErrorId == "PimAssignmentExists") { }
        }
        t.Store.Roles.Create("Zz Custom", "a custom role");
        t.Store.Assignments.Assign(PimAssignmentType.Eligible, Row("zed@contoso.com", "Zz Custom"));
        // A removed role's expired assignment: the joined query never listed it.
        t.Store.Roles.Create("Gone", "a custom role that goes");
        t.Store.Assignments.Assign(PimAssignmentType.Eligible, Row("gone@contoso.com", "Gone", end: T0.AddHours(1)));
        t.Clock.Advance(TimeSpan.FromHours(2));
        t.Store.Roles.Remove(new PimRoleReference("Gone"));

        foreach (var state in new PimAssignmentState?[] { null, PimAssignmentState.All, PimAssignmentState.Active, PimAssignmentState.Scheduled, PimAssignmentState.Expired })
        {
            var asOf = t.Store.UtcNow;
            var stateSql = state switch
            {
                PimAssignmentState.Active => AssignmentsTable.LiveAt,
                PimAssignmentState.Scheduled => AssignmentsTable.ScheduledAt,
                PimAssignmentState.Expired => AssignmentsTable.EndedAt + " AND " + AssignmentsTable.VisibleFrom,
                PimAssignmentState.All => AssignmentsTable.VisibleFrom,
                _ => AssignmentsTable.NotEndedAt,
            };
            string Joined(string where) =>
                "SELECT a.assignment_id FROM assignments a JOIN roles r ON r.role_id = a.role_id WHERE " + where + " AND " +
                stateSql.Replace("start_utc", "a.start_utc").Replace("end_utc", "a.end_utc") +
                " ORDER BY r.name_key, a.principal_key, a.type, a.start_utc";
            var p = new { at = asOf, visibleFrom = asOf - TimeSpan.FromDays(30), pk = "ax1@contoso.com", sr = RoleCatalog.BuiltIn.First(r => r.Name == "Security Reader").Id };
            var all = t.Store.Session.Read(w => w.Query<Guid>(Joined("1 = 1"), p));
            var one = t.Store.Session.Read(w => w.Query<Guid>(Joined("a.principal_key = @pk"), p));
            var reader = t.Store.Session.Read(w => w.Query<Guid>(Joined("a.role_id = @sr"), p));

            Assert.Equal(all, t.Store.Assignments.Query(new PimAssignmentQuery { State = state }).Select(a => a.AssignmentId));
            Assert.Equal(one, t.Store.Assignments.Query(new PimAssignmentQuery { State = state, Principal = "AX1@contoso.com" }).Select(a => a.AssignmentId));
            Assert.Equal(reader, t.Store.Assignments.Query(new PimAssignmentQuery { State = state, RoleIds = [p.sr] }).Select(a => a.AssignmentId));
            if (state is null or PimAssignmentState.All) Assert.NotEmpty(all);
        }
        var listed = t.Store.Assignments.Query(new PimAssignmentQuery { State = PimAssignmentState.All }).ToList();
        Assert.DoesNotContain(listed, a => a.Principal == "gone@contoso.com");
        Assert.Equal("Zz Custom", listed[^1].Role);
        var first = listed[0];
        Assert.Equal(first.AssignmentId, t.Store.Assignments.Query(new PimAssignmentQuery { AssignmentId = first.AssignmentId, State = PimAssignmentState.All }).Single().AssignmentId);
        Assert.Equal(first.Role, t.Store.Assignments.Query(new PimAssignmentQuery { AssignmentId = first.AssignmentId, State = PimAssignmentState.All }).Single().Role);
    }
}
