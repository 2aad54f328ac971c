using PimModule.Checkpoint;
using PimModule.Storage;
using PimModule.Audit;
using PimModule.Notifications;
using PimModule.Policy;

namespace PimModule.Verification;

/// <summary>
/// Test-PimAuditLog in a Verified store: the whole log replayed into a fresh state (trusting no checkpoint), then every
/// state row of the store compared with it — assignments (missing, different, or unverified), self-service requests,
/// role settings and mail settings — and every sealed change its actor was not entitled to.
/// </summary>
internal static class StateCheck
{
    /// <summary>At most this many disagreements are listed (the count says how many there were).</summary>
    public const int MaxListed = 1000;

    public static PimAuditVerification Verify(UnitOfWork work, Action<long>? progress = null, long? since = null, IReadOnlyList<LogArchive.File>? archives = null)
    {
        if (work.IdentityMode != PimIdentityMode.Verified)
            return since is null ? AuditLog.Verify(work) : throw Errors.PimErrors.IdentityModeMismatch("A Lab store has no snapshots: -Since is for Verified stores.", since,
                "Run Test-PimAuditLog without -Since.");
        using var fresh = VerifiedState.InMemory(CheckpointSync.Instance);
        // A log whose beginning was archived is replayed across its archives when they are given, else from the snapshot the
        // newest archive ends at (ReplayedFrom says so).
        fresh.StartFrom = since ?? (archives is { Count: > 0 } ? null : Snapshots.SnapshotStart.Archived(work));
        fresh.Archives = since is null ? archives : null;
        var check = fresh.Sync(work, progress);
        check = new PimAuditVerification
        {
            IsValid = check.IsValid, RecordsChecked = check.RecordsChecked, FirstInvalidRecord = check.FirstInvalidRecord, FirstInvalidSequence = check.FirstInvalidSequence,
            Reason = check.Reason, IdentityMode = check.IdentityMode, SealsChecked = check.SealsChecked, ReplayedFrom = fresh.StartedAt, SnapshotsCompared = fresh.SnapshotsCompared,
        };
        if (!check.IsValid) return check;
        var found = new List<PimStateDisagreement>();
        long total = 0;
        void Add(string kind, string id, string problem, string detail)
        {
            total++;
            if (found.Count < MaxListed) found.Add(new PimStateDisagreement { Kind = kind, Id = id, Problem = problem, Detail = detail });
        }
        // Each archive read is the file its ArchiveLog record names (the chain across it verified; its SHA-256 said too).
        if (archives is { Count: > 0 } && since is null)
        {
            var named = LogArchive.All(work);
            foreach (var file in archives)
                if (!string.Equals(file.StoreId, StoreInfoTable.Get(work, StoreInfoTable.StoreId), StringComparison.OrdinalIgnoreCase)
                    || !named.Any(a => a.Until == file.Until && a.Sha256 == file.Sha256))
                    Add("Archive", file.Path, "Different", $"The archive '{file.Path}' (records {file.From + 1}-{file.Until}) is not the file an ArchiveLog record of the log names (its SHA-256 or store differs).");
        }
        while (fresh.Notices.TryDequeue(out var notice))
            Add("Snapshot", notice.Target?.ToString() ?? "", notice.ErrorId == Errors.PimErrors.IdOf(nameof(Errors.PimErrors.SnapshotMismatch)) ? "Mismatch" : "Invalid", notice.Message);
        foreach (var (seq, kind, id, reason, problem) in fresh.Refused())
            Add("Record", seq.ToString(System.Globalization.CultureInfo.InvariantCulture), problem, reason + (id is null ? "" : $" ({kind} {id})"));

        // Assignments: every row of the store against the verified digests (by id), then what the store lost.
        var verified = new Dictionary<Guid, byte[]>();
        foreach (var (id, digest) in fresh.AllAssignments())
            if (Guid.TryParse(id, out var g)) verified[g] = digest;
        var stored = AssignmentsTable.AllAsStored(work, (id, e) =>
        {
            if (Guid.TryParse(id, out var g)) verified.Remove(g);
            Add("Assignment", id, "Different", e.Message + " It grants nothing.");
        });
        foreach (var a in stored)
        {
            if (!verified.Remove(a.Id, out var digest))
            {
                Add("Assignment", a.Id.ToString("D"), "Unverified", "The store holds this assignment; the verified log does not (it was written or put back around PimModule). It grants nothing.");
                continue;
            }
            var view = Audit.Events.AssignmentView.Of(a).Json;
            if (!digest.AsSpan().SequenceEqual(VerifiedState.DigestOf(view)))
                Add("Assignment", a.Id.ToString("D"), "Different", $"The store holds {view}, which is not the assignment the verified log holds (another end, scope, role, principal or type): it grants nothing.");
        }
        foreach (var id in verified.Keys.Order())
            Add("Assignment", id.ToString("D"), "Missing", "The verified log holds this assignment; the store does not.");

        // Self-service requests: every one in the store is as the log has it.
        foreach (var q in RequestsTable.SelfService(work))
            if (!fresh.Believes(q))
                Add("Request", q.Id.ToString("D"), fresh.Request(q.Id) is null ? "Unverified" : "Different",
                    $"The store holds request {q.Id} ({q.Action}, {q.Status}) as the verified log does not. It counts for nothing.");

        // Role settings: the store's rule rows say what an administrator sealed.
        var sealedPolicies = fresh.AllPolicies().ToDictionary(p => p.RoleId, StringComparer.OrdinalIgnoreCase);
        var storedRules = PolicyRulesTable.All(work).ToLookup(r => r.RoleId);   // one read for every role
        foreach (var group in storedRules.Select(g => g.Key).Concat(sealedPolicies.Keys.Select(Guid.Parse)).Distinct())
        {
            var rows = storedRules[group].Select(r => (r.RuleId, r.ValueJson));
            var storedPolicy = AuditLog.ToJson(RolePolicy.FromRules(rows).Describe());
            var expected = sealedPolicies.TryGetValue(group.ToString("D"), out var p)
                ? p.Rules is { } rules ? AuditLog.ToJson(RolePolicy.FromRulesJson(rules).Describe()) : p.Describe
                : AuditLog.ToJson(RolePolicy.FromRules([]).Describe());
            if (storedPolicy != expected)
                Add("RoleSetting", group.ToString("D"), "Different", "The store's rules of this role say other settings than an administrator sealed. The sealed settings apply.");
        }

        // Access reviews and their items: every row as the verified log has it (decisions too).
        var reviews = AccessReviewsTable.All(work);
        var items = AccessReviewItemsTable.Of(work, reviews.Select(r => r.Id).ToList()).ToLookup(i => i.ReviewId);
        foreach (var review in reviews)
        {
            if (!fresh.Believes(review))
                Add("AccessReview", review.Id.ToString("D"), fresh.Review(review.Id) is null ? "Unverified" : "Different",
                    $"The store holds access review {review.Id} ({review.Status}) as the verified log does not: it was written or changed around PimModule, and nothing of it is applied.");
            var verifiedItems = fresh.ReviewItems(review.Id).ToDictionary(i => i.Id, StringComparer.OrdinalIgnoreCase);
            foreach (var i in items[review.Id])
                if (!verifiedItems.TryGetValue(i.Id.ToString("D"), out var v) || !VerifiedState.Matches(v, i))
                    Add("AccessReviewItem", i.Id.ToString("D"), v is null ? "Unverified" : "Different",
                        $"The store holds {i.Principal}'s item of access review {review.Id} with decision {i.Decision} as the verified log does not: " +
                        $"the verified decision ({v?.Decision ?? "none"}) is the one applied.");
        }

        foreach (var (kind, id, problem, detail) in Groups.GroupService.Disagreements(work, fresh)) Add(kind, id, problem, detail);
        // Mail settings.
        var mail = NotificationService.ReadMailSetting(work);
        if (fresh.Mail() is { } sealedMail ? sealedMail != AuditLog.ToJson(mail) : !string.IsNullOrEmpty(mail.SmtpServer))
            Add("MailSetting", "mail", "Different", "The store's mail settings are not the ones an administrator sealed: nothing is sent until an administrator sets them again.");

        if (total == 0) return check;
        return new PimAuditVerification
        {
            IsValid = false, RecordsChecked = check.RecordsChecked, SealsChecked = check.SealsChecked, IdentityMode = PimIdentityMode.Verified,
            ReplayedFrom = check.ReplayedFrom, SnapshotsCompared = check.SnapshotsCompared,
            Reason = $"{total} state row(s) or change(s) disagree with the verified log (see Disagreements): they count for nothing. " +
                     found[0].Kind + " " + found[0].Id + ": " + found[0].Detail,
            FirstInvalidSequence = found.FirstOrDefault(f => f.Kind == "Record") is { } r && long.TryParse(r.Id, out var s) ? s : null,
            Disagreements = found,
        };
    }
}
