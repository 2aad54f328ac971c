using PimModule.Storage;
using PimModule.Identity;

namespace PimModule.Notifications;

/// <summary>
/// What access reviews send: each reviewer hears that a review started (a self review: each holder, about their own
/// assignment), once per review (its dedupe key); a holder whose assignment a review removed hears why. Queued in the
/// event's transaction (the outbox). Every value in a mail is text the store validated (principals, role names, limited
/// justifications without control characters); values put into a PowerShell command are quoted.
/// </summary>
internal static class ReviewEvents
{
    public const string ReviewStarted = "AccessReviewStarted";
    public const string ReviewRemoved = "AccessReviewRemoved";

    private static string Quote(string s) => "'" + s.Replace("'", "''") + "'";

    public static void Started(UnitOfWork work, ReviewRow review, PimRole role, IReadOnlyList<ReviewItemRow> items)
    {
        var pending = work.Participant<Outbox.Pending>().Messages;
        var what = $"{review.AssignmentType.ToString().ToLowerInvariant()} assignment(s) of the role '{role.Name}'";
        var until = $"{review.End:yyyy-MM-dd HH:mm} UTC";
        var fallback = review.DefaultDecision switch
        {
            PimAccessReviewDefaultDecision.Approve => "kept",
            PimAccessReviewDefaultDecision.Deny => "removed",
            PimAccessReviewDefaultDecision.Recommendation => "decided by their recommendation",
            _ => "left as they are",
        };
        var how = $"  Get-PimAccessReviewItem -ReviewId {review.Id} -PendingMyDecision |\n" +
                  "    Set-PimAccessReviewDecision -Decision Approve -Justification '<why the role is still needed>'\n" +
                  "  (or -Decision Deny, or -Decision DontKnow)\n";
        void Add(string recipient, PimNotificationRecipient type, string subject, string body)
        {
            pending.Add(new Outbox.Message(ReviewStarted, type, recipient, subject, body, role.Id, null, null, null, true,
                $"{ReviewStarted}|{review.Id:D}|{Principal.Fold(recipient)}", Outbox.Undeliverable(recipient, type)));
        }
        if (review.SelfReview)
        {
            foreach (var holder in items.GroupBy(i => i.PrincipalKey))
            {
                var principal = holder.First().Principal;
                Add(principal, PimNotificationRecipient.Requestor, $"PIM: Access review — do you still need {role.Name}?",
                    $"{review.CreatedBy} started an access review of the {what}, in which each holder reviews their own.\n" +
                    $"You ({principal}) hold {holder.Count()} of them. Say by {until} whether you still need it:\n\n{how}\n" +
                    $"Items nobody decides are {fallback} when the review completes.\n");
            }
            return;
        }
        var body = $"{review.CreatedBy} started an access review of the {what}: {items.Count} item(s), and you are one of its reviewers. " +
                   $"Decide by {until} whether each holder still needs the role:\n\n{how}\n" +
                   $"Holders' recommendations come from their activity in the 30 days before the review; items nobody approves or denies are {fallback} when the review completes.\n" +
                   "You never decide on your own assignment.\n";
        foreach (var reviewer in review.Reviewers)
            Add(reviewer, PimNotificationRecipient.Approver, $"PIM: Access review of {role.Name} — your decisions are needed", body);
    }

    public static void Removed(UnitOfWork work, AssignmentRow a, PimRole role, ReviewRow review)
    {
        var rule = a.Type == PimAssignmentType.Eligible ? PimNotificationEvent.EligibleAssigned : PimNotificationEvent.ActiveAssigned;
        Outbox.Queue(work, role, rule, PimNotificationRecipient.Requestor, [a.Principal], ReviewRemoved,
            $"PIM: Your {role.Name} assignment was removed by an access review",
            $"The access review {review.Id} of the role '{role.Name}' ended, and your {a.Type.ToString().ToLowerInvariant()} assignment at scope {a.Scope} " +
            $"({a.Id}) was removed ({work.Actor} applied it).\n\nIf you still need the role, ask an administrator for a new assignment; " +
            $"the decision is in Get-PimAccessReviewItem -ReviewId {review.Id}, and in Get-PimRequest -Action AdminRemove -Role {Quote(role.Name)}.\n",
            critical: true, principal: a.Principal, assignmentId: a.Id);
    }
}
