using System.Text.Json;
using PimModule.Audit;
using PimModule.Audit.Events;
using Xunit;

namespace PimModule.Tests;

/// <summary>
/// Issue 29: every audit action is one sealed record type (Audit/Events). The log's format does not change with them:
/// each event writes, byte for byte, what the anonymous object it replaced wrote (kept here as the format's
/// specification), so the records of every store written before keep their hashes, seals and meaning; and each payload
/// reads back as its type — the reader the state replay, the seal verifier and the alerts share.
/// </summary>
public sealed class AuditEventTests
{
    private static readonly Guid Id1 = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");
    private static readonly Guid Id2 = Guid.Parse("7c9e6679-7425-40de-944b-e07fc1f90ae7");
    private static readonly Guid Id3 = Guid.Parse("16fd2706-8baf-433b-82eb-8c7fada847da");
    private static readonly DateTime T0 = new(2026, 6, 1, 8, 0, 0, DateTimeKind.Utc);

    private static string? Json(object? value) => AuditLog.ToJson(value);

    /// <summary>What the replaced code wrote: System.Text.Json's defaults over the anonymous object.</summary>
    private static string Old(object value) => JsonSerializer.Serialize(value, value.GetType(), new JsonSerializerOptions { WriteIndented = false });

    private static void Same(object old, object? written) => Assert.Equal(Old(old), Json(written));

    private static AssignmentRow Row(DateTime? end = null, Guid? eligible = null) => new(Id1, "user1@contoso.com", RoleCatalog.PrivilegedRoleAdministrator, "/",
        PimAssignmentType.Active, PimMemberType.Activated, T0, end, "INC1: patch ü", null, "ServiceNow", "admin@contoso.com", T0, Id2, eligible);

    [Fact]
    public void An_activation_request_writes_what_it_always_wrote_and_reads_back()
    {
        foreach (var (assignment, mfa, justification) in new[] { ((Guid?)Id3, true, (string?)"fix \"prod\""), (null, false, null) })
        {
            var e = new ActivationRequested(Id1, Id2, "user1@contoso.com", new ActivationRequest
            {
                RequestId = Id1, Status = "Provisioned", Scope = "/", StartDateTime = T0, EndDateTime = T0.AddHours(8), Duration = TimeSpan.FromHours(8).ToString("c"),
                Justification = justification, TicketNumber = null, MfaVerified = mfa, AuthenticationContextId = null, AssignmentId = assignment,
            });
            Same(new { RequestId = Id1, Status = "Provisioned", Scope = "/", StartDateTime = T0, EndDateTime = T0.AddHours(8), Duration = "08:00:00",
                Justification = justification, TicketNumber = (string?)null, MfaVerified = mfa, AuthenticationContextId = (string?)null, AssignmentId = assignment }, e.After);
            Assert.Equal(("SelfActivate", "Request", Id1.ToString("D")), (e.Action, e.TargetType, e.TargetId));
            var read = EventJson.Read<ActivationRequest>(Json(e.After))!;
            Assert.Equal((assignment, mfa, justification, TimeSpan.FromHours(8), T0.AddHours(8)), (read.AssignmentId, read.MfaVerified, read.Justification, read.Asked, read.EndDateTime));
            Assert.True(read.HasTexts);
        }
        // A record of an earlier PimModule, without the requester's texts: read as not carrying them.
        Assert.False(EventJson.Read<ActivationRequest>("""{"RequestId":"0f8fad5b-d9cb-469f-a165-70867728950e","Status":"PendingApproval"}""")!.HasTexts);
    }

    [Fact]
    public void Extension_and_renewal_requests_write_what_they_always_wrote()
    {
        var asks = new ExtensionRequest { RequestId = Id1, AssignmentId = Id2, Duration = TimeSpan.FromDays(30).ToString("c"), Justification = null };
        var old = new { RequestId = Id1, AssignmentId = Id2, Duration = "30.00:00:00", Justification = (string?)null };
        Same(old, new ExtensionRequested(Id1, Id3, "user1@contoso.com", asks).After);
        Assert.Equal("SelfExtend", new ExtensionRequested(Id1, Id3, "u@contoso.com", asks).Action);
        Assert.Equal("SelfRenew", new RenewalRequested(Id1, Id3, "u@contoso.com", asks).Action);
        Assert.Equal(TimeSpan.FromDays(30), EventJson.Read<ExtensionRequest>(Json(asks))!.Asked);
    }

    [Fact]
    public void Decisions_write_what_they_always_wrote()
    {
        var pending = new { Status = "PendingApproval", Stage = 2L };
        var stage = new RequestApproved(Id1, Id2, "user1@contoso.com", 2, new RequestDecision("PendingApproval", 3, "StageApproved", "a1@contoso.com", null, null, null, 1, 1));
        Same(pending, stage.Before);
        Same(new { Status = "PendingApproval", Stage = 3L, Outcome = "StageApproved", ApprovedBy = "a1@contoso.com", Justification = (string?)null, Approvals = 1, RequiredApprovals = 1 }, stage.After);
        var last = new RequestApproved(Id1, Id2, "user1@contoso.com", 2, new RequestDecision("Provisioned", 2, "Provisioned", "a1@contoso.com", null, "ok", Id3, 2, 2));
        Same(new { Status = "Provisioned", Stage = 2L, Outcome = "Provisioned", ApprovedBy = "a1@contoso.com", Justification = (string?)"ok", AssignmentId = (Guid?)Id3, Approvals = 2, RequiredApprovals = 2 }, last.After);
        Assert.Equal(Id3, EventJson.Read<RequestDecision>(Json(last.After))!.AssignmentId);
        var denied = new RequestDenied(Id1, Id2, "user1@contoso.com", 1, "a1@contoso.com", "no");
        Same(new { Status = "PendingApproval", Stage = 1L }, denied.Before);
        Same(new { Status = "Denied", Stage = 1L, Outcome = "Denied", DeniedBy = "a1@contoso.com", Justification = (string?)"no" }, denied.After);
        Assert.Equal("no", EventJson.Read<RequestDecision>(Json(denied.After))!.Justification);
        var canceled = new RequestCanceled(Id1, Id2, "user1@contoso.com");
        Same(new { Status = "PendingApproval" }, canceled.Before);
        Same(new { Status = "Canceled" }, canceled.After);
        var expired = new RequestExpired(Id1, Id2, "user1@contoso.com", 1);
        Same(new { Status = "PendingApproval", Stage = 1L }, expired.Before);
        Same(new { Status = "Expired", Stage = 1L }, expired.After);
        Assert.Equal(new[] { "ApproveRequest", "DenyRequest", "CancelRequest", "ExpireRequest" }, new AuditEvent[] { stage, denied, canceled, expired }.Select(e => e.Action));
    }

    [Fact]
    public void Assignment_changes_write_the_assignment_and_read_it_back()
    {
        var row = Row(T0.AddHours(8), Id3);
        var json = Json(new SelfActivated(row).After)!;
        Assert.Equal(@"{""AssignmentId"":""0f8fad5b-d9cb-469f-a165-70867728950e"",""Principal"":""user1@contoso.com"",""RoleId"":""e8611ab8-c189-46e8-94e1-60213ab1f814""," +
                     @"""Scope"":""/"",""Type"":""Active"",""MemberType"":""Activated"",""StartDateTime"":""2026-06-01T08:00:00Z"",""EndDateTime"":""2026-06-01T16:00:00Z""," +
                     @"""Justification"":""INC1: patch \u00FC"",""TicketNumber"":null,""TicketSystem"":""ServiceNow"",""EligibleId"":""16fd2706-8baf-433b-82eb-8c7fada847da""}", json);
        var read = AssignmentView.Read(json, Id1.ToString("D"))!;
        Assert.Equal((Id3, T0.AddHours(8), DateTimeKind.Utc), (read.EligibleId!.Value, read.EndDateTime!.Value, read.StartDateTime!.Value.Kind));
        // Another assignment's id, a type or member type PIM does not have, an end that is not a time: not an assignment.
        Assert.Null(AssignmentView.Read(json, Id2.ToString("D")));
        Assert.Null(AssignmentView.Read(json.Replace("\"Activated\"", "\"Owner\"")));
        Assert.Null(AssignmentView.Read(json.Replace("\"2026-06-01T16:00:00Z\"", "\"soon\"")));
        Assert.Null(AssignmentView.Read(json.Replace("\"2026-06-01T16:00:00Z\"", "16")));
        // A time with an offset is that instant, in UTC.
        Assert.Equal(T0, AssignmentView.Read(json.Replace("\"2026-06-01T08:00:00Z\"", "\"2026-06-01T10:00:00+02:00\""))!.StartDateTime);
        var removed = new AdminRemoved(row);
        Assert.Equal((json, (string?)null, "AdminRemove"), (Json(removed.Before), Json(removed.After), removed.Action));
        Assert.Equal(new[] { "AdminAssign", "AdminUpdate", "AdminRemove", "AdminExtend", "AdminRenew" },
            new[] { PimRequestAction.AdminAssign, PimRequestAction.AdminUpdate, PimRequestAction.AdminRemove, PimRequestAction.AdminExtend, PimRequestAction.AdminRenew }
                .Select(a => AssignmentChange.Of(a, row, row).Action));
        Assert.Equal("SelfDeactivate", new SelfDeactivated(row, null).Action);
        Assert.Throws<ArgumentOutOfRangeException>(() => AssignmentChange.Of(PimRequestAction.SelfActivate, row, row));
    }

    [Fact]
    public void Access_review_records_write_what_they_always_wrote()
    {
        var review = new ReviewRow(Id1, Id2, PimAccessReviewAssignmentType.Eligible, ["r1@contoso.com"], false, ReviewRow.InProgress, T0, T0.AddDays(7), TimeSpan.FromDays(7),
            PimAccessReviewRecurrence.Monthly, PimAccessReviewDefaultDecision.Deny, true, Id3, 2, "admin@contoso.com", T0, null, null);
        var item = new ReviewItemRow(Id3, Id1, Id2, "user1@contoso.com", Id2, PimAssignmentType.Eligible, PimAccessReviewDecision.Approve, PimAccessReviewDecision.NotReviewed,
            null, null, null, null);
        Same(new
        {
            ReviewId = Id1.ToString("D"), RoleId = Id2.ToString("D"), AssignmentType = "Eligible", Reviewers = (IReadOnlyList<string>)["r1@contoso.com"], SelfReview = false,
            StartDateTime = T0, EndDateTime = T0.AddDays(7), Duration = "7.00:00:00", Recurrence = "Monthly", DefaultDecision = "Deny", AutoApply = true,
            SeriesId = Id3.ToString("D"), Occurrence = 2,
            Items = new[] { new { ItemId = Id3.ToString("D"), AssignmentId = Id2.ToString("D"), Principal = "user1@contoso.com", AssignmentType = "Eligible", Recommendation = "Approve" } },
        }, new AccessReviewCreated(review, [item]).After);
        var decided = item with { Decision = PimAccessReviewDecision.Deny, Justification = "left", ReviewedBy = "r1@contoso.com" };
        var e = new AccessReviewItemDecided(item, decided);
        Same(new { Decision = "NotReviewed", ReviewedBy = (string?)null }, e.Before);
        Same(new { ReviewId = Id1.ToString("D"), ItemId = Id3.ToString("D"), AssignmentId = Id2.ToString("D"), Principal = "user1@contoso.com", Decision = "Deny",
            Justification = (string?)"left", ReviewedBy = (string?)"r1@contoso.com" }, e.After);
        var done = new AccessReviewCompleted(Id1, Id2, [new AccessReviewOutcome(Id3, Id2, "Deny", "Removed")]);
        Same(new { Status = "InProgress" }, done.Before);
        Same(new { ReviewId = Id1.ToString("D"), Status = "Completed", Items = new object[] { new { ItemId = Id3.ToString("D"), AssignmentId = Id2.ToString("D"), Decision = "Deny", Outcome = "Removed" } } },
            done.After);
        Assert.Equal(7, EventJson.Read<AccessReviewView>(Json(new AccessReviewCreated(review, [item]).After))!.EndDateTime!.Value.Day - T0.Day);
    }

    [Fact]
    public void Key_and_store_records_write_what_they_always_wrote()
    {
        Same(new { Principal = "u@contoso.com", PublicKey = "PEM", Thumbprint = "AB" }, new CredentialProposed("AB", "u@contoso.com", "PEM").After);
        Same(new { Principal = "u@contoso.com", PublicKey = "PEM", Thumbprint = "AB" }, new CredentialRegistered("AB", "u@contoso.com", "PEM", false).After);
        Same(new { Principal = "u@contoso.com", PublicKey = "PEM", Thumbprint = "AB", Root = true }, new CredentialRegistered("AB", "u@contoso.com", "PEM", true).After);
        Same(new { Principal = "u@contoso.com", Thumbprint = "AB" }, new CredentialRevoked("AB", "u@contoso.com").After);
        Same(new { Principal = "u@contoso.com", Thumbprint = "AB", RotatedTo = "CD" }, new CredentialRevoked("AB", "u@contoso.com", "CD").After);
        Assert.True(EventJson.Read<CredentialView>(Json(new CredentialRegistered("AB", "u@contoso.com", "PEM", true).After))!.IsRoot);
        Same(new { StoreId = "s", CreatedBy = "a@contoso.com", IdentityMode = "Verified", RootPublicKey = "PEM", RootThumbprint = "AB", BuiltInRoles = 3 },
            new StoreCreated("a@contoso.com", new StoreGenesis("s", "a@contoso.com", "Verified", "PEM", "AB", 3)).After);
        Same(new { CreatedBy = "a@contoso.com", BuiltInRoles = 3 }, new StoreCreated("a@contoso.com", new StoreGenesis(null, "a@contoso.com", null, null, null, 3)).After);
        Same(new { RestoredTo = new { Sequence = 7L, Hash = "h" }, Reason = "disk" }, new RestoreConfirmed("s", 7, "h", "disk").After);
        var migrated = new SchemaMigrated("s", 9, new SchemaMigration(10, ["0010 x"]));
        Same(new { SchemaVersion = 9 }, migrated.Before);
        Same(new { SchemaVersion = 10, Migrations = new[] { "0010 x" } }, migrated.After);
        Same(new { Before = T0, Requests = 1, Assignments = 2, Notifications = 3 }, new HistoryPruned(new Pruning(T0, 1, 2, 3)).After);
        // Protect-PimStore's record (a JsonObject before).
        var view = System.Text.Json.Nodes.JsonNode.Parse(Json(new AdminAssigned(Row()).After)!) as System.Text.Json.Nodes.JsonObject;
        var mail = System.Text.Json.Nodes.JsonNode.Parse("""{"SmtpServer":null,"Port":25}""");
        var protection = new StoreProtection("s", "a@contoso.com", "Verified", "PEM", "AB", [view], 4, new Dictionary<string, string> { [Id2.ToString("D")] = """{"r":"v"}""" }, mail);
        var old = new System.Text.Json.Nodes.JsonObject
        {
            ["StoreId"] = "s", ["CreatedBy"] = "a@contoso.com", ["IdentityMode"] = "Verified", ["RootPublicKey"] = "PEM", ["RootThumbprint"] = "AB",
            ["Endorsed"] = new System.Text.Json.Nodes.JsonArray(System.Text.Json.Nodes.JsonNode.Parse(view!.ToJsonString())), ["MfaMethodsRemoved"] = 4,
            ["Policies"] = new System.Text.Json.Nodes.JsonObject { [Id2.ToString("D")] = """{"r":"v"}""" }, ["Mail"] = System.Text.Json.Nodes.JsonNode.Parse(mail!.ToJsonString()),
        };
        Assert.Equal(old.ToJsonString(), Json(new StoreProtected("s", "a@contoso.com", protection).After));
        var back = EventJson.Read<StoreProtection>(old.ToJsonString())!;
        Assert.Equal(("s", "PEM", """{"r":"v"}"""), (back.Root.StoreId, back.Root.RootPublicKey, back.Policies![Id2.ToString("D")]));
        Assert.Equal(view.ToJsonString(), back.Endorsed![0]!.ToJsonString());
    }

    [Fact]
    public void Settings_directory_role_mfa_and_notice_records_write_what_they_always_wrote()
    {
        var role = new PimRole { Name = "Reader", Id = Id1, Description = "reads", IsBuiltIn = false, IsPrivileged = true };
        Same(new { role.Name, role.Id, role.Description, role.IsBuiltIn, role.IsPrivileged }, new RoleAdded(role).After);
        Same(new { role.Name, role.Id, role.Description, role.IsBuiltIn, role.IsPrivileged }, new RoleRemoved(role).Before);
        Same(new { Id = Id1.ToString("D"), UserPrincipalName = "u@contoso.com", DisplayName = (string?)"U" },
            new DirectoryObjectImported(new DirectoryObjectView(Id1, "u@contoso.com", "U")).After);
        Same(new { Principal = "u@contoso.com", Method = "TOTP", LockLifted = true }, new MfaMethodRegistered("u@contoso.com", true).After);
        var failure = new MfaRefusal("u@contoso.com", "Activation", "Reader", "wrong code", 5, 1, T0);
        Same(new { Principal = "u@contoso.com", Purpose = "Activation", Role = "Reader", Reason = "wrong code", FailedInARow = 5, Lockouts = 1, LockedUntil = (DateTime?)T0 },
            new MfaFailed(Id1, failure).After);
        Assert.Equal(T0, EventJson.Read<MfaRefusal>(Json(failure))!.LockedUntil);
        Same(new { Principal = "u@contoso.com", Refused = "Request-PimActivation", Writes = 30, Window = "01:00:00", RetryAfter = T0 },
            new RateLimited(new RateLimit("u@contoso.com", "Request-PimActivation", 30, "01:00:00", T0)).After);
        var queued = Json(new NotificationsQueued(NotificationsQueued.Write([(Id1, "d1"), (Id2, "d2")])).After);
        Assert.Equal(Old(new[] { new { Id = Id1, Digest = "d1" }, new { Id = Id2, Digest = "d2" } }), queued);
        Assert.Equal(["d1", "d2"], EventJson.Read<List<QueuedNotice?>>(queued)!.Select(n => n!.Digest));
        // A role's settings: what they say, and their rules beside.
        var before = new RolePolicy();
        var after = before.Clone();
        after.ActivationMaxDuration = TimeSpan.FromHours(2);
        var change = RoleSettingChange.Updated(Id1, before, after);
        var described = after.Describe();
        described["$Rules"] = JsonSerializer.Serialize(after.ToRules().ToDictionary(r => r.RuleId, r => r.Json, StringComparer.Ordinal));
        Same(described, change.After);
        Same(before.Describe(), change.Before);
        var (readBack, rules) = RoleSettingChange.Read(Json(change.After))!.Value;
        Assert.Equal((after.Describe().Count, described["$Rules"]), (readBack.Count, rules));
        // Every way a role's settings change: Set-, Reset-, Copy-, Import-PimRoleSetting and Invoke-PimConfiguration.
        Assert.Equal(["UpdateRoleSetting", "ResetRoleSetting", "CopyRoleSetting", "ImportRoleSetting", "ApplyConfiguration"],
            new[] { RoleSettingChange.Updated, RoleSettingChange.Reset, RoleSettingChange.Copied, RoleSettingChange.Imported, RoleSettingChange.Applied }
                .Select(f => f(Id1, before, after).Action));
    }
}
