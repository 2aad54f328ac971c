using PimModule.Checkpoint;
using PimModule.Audit.Events;
using PimModule.Storage;
using PimModule.Assignments;
using PimModule.Audit;
using PimModule.Errors;
using PimModule.Identity;
using PimModule.Interop;
using PimModule.Notifications;
using PimModule.Roles;
using PimModule.Validation;

namespace PimModule.Reviews;

/// <summary>
/// Access reviews of PIM roles (Entra ID Governance's access reviews): an administrator starts a review of a role's direct
/// assignments — once or on a recurrence — with named reviewers or each holder reviewing themselves; reviewers approve or
/// deny each item while it is open; completing it applies the decisions (denied assignments are removed through AdminRemove
/// requests, as Remove-PimAssignment removes them) and the default decision to the items nobody approved or denied.
/// Every decision about who may act is made inside the transaction that writes it. In a Verified store the reviews, items
/// and decisions that count are those the verified log holds (sealed records, replayed): a row edited around the module
/// is refused, and completion applies the verified decisions, never the rows'.
/// </summary>
public sealed partial class AccessReviewService
{
    /// <summary>The default time a review is open (at most its recurrence's period).</summary>
    public static readonly TimeSpan DefaultDuration = TimeSpan.FromDays(14);

    /// <summary>How far back a holder's activity makes the recommendation Approve.</summary>
    public static readonly TimeSpan ActivityWindow = TimeSpan.FromDays(30);

    /// <summary>The most named reviewers of one review.</summary>
    public const int MaxReviewers = 50;

    public const string CreateAction = "CreateAccessReview";
    public const string DecideAction = "DecideAccessReviewItem";
    public const string CompleteAction = "CompleteAccessReview";

    private readonly StoreSession _store;
    internal AccessReviewService(StoreSession store) => _store = store;

    // ---- schedule ------------------------------------------------------------------------------------

    /// <inheritdoc cref="Kernel.ReviewRules.OccurrenceStart"/>
    private static DateTime OccurrenceStart(DateTime anchor, PimAccessReviewRecurrence recurrence, int n) => Kernel.ReviewRules.OccurrenceStart(anchor, recurrence, n);

    // ---- create --------------------------------------------------------------------------------------

    internal sealed record CreatePlan(ReviewRow Review, PimRole Role, IReadOnlyList<ReviewItemRow> Items);

    public PimAccessReview? Create(PimAccessReviewInput input, Func<PimChange, bool>? confirm = null) => _store.Change(
        work => PlanCreate(work, input),
        p => new PimChange($"'{p.Role.Name}' ({p.Review.AssignmentType} assignments: {p.Items.Count} item(s), " +
                           (p.Review.SelfReview ? "self review" : $"reviewers {string.Join(", ", p.Review.Reviewers)}") + ")",
            $"Start access review until {p.Review.End:u}" + (p.Review.Recurrence == PimAccessReviewRecurrence.None ? "" : $", {p.Review.Recurrence}")),
        (work, p) => ApplyCreate(work, p),
        confirm);

    internal static CreatePlan PlanCreate(UnitOfWork work, PimAccessReviewInput input)
    {
        if (input.Role is null) throw PimErrors.AccessReviewInvalid("Give the role to review: -Role.", null, "Add -Role '<role name>'.");
        var role = RoleService.Resolve(work, input.Role);
        Authorization.RequireRoleAdministrator(work, $"start an access review of '{role.Name}'");
        if (!Enum.IsDefined(input.AssignmentType) || !Enum.IsDefined(input.Recurrence) || !Enum.IsDefined(input.DefaultDecision))
            throw PimErrors.AccessReviewInvalid("-AssignmentType, -Recurrence or -DefaultDecision is not one of its values.", null, "Give one of the listed values.");
        var given = Input.List(input.Reviewers, "Reviewer", Input.PrincipalLength, MaxReviewers) ?? [];
        switch (Kernel.ReviewRules.WhyReviewersNot(input.SelfReview, given.Count))
        {
            case Kernel.ReviewersRefusal.Both:
                throw PimErrors.AccessReviewInvalid("Give -Reviewer or -SelfReview, not both.", given, "Name the reviewers, or let each holder review themselves (-SelfReview).");
            case Kernel.ReviewersRefusal.Neither:
                throw PimErrors.AccessReviewInvalid("Say who reviews: -Reviewer <principals> or -SelfReview.", null, "Add -Reviewer 'manager@contoso.com', or -SelfReview.");
        }
        var reviewers = given.Select(r => DirectoryMap.Canonical(work, r, "Reviewer")).Distinct(Principal.Comparer).ToList();
        var now = work.Now;
        var duration = Duration(input.Duration, input.Recurrence, now);
        var id = Guid.NewGuid();
        var review = new ReviewRow(id, role.Id, input.AssignmentType, reviewers, input.SelfReview, ReviewRow.InProgress, now, now + duration, duration,
            input.Recurrence, input.DefaultDecision, input.AutoApply, id, 1, work.Actor, now, null, null);
        // The kernel's rule for an occurrence's schedule, as the state replay judges the record. The checks above refuse, by
        // name, everything it would: a refusal here is this module's fault, never the caller's.
        if (Kernel.ReviewRules.DecideOccurrence(review.AsOccurrence(), [], now) is { } refused)
            throw new InvalidOperationException($"A new access review would not count in the verified log: {ReviewRefusals.Reason(refused, review.AsOccurrence())}.");
        return new CreatePlan(review, role, Snapshot(work, review));
    }

    /// <summary>An occurrence's duration: the one given (positive, at least a day, at most the recurrence's period), else 14 days capped by it.</summary>
    private static TimeSpan Duration(TimeSpan? given, PimAccessReviewRecurrence recurrence, DateTime start)
    {
        var period = Kernel.ReviewRules.Period(start, recurrence);
        if (given is not { } d) return DefaultDuration < period ? DefaultDuration : period;
        Times.Duration(d, "Duration");
        var refusal = Kernel.ReviewRules.WhyDurationNot(d, period);
        if (refusal == Kernel.ReviewDurationRefusal.TooShort)
            throw PimErrors.AccessReviewInvalid($"-Duration {Times.Describe(d)} is too short: a review is open at least 1 day.", d, "Give -Duration 1d or more (14d by default).");
        if (refusal == Kernel.ReviewDurationRefusal.TooLong)
            throw PimErrors.AccessReviewInvalid(recurrence == PimAccessReviewRecurrence.None
                    ? $"-Duration {Times.Describe(d)} is too long: a review is open at most {Times.Describe(Kernel.ReviewRules.MaxDuration)}."
                    : $"-Duration {Times.Describe(d)} is longer than the {recurrence} recurrence's period ({Times.Describe(period)}): an occurrence must end before the next starts.",
                d, $"Give -Duration of at most {Times.Describe(period)}.");
        return d;
    }

    /// <summary>
    /// The items of a review at its start: one per direct assignment of the role of its type in force then (never an
    /// activation), with the recommendation from the holder's activity in the 30 days before — any activation, or any
    /// record as actor in the audit log, recommends Approve; none recommends Deny. Two grouped queries, whatever the count.
    /// </summary>
    private static List<ReviewItemRow> Snapshot(UnitOfWork work, ReviewRow review)
    {
        var at = review.Start;
        var rows = AssignmentsTable.DirectOfRoleAt(work, review.RoleId, at)
            .Where(a => Kernel.ReviewRules.IsReviewable(a, review.RoleId, review.AssignmentType, at)).ToList();
        var keys = rows.Select(a => a.PrincipalKey).Distinct(StringComparer.Ordinal).ToList();
        var since = at - ActivityWindow;
        var acted = AuditLogTable.LastActedAt(work, keys, at);
        var activated = AssignmentsTable.ActivatorsBetween(work, keys, since, at);
        return rows.Select(a => new ReviewItemRow(Guid.NewGuid(), review.Id, a.Id, a.Principal, a.RoleId, a.Type,
                activated.Contains(a.PrincipalKey) || acted.TryGetValue(a.PrincipalKey, out var t) && t >= since ? PimAccessReviewDecision.Approve : PimAccessReviewDecision.Deny,
                PimAccessReviewDecision.NotReviewed, null, null, null, null))
            .ToList();
    }

    private static PimAccessReview ApplyCreate(UnitOfWork work, CreatePlan p)
    {
        AccessReviewsTable.Insert(work, p.Review);
        AccessReviewItemsTable.Insert(work, p.Items);
        AuditLog.Append(work, new AccessReviewCreated(p.Review, p.Items));
        ReviewEvents.Started(work, p.Review, p.Role, p.Items);
        return ToOutput(p.Review, p.Role.Name, work.Now, p.Items.Count, p.Items.Count);
    }

    // ---- read ----------------------------------------------------------------------------------------

    internal static PimAccessReview ToOutput(ReviewRow r, string role, DateTime now, int items, int notReviewed) => new()
    {
        ReviewId = r.Id, Role = role, RoleId = r.RoleId, AssignmentType = r.AssignmentType, Status = r.StatusAt(now), StartDateTime = r.Start,
        EndDateTime = r.End, Duration = r.Duration, Reviewers = new PimPrincipalList(r.Reviewers), SelfReview = r.SelfReview, Recurrence = r.Recurrence,
        DefaultDecision = r.DefaultDecision, AutoApply = r.AutoApply, SeriesId = r.SeriesId, Occurrence = r.Occurrence, ItemCount = items,
        NotReviewedCount = notReviewed, CreatedBy = r.CreatedBy, CreatedDateTime = r.Created, CompletedBy = r.CompletedBy, CompletedDateTime = r.Completed,
    };

    internal static PimAccessReviewItem ToOutput(ReviewItemRow i, string role) => new()
    {
        ReviewId = i.ReviewId, ItemId = i.Id, Principal = i.Principal, Role = role, RoleId = i.RoleId, AssignmentId = i.AssignmentId,
        AssignmentType = i.AssignmentType, Recommendation = i.Recommendation, Decision = i.Decision, Justification = i.Justification,
        ReviewedBy = i.ReviewedBy, ReviewedDateTime = i.Reviewed, Outcome = i.Outcome,
    };

    private static bool Decided(PimAccessReviewDecision d) => d is PimAccessReviewDecision.Approve or PimAccessReviewDecision.Deny;

    /// <summary>True when a review row counts (Verified stores: as the verified log has it).</summary>
    private static bool Believes(UnitOfWork work, ReviewRow r) => work.VerifiedNow() is not { } v || v.Believes(r);

    /// <summary>The items of a review that count: every row in a Lab store; in a Verified store the rows the verified log has as they are.</summary>
    private static List<ReviewItemRow> BelievedItems(UnitOfWork work, Guid reviewId, List<ReviewItemRow> rows)
    {
        if (work.VerifiedNow() is not { } v) return rows;
        var verified = v.ReviewItems(reviewId).ToDictionary(i => i.Id, StringComparer.OrdinalIgnoreCase);
        return rows.FindAll(i => verified.TryGetValue(i.Id.ToString("D"), out var s) && VerifiedState.Matches(s, i));
    }

    private static string RoleName(Dictionary<Guid, PimRole> roles, Guid id) => roles.TryGetValue(id, out var r) ? r.Name : id.ToString("D");

    /// <summary>The reviews (one by id, or all, newest first), optionally of some statuses at now.</summary>
    public IReadOnlyList<PimAccessReview> Get(Guid? reviewId = null, IReadOnlyCollection<PimAccessReviewStatus>? status = null) => _store.Read(work =>
    {
        var now = work.Now;
        var rows = (reviewId is { } id ? AccessReviewsTable.Find(work, id) is { } one ? [one] : [] : AccessReviewsTable.All(work))
            .Where(r => Believes(work, r)).Where(r => status is not { Count: > 0 } || status.Contains(r.StatusAt(now))).ToList();
        var roles = RolesTable.All(work).ToDictionary(r => r.Id);
        var items = AccessReviewItemsTable.Of(work, rows.Select(r => r.Id).ToList()).GroupBy(i => i.ReviewId).ToDictionary(g => g.Key, g => g.ToList());
        var all = Authorization.ReadsEverything(work);
        rows = rows.FindAll(r => all || Reviews(work, r, items.GetValueOrDefault(r.Id)));
        return (IReadOnlyList<PimAccessReview>)rows.Select(r =>
        {
            var list = BelievedItems(work, r.Id, items.GetValueOrDefault(r.Id) ?? []);
            return ToOutput(r, RoleName(roles, r.RoleId), now, list.Count, list.Count(i => !Decided(i.Decision)));
        }).ToList();
    });

    /// <summary>
    /// The items of one review, or of every review not completed; with <paramref name="pendingMine"/> only the items the
    /// acting principal may decide now and has not (open reviews, where they are a named reviewer and do not hold the
    /// assignment, or their own items of a self review).
    /// </summary>
    public IReadOnlyList<PimAccessReviewItem> GetItems(Guid? reviewId = null, bool pendingMine = false) => _store.Read(work =>
    {
        var now = work.Now;
        var me = Principal.Fold(work.Actor);
        var reviews = (reviewId is { } id ? AccessReviewsTable.Find(work, id) is { } one ? [one] : [] : AccessReviewsTable.All(work).Where(r => r.Status != ReviewRow.CompletedStatus))
            .Where(r => Believes(work, r))
            .Where(r => !pendingMine || r.StatusAt(now) == PimAccessReviewStatus.InProgress && (r.SelfReview || r.Reviewers.Any(x => Principal.Fold(x) == me)))
            .ToDictionary(r => r.Id);
        // A reviewer reads the items of the reviews they review (of a self review: their own); the roles that read PIM read
        // all; a review the caller may not read is not found, as one that does not exist (docs/security.md).
        var all = Authorization.ReadsEverything(work);
        if (!all)
        {
            var mine = reviews.Values.Any(r => r.SelfReview) ? AccessReviewItemsTable.About(work, me).Select(i => i.ReviewId).ToHashSet() : [];
            foreach (var r in reviews.Values.Where(r => r.SelfReview ? !mine.Contains(r.Id) : !r.Reviewers.Any(x => Principal.Fold(x) == me)).ToList())
                reviews.Remove(r.Id);
        }
        if (reviewId is { } wanted && !reviews.ContainsKey(wanted) && !pendingMine) throw PimErrors.AccessReviewNotFound(wanted);
        var roles = RolesTable.All(work).ToDictionary(r => r.Id);
        var rows = pendingMine && reviewId is null && reviews.Values.All(r => r.SelfReview)
            ? AccessReviewItemsTable.About(work, me).Where(i => reviews.ContainsKey(i.ReviewId)).ToList() // self reviews only: the caller's own items
            : AccessReviewItemsTable.Of(work, reviews.Keys.ToList());
        var result = new List<PimAccessReviewItem>();
        foreach (var g in rows.GroupBy(i => i.ReviewId))
        {
            var review = reviews[g.Key];
            foreach (var i in BelievedItems(work, g.Key, g.ToList()))
            {
                if (pendingMine && (i.Decision != PimAccessReviewDecision.NotReviewed || (review.SelfReview ? i.PrincipalKey != me : i.PrincipalKey == me))) continue;
                if (!all && review.SelfReview && i.PrincipalKey != me) continue;
                result.Add(ToOutput(i, RoleName(roles, i.RoleId)));
            }
        }
        return (IReadOnlyList<PimAccessReviewItem>)result;
    });

    /// <summary>Whether the acting principal reviews this review: a named reviewer, or (a self review) one whose assignment it reviews.</summary>
    private static bool Reviews(UnitOfWork work, ReviewRow r, List<ReviewItemRow>? items)
    {
        var me = Principal.Fold(work.Actor);
        return r.SelfReview ? items?.Exists(i => i.PrincipalKey == me) == true : r.Reviewers.Any(x => Principal.Fold(x) == me);
    }

    // ---- decide --------------------------------------------------------------------------------------

    internal sealed record DecidePlan(ReviewItemRow Before, ReviewItemRow After, ReviewRow Review, string Role);

    public PimAccessReviewItem? Decide(Guid itemId, PimAccessReviewDecision decision, string? justification, Func<PimChange, bool>? confirm = null) => _store.Change(
        work => PlanDecide(work, itemId, decision, justification),
        p => new PimChange($"{p.Before.Principal}'s {p.Before.AssignmentType} assignment of '{p.Role}' ({p.Before.AssignmentId}) in review {p.Review.Id}", $"Decide {p.After.Decision}"),
        (work, p) =>
        {
            AccessReviewItemsTable.Decide(work, p.After);
            AuditLog.Append(work, new AccessReviewItemDecided(p.Before, p.After));
            return ToOutput(p.After, p.Role);
        },
        confirm);

    /// <summary>Decides who may decide (inside the writing transaction): a named reviewer on others' items, or a holder on their own in a self review, while open.</summary>
    internal static DecidePlan PlanDecide(UnitOfWork work, Guid itemId, PimAccessReviewDecision decision, string? justification)
    {
        if (decision is not (PimAccessReviewDecision.Approve or PimAccessReviewDecision.Deny or PimAccessReviewDecision.DontKnow))
            throw PimErrors.AccessReviewInvalid($"-Decision {decision} is not a decision: give Approve, Deny or DontKnow.", decision, "Give -Decision Approve, Deny or DontKnow.");
        Input.Text(justification, "Justification", Input.JustificationLength);
        if (string.IsNullOrWhiteSpace(justification))
            throw PimErrors.AccessReviewInvalid("A review decision needs a justification.", itemId, "Add -Justification '<why the holder does or does not need the role>'.");
        var item = AccessReviewItemsTable.Find(work, itemId) ?? throw PimErrors.AccessReviewItemNotFound(itemId);
        var review = AccessReviewsTable.Find(work, item.ReviewId) ?? throw PimErrors.AccessReviewItemNotFound(itemId);
        if (work.VerifiedNow() is { } v && (!v.Believes(review) || v.ReviewItems(review.Id).FirstOrDefault(s => string.Equals(s.Id, item.Id.ToString("D"), StringComparison.OrdinalIgnoreCase))
                                                is not { } verified || !VerifiedState.Matches(verified, item)))
            throw PimErrors.AccessReviewUnverified(
                $"Access review item {itemId} (review {review.Id}) is not as the verified log has it: it was written or changed around PimModule. Nothing was changed.",
                itemId, "Run Test-PimAuditLog and tell your administrators; decide on the items Get-PimAccessReviewItem lists.");
        var role = RolesTable.ById(work, review.RoleId)?.Name ?? review.RoleId.ToString("D");
        switch (Kernel.ReviewRules.WhyMayNotDecide(review.StatusAt(work.Now) == PimAccessReviewStatus.Completed, review.End, review.SelfReview,
                    review.Reviewers.Select(Principal.Fold), item.PrincipalKey, Principal.Fold(work.Actor), work.Now,
                    PimGroupKey.TryParse(item.PrincipalKey, out var itemGroup) && Groups.GroupDirectory.GroupsOf(work, Principal.Fold(work.Actor)).Any(m => m.Group == itemGroup)))
        {
            case Kernel.ReviewDecisionRefusal.Completed:
                throw PimErrors.AccessReviewClosed($"The access review {review.Id} of '{role}' was completed on {review.Completed:u}; its decisions were applied and can no longer change.",
                    itemId, "Decide on the items of open reviews: Get-PimAccessReviewItem -PendingMyDecision.");
            case Kernel.ReviewDecisionRefusal.Ended:
                throw PimErrors.AccessReviewClosed($"The access review {review.Id} of '{role}' ended on {review.End:u}; it takes no more decisions.",
                    itemId, "Decide on the items of open reviews: Get-PimAccessReviewItem -PendingMyDecision.");
            case Kernel.ReviewDecisionRefusal.NotOwnItem:
                throw PimErrors.AccessReviewNotReviewer($"'{work.Actor}' may not decide on {item.Principal}'s assignment: review {review.Id} of '{role}' is a self review, where each holder decides only on their own.",
                    itemId, "Decide on your own items: Get-PimAccessReviewItem -PendingMyDecision.");
            case Kernel.ReviewDecisionRefusal.NotReviewer:
                throw PimErrors.AccessReviewNotReviewer($"'{work.Actor}' is not a reviewer of access review {review.Id} of '{role}' (its reviewers: {string.Join(", ", review.Reviewers)}).",
                    itemId, "Ask one of its reviewers to decide, or an administrator to start a review with you as a reviewer.");
            case Kernel.ReviewDecisionRefusal.OwnAssignment:
                throw PimErrors.AccessReviewOwnAssignment($"'{work.Actor}' may not decide on their own assignment of '{role}' in review {review.Id}: a reviewer never reviews themselves.",
                    itemId, "Leave it to another reviewer; if none decides, the review's default decision applies when it completes.");
        }
        var after = item with { Decision = decision, Justification = justification, ReviewedBy = work.Actor, Reviewed = work.Now };
        return new DecidePlan(item, after, review, role);
    }

    // ---- complete ------------------------------------------------------------------------------------

    /// <summary>One item as completion sees it (Verified stores: the verified decision and recommendation, never the row's).</summary>
    internal sealed record Final(Guid ItemId, Guid AssignmentId, string Principal, PimAccessReviewDecision Decision, PimAccessReviewDecision? Applied);

    internal sealed record CompletePlan(ReviewRow Review, PimRole? Role, string RoleName, IReadOnlyList<Final> Items);

    public PimAccessReview? Complete(Guid reviewId, Func<PimChange, bool>? confirm = null) => _store.Change(
        work => PlanComplete(work, reviewId),
        p => new PimChange($"Access review {p.Review.Id} of '{p.RoleName}'",
            $"Complete and apply: keep {p.Items.Count(i => i.Applied == PimAccessReviewDecision.Approve)}, remove {p.Items.Count(i => i.Applied == PimAccessReviewDecision.Deny)}, " +
            $"leave {p.Items.Count(i => i.Applied is null)} unchanged"),
        ApplyComplete,
        confirm);

    internal static CompletePlan PlanComplete(UnitOfWork work, Guid reviewId)
    {
        var review = AccessReviewsTable.Find(work, reviewId) ?? throw PimErrors.AccessReviewNotFound(reviewId);
        var role = RolesTable.ById(work, review.RoleId);
        var name = role?.Name ?? review.RoleId.ToString("D");
        Authorization.RequireRoleAdministrator(work, $"complete access reviews of '{name}' (completing removes the denied assignments)");
        var v = work.VerifiedNow();
        if (v is not null && !v.Believes(review))
            throw PimErrors.AccessReviewUnverified(
                $"Access review {reviewId} is not as the verified log has it: it was written or changed around PimModule, and nothing of it is applied. Nothing was changed.",
                reviewId, "Run Test-PimAuditLog and find out who changed the store outside PimModule.");
        if (review.Status == ReviewRow.CompletedStatus)
            throw PimErrors.AccessReviewClosed($"Access review {reviewId} of '{name}' was completed already, on {review.Completed:u}.", reviewId,
                "List the open reviews: Get-PimAccessReview -Status InProgress, Ended.");
        var rows = AccessReviewItemsTable.Of(work, reviewId);
        List<(Guid Id, Guid Assignment, string Principal, PimAccessReviewDecision Recommendation, PimAccessReviewDecision Decision)> items;
        if (v is null)
            items = rows.ConvertAll(i => (i.Id, i.AssignmentId, i.Principal, i.Recommendation, i.Decision));
        else
        {
            // What the verified log holds decides; a row only lends its principal's spelling.
            var byId = rows.ToDictionary(i => i.Id);
            items = v.ReviewItems(reviewId).Select(s =>
            {
                var id = Guid.Parse(s.Id);
                return (id, Guid.Parse(s.AssignmentId), byId.TryGetValue(id, out var row) && row.PrincipalKey == s.PrincipalKey ? row.Principal : s.PrincipalKey,
                    Enum.Parse<PimAccessReviewDecision>(s.Recommendation), Enum.Parse<PimAccessReviewDecision>(s.Decision));
            }).OrderBy(i => i.Item3, StringComparer.Ordinal).ToList();
        }
        var finals = items.ConvertAll(i => new Final(i.Id, i.Assignment, i.Principal, i.Decision, Decided(i.Decision) ? i.Decision : review.DefaultDecision switch
        {
            PimAccessReviewDefaultDecision.Approve => PimAccessReviewDecision.Approve,
            PimAccessReviewDefaultDecision.Deny => PimAccessReviewDecision.Deny,
            PimAccessReviewDefaultDecision.Recommendation => i.Recommendation,
            _ => null,
        }));
        return new CompletePlan(review, role, name, finals);
    }

    internal static PimAccessReview ApplyComplete(UnitOfWork work, CompletePlan p)
    {
        var outcomes = new List<AccessReviewOutcome>(p.Items.Count);
        foreach (var i in p.Items)
        {
            string outcome;
            if (i.Applied == PimAccessReviewDecision.Deny)
            {
                // Removed as Remove-PimAssignment removes it (an AdminRemove request, its activations ended), each checked when
                // its turn comes: the last administrator is never removed, whatever the review decided.
                // Only the plan (which writes nothing) may refuse: a refusal there leaves the item's assignment as it is.
                AssignmentService.RemovePlan? plan = null;
                try
                {
                    plan = AssignmentService.PlanRemove(work, i.AssignmentId);
                    outcome = "Removed";
                }
                catch (PimException e) when (e.ErrorId == PimErrors.IdOf(nameof(PimErrors.AssignmentNotFound)))
                {
                    outcome = "AlreadyRemoved";
                }
                catch (PimException e) when (e is not PimStoreException)
                {
                    outcome = $"NotRemoved: {e.ErrorId}";
                }
                if (plan is not null)
                {
                    AssignmentService.ApplyRemove(work, plan);
                    ReviewEvents.Removed(work, plan.Row, plan.Role, p.Review);
                }
            }
            else outcome = i.Applied == PimAccessReviewDecision.Approve ? "Kept" : "Unchanged";
            AccessReviewItemsTable.SetOutcome(work, i.ItemId, outcome);
            outcomes.Add(new AccessReviewOutcome(i.ItemId, i.AssignmentId, (i.Applied ?? PimAccessReviewDecision.NotReviewed).ToString(), outcome));
        }
        AccessReviewsTable.Complete(work, p.Review.Id, work.Actor, work.Now);
        AuditLog.Append(work, new AccessReviewCompleted(p.Review.Id, p.Review.RoleId, outcomes));
        var done = p.Review with { Status = ReviewRow.CompletedStatus, CompletedBy = work.Actor, Completed = work.Now };
        return ToOutput(done, p.RoleName, work.Now, p.Items.Count, p.Items.Count(i => !Decided(i.Decision)));
    }

}
