using PimModule.Identity.Keys;
using PimModule.Reviews;
using PimModule.Storage;
using Xunit;

namespace PimModule.Tests;

/// <summary>
/// Access reviews in a Verified store: a decision counts only as a sealed record of an entitled reviewer while the review is
/// open. What a modified module could seal with a principal's own key (the engine's checks skipped) counts for nothing,
/// and completion applies the verified decisions, never the rows'.
/// </summary>
public sealed class AccessReviewTests : IDisposable
{
    private readonly VerifiedPeople _people = new();

    public void Dispose() => _people.Dispose();

    private PimStore Register(PimStore admin, string principal)
    {
        var credential = CredentialFolder.Create(principal, null, "", root: _people.KeysOf(principal));
        admin.Credentials.Register(principal, credential.PublicKey, propose: false);
        return _people.Open(principal);
    }

    private (PimStore Admin, PimAccessReview Review) NewReview(PimAccessReviewDefaultDecision fallback = PimAccessReviewDefaultDecision.None)
    {
        var admin = _people.Open("admin@contoso.com");
        foreach (var p in new[] { "user2@contoso.com", "reviewer@contoso.com" })
            admin.Assignments.Assign(PimAssignmentType.Eligible, new PimAssignmentInput
            {
                Principal = p, Role = new PimRoleReference("Security Reader"), Permanent = true, Justification = "SOC",
            });
        var review = admin.Reviews.Create(new PimAccessReviewInput
        {
            Role = new PimRoleReference("Security Reader"), Reviewers = ["reviewer@contoso.com"], DefaultDecision = fallback,
        })!;
        return (admin, review);
    }

    /// <summary>A decision sealed by <paramref name="actor"/> without the engine's checks (as a modified module could write it).</summary>
    private static void ForgeDecision(PimStore actor, PimAccessReviewItem item, string decision) => actor.Session.Write(work =>
    {
        AccessReviewItemsTable.Decide(work, new ReviewItemRow(item.ItemId, item.ReviewId, item.AssignmentId, item.Principal, item.RoleId, item.AssignmentType,
            item.Recommendation, Enum.Parse<PimAccessReviewDecision>(decision), "forged", actor.Principal, work.Now, null));
        AuditLog.AppendRecord(work, AccessReviewService.DecideAction, "AccessReviewItem", item.ItemId.ToString("D"), item.RoleId, item.Principal, null,
            new { ReviewId = item.ReviewId.ToString("D"), ItemId = item.ItemId.ToString("D"), Decision = decision, ReviewedBy = actor.Principal });
        return 0;
    });

    [Fact]
    public void A_reviewers_decision_through_the_engine_verifies_and_is_applied()
    {
        var (admin, review) = NewReview();
        var reviewer = Register(admin, "reviewer@contoso.com");
        var item = Assert.Single(reviewer.Reviews.GetItems(review.ReviewId, pendingMine: true));
        Assert.Equal("user2@contoso.com", item.Principal);
        reviewer.Reviews.Decide(item.ItemId, PimAccessReviewDecision.Deny, "Left the team");
        var check = admin.Audit.Verify();
        Assert.True(check.IsValid, check.Reason);
        Assert.Empty(check.Disagreements);
        admin.Reviews.Complete(review.ReviewId);
        Assert.DoesNotContain(admin.Assignments.Query(new PimAssignmentQuery()), a => a.Principal == "user2@contoso.com");
        Assert.True(admin.Audit.Verify().IsValid);
    }

    [Theory]
    [InlineData("user3@contoso.com", "user2@contoso.com", "not a reviewer")]       // a principal who is not a reviewer
    [InlineData("reviewer@contoso.com", "reviewer@contoso.com", "their own assignment")] // a reviewer on their own item
    public void A_decision_sealed_by_a_principal_not_entitled_to_it_counts_for_nothing(string forger, string holder, string why)
    {
        var (admin, review) = NewReview();
        var actor = Register(admin, forger);
        var item = admin.Reviews.GetItems(review.ReviewId).Single(i => i.Principal == holder);
        ForgeDecision(actor, item, "Deny");

        var check = admin.Audit.Verify();
        var finding = Assert.Single(check.Disagreements, d => d.Kind == "Record" && d.Detail.Contains("(AccessReviewItem "));
        Assert.Equal("NotEntitled", finding.Problem);
        Assert.Contains(why, finding.Detail);
        // The row says Deny; the verified log says NotReviewed: the row is not listed, and completion keeps the assignment.
        Assert.DoesNotContain(admin.Reviews.GetItems(review.ReviewId), i => i.ItemId == item.ItemId);
        admin.Reviews.Complete(review.ReviewId);
        Assert.Contains(admin.Assignments.Query(new PimAssignmentQuery()), a => a.Principal == holder && a.Role == "Security Reader");
    }

    [Fact]
    public void A_decision_sealed_after_the_review_was_completed_counts_for_nothing()
    {
        var (admin, review) = NewReview(PimAccessReviewDefaultDecision.Approve);
        var reviewer = Register(admin, "reviewer@contoso.com");
        var item = Assert.Single(reviewer.Reviews.GetItems(review.ReviewId, pendingMine: true));
        admin.Reviews.Complete(review.ReviewId);
        var refused = Assert.Throws<PimException>(() => reviewer.Reviews.Decide(item.ItemId, PimAccessReviewDecision.Deny, "late"));
        Assert.Equal("PimAccessReviewClosed", refused.ErrorId);
        ForgeDecision(reviewer, item, "Deny");
        var finding = Assert.Single(admin.Audit.Verify().Disagreements, d => d.Kind == "Record" && d.Detail.Contains("(AccessReviewItem "));
        Assert.Contains("completed", finding.Detail);
    }

    [Fact]
    public void A_review_started_by_a_principal_who_is_not_an_administrator_counts_for_nothing()
    {
        var (admin, _) = NewReview();
        var user3 = Register(admin, "user3@contoso.com");
        Assert.Equal("PimNotAuthorized", Assert.Throws<PimException>(() => user3.Reviews.Create(new PimAccessReviewInput
        {
            Role = new PimRoleReference("Security Reader"), SelfReview = true,
        })).ErrorId);
        // Sealed anyway, by a modified module: a review row and its record.
        var id = Guid.NewGuid();
        user3.Session.Write(work =>
        {
            var row = new ReviewRow(id, RoleCatalog.BuiltIn.Single(r => r.Name == "Security Reader").Id, PimAccessReviewAssignmentType.Eligible, [], true, ReviewRow.InProgress, work.Now,
                work.Now.AddDays(1), TimeSpan.FromDays(1), PimAccessReviewRecurrence.None, PimAccessReviewDefaultDecision.Deny, true, id, 1, work.Actor, work.Now, null, null);
            AccessReviewsTable.Insert(work, row);
            AuditLog.AppendRecord(work, AccessReviewService.CreateAction, "AccessReview", id.ToString("D"), row.RoleId, null, null,
                new { ReviewId = id.ToString("D"), RoleId = row.RoleId.ToString("D"), AssignmentType = "Eligible", Reviewers = Array.Empty<string>(), SelfReview = true,
                      StartDateTime = row.Start, EndDateTime = row.End, Recurrence = "None", DefaultDecision = "Deny", AutoApply = true, Items = Array.Empty<object>() });
            return 0;
        });
        var finding = Assert.Single(admin.Audit.Verify().Disagreements, d => d.Kind == "Record" && d.Detail.Contains("(AccessReview "));
        Assert.Contains("not an administrator", finding.Detail);
        Assert.DoesNotContain(admin.Reviews.Get(), r => r.ReviewId == id);
        Assert.Equal("PimAccessReviewUnverified", Assert.Throws<PimException>(() => admin.Reviews.Complete(id)).ErrorId);
    }

    [Fact]
    public void A_review_whose_item_is_not_of_its_type_counts_for_nothing()
    {
        var (admin, _) = NewReview();
        var eligible = admin.Assignments.Query(new PimAssignmentQuery { Principal = "user2@contoso.com", Type = PimAssignmentType.Eligible }).Single();
        // Sealed by the administrator's modified module: a review of the role's *active* assignments that puts user2's
        // eligible assignment under review (Kernel/ReviewRules.IsReviewable decides what a review covers, on both sides).
        var id = Guid.NewGuid();
        admin.Session.Write(work =>
        {
            AuditLog.AppendRecord(work, AccessReviewService.CreateAction, "AccessReview", id.ToString("D"), eligible.RoleId, null, null,
                new { ReviewId = id.ToString("D"), RoleId = eligible.RoleId.ToString("D"), AssignmentType = "Active", Reviewers = new[] { "reviewer@contoso.com" }, SelfReview = false,
                      StartDateTime = work.Now, EndDateTime = work.Now.AddDays(1), Duration = TimeSpan.FromDays(1).ToString("c"), Recurrence = "None", DefaultDecision = "Deny",
                      AutoApply = true, SeriesId = id.ToString("D"), Occurrence = 1,
                      Items = new[] { new { ItemId = Guid.NewGuid().ToString("D"), AssignmentId = eligible.AssignmentId.ToString("D"), Principal = "user2@contoso.com",
                                            AssignmentType = "Eligible", Recommendation = "Deny" } } });
            return 0;
        });
        var finding = Assert.Single(admin.Audit.Verify().Disagreements, d => d.Kind == "Record" && d.Detail.Contains("(AccessReview "));
        Assert.Contains("is not a verified direct assignment of the role", finding.Detail);
    }

    [Fact]
    public void Occurrences_follow_the_first_ones_start_by_calendar()
    {
        var start = new DateTime(2026, 1, 31, 9, 0, 0, DateTimeKind.Utc);
        Assert.Equal(new DateTime(2026, 2, 28, 9, 0, 0, DateTimeKind.Utc), Kernel.ReviewRules.OccurrenceStart(start, PimAccessReviewRecurrence.Monthly, 2));
        Assert.Equal(new DateTime(2026, 3, 31, 9, 0, 0, DateTimeKind.Utc), Kernel.ReviewRules.OccurrenceStart(start, PimAccessReviewRecurrence.Monthly, 3));
        Assert.Equal(start.AddDays(14), Kernel.ReviewRules.OccurrenceStart(start, PimAccessReviewRecurrence.Weekly, 3));
        Assert.Equal(new DateTime(2026, 7, 31, 9, 0, 0, DateTimeKind.Utc), Kernel.ReviewRules.OccurrenceStart(start, PimAccessReviewRecurrence.SemiAnnually, 2));
        Assert.Equal(new DateTime(2027, 1, 31, 9, 0, 0, DateTimeKind.Utc), Kernel.ReviewRules.OccurrenceStart(start, PimAccessReviewRecurrence.Annually, 2));
        Assert.Equal(new DateTime(2026, 4, 30, 9, 0, 0, DateTimeKind.Utc), Kernel.ReviewRules.OccurrenceStart(start, PimAccessReviewRecurrence.Quarterly, 2));
    }
}
