using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using Microsoft.Data.Sqlite;
using PimModule.Identity.Keys;
using PimModule.Audit.Events;
using PimModule.Kernel;
using View = PimModule.Verification.VerifiedAssignment;

namespace PimModule.Verification;

/// <summary>
/// Applies verified records to a checkpoint's state, each only when its sealing actor was entitled to it at that point
/// of the chain (judged by the state replayed so far, never by the store's tables):
/// <list type="bullet">
/// <item>assignments: Admin* by an administrator (an active Privileged Role Administrator or Global Administrator at '/');
/// an activation by its eligible principal when the role's verified policy needs no approval, or by an approver of a
/// verified pending request; a deactivation by its holder (it only ends the activation);</item>
/// <item>requests: made by their principal; approved or denied by a listed (else default) approver who is not the
/// requester, while pending; canceled by the requester; expired by anyone once 24 hours passed without a decision;</item>
/// <item>role settings and mail settings: by an administrator; queued notices: by any registered principal;</item>
/// <item>pruning: by an administrator, of what ended 30 days before;</item>
/// <item>access reviews: started and completed by an administrator (each item a verified direct assignment of the role,
/// as it is verified); an item decided by a named reviewer who does not hold it, or in a self review by its holder,
/// while the review is open and before its end.</item>
/// </list>
/// The genesis transaction and the Lab past a Protect-PimStore endorsed are applied as they are. A change its actor was
/// not entitled to counts for nothing, and is noted (Test-PimAuditLog reports it).
/// </summary>
internal sealed class StateReplay(SqliteConnection db, SqliteTransaction tx, DateTime verifierNow, Action<long>? progress) : IDisposable
{
    public void Dispose() => _upsert?.Dispose();

    /// <summary>Who acted last, and when, by the verified records (StaleSignIn, access review recommendations): written by <see cref="Flush"/>.</summary>
    private readonly Dictionary<string, long> _acted = new(StringComparer.Ordinal);

    /// <summary>Writes what is kept in memory while records stream past (before the checkpoint's head moves, in its transaction).</summary>
    public void Flush()
    {
        foreach (var (actor, ticks) in _acted)
            db.Execute("INSERT INTO verified_activity (actor_key, last_ticks) VALUES (@actor, @ticks) " +
                       "ON CONFLICT (actor_key) DO UPDATE SET last_ticks = MAX(last_ticks, excluded.last_ticks)", new { actor, ticks }, tx);
        _acted.Clear();
    }

    /// <summary>How far a record's time may be ahead of the verifier's clock and still count as due (clock skew).</summary>
    private static readonly TimeSpan Skew = TimeSpan.FromMinutes(5);

    private long _transaction = -1;
    // Within one transaction (its records may claim different times): by principal and time.
    private readonly Dictionary<(string, long), bool> _isAdmin = [];
    private readonly Dictionary<long, HashSet<string>> _admins = [];
    private readonly Dictionary<string, (string PrincipalKey, string RoleId, string? Scope, long? DurationTicks)> _approved = new(StringComparer.OrdinalIgnoreCase);
    private long _seen;

    public void Observe(SealedRecord r, SealContext ctx)
    {
        if (ctx.Transaction != _transaction)
        {
            _transaction = ctx.Transaction;
            _isAdmin.Clear();
            _admins.Clear();
            _approved.Clear();
        }
        if (++_seen % 10000 == 0) progress?.Invoke(r.Sequence);
        // A record whose time the time rule does not believe (Verification/Time.cs) changes nothing, whatever it is.
        if (!ctx.Trusted && ctx.Time != RecordTime.Counts)
        {
            Refuse(r, r.TargetType ?? "Record", ctx.TimeWhy ?? "its time does not count", ctx.Time.ToString());
            return;
        }
        // Every verified record is its sealer's activity (entitled to it or not: they acted).
        if (!_acted.TryGetValue(ctx.Actor, out var lastActed) || lastActed < r.AtTicks) _acted[ctx.Actor] = r.AtTicks;
        switch (r.TargetType)
        {
            case "Assignment": Assignment(r, ctx); break;
            case "Request": Request(r, ctx); break;
            case "RoleSetting": Policy(r, ctx); break;
            case "MailSetting": Mail(r, ctx); break;
            case "Notification": Notifications(r, ctx); break;
            case "DirectoryObject": DirectoryObject(r, ctx); break;
            case "AccessReview": Review(r, ctx); break;
            case "AccessReviewItem": ReviewItem(r, ctx); break;
            case "Store" when r.Action == "PruneHistory": Prune(r, ctx); break;
            case "Store" when r.Action == Seals.ProtectAction && ctx.Trusted: Protect(r); break;
            case "Store" when r.Action == PimStore.MigrateAction:
                // A schema migration of a Verified store is an administrator's sealed change.
                if (!ctx.Trusted && !IsAdmin(ctx.Actor, ctx.VerifiedAtTicks)) Refuse(r, "Record", $"{ctx.Actor} was not an administrator there (a schema migration is an administrator's change)");
                break;
        }
    }

    // ---- assignments -------------------------------------------------------------------------------------

    /// <summary>The assignment a record's payload holds (its event type's reader, <see cref="AssignmentView.Read"/>), as the checkpoint keeps it.</summary>
    private static View? Parse(string id, string? json)
        => AssignmentView.Read(json, id) is { } a
            ? new View(id.ToLowerInvariant(), Principal.Fold(a.Principal!), a.RoleId!.Value.ToString("D"), a.Type!, a.Scope!, a.MemberType!,
                a.StartDateTime!.Value.Ticks, a.EndDateTime?.Ticks, json!)
            : null;

    private SqliteCommand? _upsert;

    /// <summary>Writes a verified assignment (one prepared statement: a million-row import replays a million of them).</summary>
    private void Upsert(View a)
    {
        if (_upsert is null)
        {
            _upsert = db.CreateCommand();
            _upsert.Transaction = tx;
            _upsert.CommandText =
                "INSERT INTO verified_assignments (id, principal_key, role_id, type, scope, member_type, start_ticks, end_ticks, digest) VALUES " +
                "($id, $p, $r, $t, $s, $m, $start, $end, $digest) ON CONFLICT (id) DO UPDATE SET principal_key = excluded.principal_key, " +
                "role_id = excluded.role_id, type = excluded.type, scope = excluded.scope, member_type = excluded.member_type, start_ticks = excluded.start_ticks, " +
                "end_ticks = excluded.end_ticks, digest = excluded.digest";
            foreach (var name in new[] { "$id", "$p", "$r", "$t", "$s", "$m", "$start", "$end", "$digest" }) _upsert.Parameters.Add(new SqliteParameter { ParameterName = name });
            _upsert.Prepare();
        }
        var ps = _upsert.Parameters;
        ps[0].Value = a.Id; ps[1].Value = a.PrincipalKey; ps[2].Value = a.RoleId; ps[3].Value = a.Type; ps[4].Value = a.Scope; ps[5].Value = a.MemberType;
        ps[6].Value = a.Start; ps[7].Value = a.End is { } end ? end : DBNull.Value; ps[8].Value = VerifiedState.DigestOf(a.Json);
        _upsert.ExecuteNonQuery();
    }

    private View? Load(string id) => db.QueryFirstOrDefault<View>(ViewColumns + " WHERE id = @id", new { id = id.ToLowerInvariant() }, tx);

    private void Assignment(SealedRecord r, SealContext ctx)
    {
        if (r.TargetId is not { } id || !Guid.TryParse(id, out _)) { Refuse(r, "Assignment", "it names no assignment"); return; }
        var after = Parse(id, r.AfterJson);
        if (r.AfterJson is not null && after is null) { Refuse(r, "Assignment", "its assignment does not parse"); return; }
        // The record's role column is its assignment's role (the seal verifier's replay of administrators reads the column).
        if (after is not null && r.RoleId is not null && !string.Equals(r.RoleId, after.RoleId, StringComparison.OrdinalIgnoreCase))
        { Refuse(r, "Assignment", "its role column is not its assignment's role"); return; }
        // An administrator's change needs no look at what was there; an activation and a deactivation do.
        var current = ctx.Trusted || r.Action.StartsWith("Admin", StringComparison.Ordinal) ? null : Load(id);
        var why = ctx.Trusted ? null : AssignmentEntitlement(r, ctx, current, after);
        if (why is not null) { Refuse(r, "Assignment", why); return; }
        if (after is null) db.Execute("DELETE FROM verified_assignments WHERE id = @id", new { id = id.ToLowerInvariant() }, tx);
        else Upsert(after);
    }

    private string? AssignmentEntitlement(SealedRecord r, SealContext ctx, View? current, View? after)
    {
        var t = ctx.VerifiedAtTicks;
        if (r.Action.StartsWith("Admin", StringComparison.Ordinal))
            return IsAdmin(ctx.Actor, t) ? null : $"{ctx.Actor} was not an administrator there";
        switch (r.Action)
        {
            case "SelfActivate" when after is not null && after.PrincipalKey == ctx.Actor:
                // Activated by its principal, at once: eligible then, within it and the role's duration, and the role's
                // settings then needed no approval.
                if (current is not null) return "an activation makes a new assignment";
                if (ActivationLimits(after) is { } broken) return broken;
                if (PolicyRules(after.RoleId)!.RequireApproval) return "the role's settings required approval";
                return null;
            case "SelfActivate":
                // Provisioned by an approver: an approval sealed earlier in the same transaction names it.
                if (current is not null || after is null) return "an activation makes a new assignment";
                if (!_approved.TryGetValue(after.Id, out var q) || q.PrincipalKey != after.PrincipalKey || q.RoleId != after.RoleId
                    || (q.Scope is not null && !string.Equals(q.Scope, after.Scope, StringComparison.Ordinal)))
                    return $"{ctx.Actor} activated a role for {after.PrincipalKey}, and no approval sealed in its transaction provisions it";
                return ActivationLimits(after, q.DurationTicks is { } asked ? TimeSpan.FromTicks(asked) : null);
            case "SelfDeactivate":
                if (current is null) return "it deactivates no verified activation";
                if (current.PrincipalKey != ctx.Actor) return $"{ctx.Actor} deactivated {current.PrincipalKey}'s activation";
                if (current.MemberType != "Activated") return "only activations are deactivated";
                // An activation that had not started yet is deleted.
                if (after is null) return current.Start > ctx.VerifiedAtTicks - TimeSpan.FromMinutes(5).Ticks ? null : "an activation that started is ended, not deleted";
                if (after.PrincipalKey != current.PrincipalKey || after.RoleId != current.RoleId || after.Type != current.Type || after.Scope != current.Scope
                    || after.MemberType != current.MemberType || after.Start != current.Start) return "a deactivation changes only the end";
                if (after.End is not { } newEnd || current.End is { } oldEnd && newEnd > oldEnd) return "a deactivation never lengthens an activation";
                if (ActivationRules.TooSoonToDeactivate(new DateTime(current.Start, DateTimeKind.Utc), new DateTime(r.AtTicks, DateTimeKind.Utc)))
                    return $"an activation is not deactivated in its first {ActivationRules.MinimumActivation.TotalMinutes:0} minutes";
                return null;
            default:
                return $"'{r.Action}' does not change assignments";
        }
    }

    private bool IsAdmin(string principalKey, long t)
    {
        if (_isAdmin.TryGetValue((principalKey, t), out var known)) return known;
        // The kernel's rule (Administrators), over the actor's verified assignments.
        var at = new DateTime(t, DateTimeKind.Utc);
        var yes = db.Query<View>(ViewColumns + " WHERE principal_key = @p AND " + Administrators.Sql, new { p = principalKey, pra = Administrators.Parameters.Pra, ga = Administrators.Parameters.Ga }, tx)
            .Any(a => Administrators.Administers(a, at));
        _isAdmin[(principalKey, t)] = yes;
        return yes;
    }

    private HashSet<string> Admins(long t)
    {
        if (_admins.TryGetValue(t, out var known)) return known;
        var at = new DateTime(t, DateTimeKind.Utc);
        return _admins[t] = db.Query<View>(ViewColumns + " WHERE " + Administrators.Sql, new { pra = Administrators.Parameters.Pra, ga = Administrators.Parameters.Ga }, tx)
            .Where(a => Administrators.Administers(a, at)).Select(a => a.PrincipalKey).ToHashSet(StringComparer.Ordinal);
    }

    private const string ViewColumns = View.Select;

    /// <summary>The verified eligible assignment an activation comes from (the kernel's rule, <see cref="EligibilityRules.Source{T}"/>); null when none.</summary>
    private View? EligibleSource(View activation) => EligibilityRules.Source(db.Query<View>(ViewColumns +
            " WHERE principal_key = @principalKey AND role_id = @roleId AND type = 'Eligible'", new { activation.PrincipalKey, activation.RoleId }, tx),
        activation.Scope, new DateTime(activation.Start, DateTimeKind.Utc));

    /// <summary>
    /// Why an activation (by its principal, or provisioned by an approval of a request that asked <paramref name="asked"/>)
    /// breaks its eligibility or what it was allowed (the kernel's <see cref="ActivationRules"/>); null when it does not.
    /// </summary>
    private string? ActivationLimits(View after, TimeSpan? asked = null)
    {
        View? eligible;
        if (AssignmentView.Read(after.Json)?.EligibleId?.ToString("D") is { } named)
        {
            // The eligibility it names (what removing that eligibility ends): verified, the principal's, of the role, covering it then.
            eligible = Load(named) is { } e && EligibilityRules.IsSourceOf(e, after) ? e : null;
            if (eligible is null) return $"the eligible assignment {named} it names is not {after.PrincipalKey}'s verified eligibility for the role at {after.Scope} then";
        }
        else if (EligibleSource(after) is not { } source)
            return $"{after.PrincipalKey} was not eligible for the role at {after.Scope} then";
        else eligible = source;
        TimeSpan allowed;
        if (asked is { } duration) allowed = duration;
        else if (PolicyRules(after.RoleId) is { } policy) allowed = policy.ActivationMaxDuration;
        else return "the role's settings were last set by an earlier PimModule, without their rules: an administrator sets them again";
        return ActivationRules.WhyNot(after, eligible, allowed) switch
        {
            ActivationRefusal.NotAnActivation => "an activation is an active, activated assignment",
            ActivationRefusal.NeverEnds => "an activation always ends",
            ActivationRefusal.OutlivesEligibility => "the activation outlives its eligibility",
            ActivationRefusal.LongerThanAllowed => asked is null ? "the activation is longer than the role's settings allowed" : "the activation is longer than its request asked",
            _ => null,
        };
    }

    private RolePolicy PolicyOf(string roleId) => PolicyRules(roleId) ?? RolePolicy.FromRules([]);

    /// <summary>
    /// A role's policy as the verified log has it: Entra's defaults when no administrator changed it; null when the last
    /// change is a record of an earlier PimModule that did not carry its rules (what it said is not known here).
    /// </summary>
    private RolePolicy? PolicyRules(string roleId)
    {
        var row = db.QueryFirstOrDefault<VerifiedState.PolicyState>("SELECT role_id, describe, rules FROM verified_policies WHERE role_id = @roleId", new { roleId }, tx);
        return row is null ? RolePolicy.FromRules([]) : row.Rules is { } rules ? Rules(rules) : null;
    }

    /// <summary>A policy from the rules a RoleSetting record carries (none: Entra's defaults).</summary>
    public static RolePolicy Rules(string? rulesJson)
    {
        if (rulesJson is null) return RolePolicy.FromRules([]);
        var rules = JsonSerializer.Deserialize<Dictionary<string, string>>(rulesJson) ?? [];
        return RolePolicy.FromRules(rules.Select(kv => (kv.Key, kv.Value)));
    }

    /// <summary>The tenant policy id the rules a RoleSetting record carries keep (Import-PimRoleSetting's Graph identity); null when none, or when they do not parse.</summary>
    public static string? KeptPolicyId(string? rulesJson)
    {
        if (rulesJson is null) return null;
        try
        {
            var rules = JsonSerializer.Deserialize<Dictionary<string, string>>(rulesJson);
            return rules is not null && rules.TryGetValue(RolePolicy.GraphIdentityRule, out var identity) ? Interop.GraphPolicyFile.PolicyIdOf(identity) : null;
        }
        catch (JsonException) { return null; }
    }

    /// <summary>
    /// Whether a RoleSetting record gives its role a tenant policy id another role holds (the writer's rule,
    /// <see cref="Interop.GraphPolicyFile.Holder"/>, over the verified policies): the reason it counts for nothing, else null.
    /// </summary>
    private string? PolicyIdTaken(Guid role, string? rulesJson)
    {
        if (KeptPolicyId(rulesJson) is not { } id) return null;
        // The id the role keeps already (every later change of its settings carries it again) is not asked about.
        var current = db.QueryFirstOrDefault<string?>("SELECT rules FROM verified_policies WHERE role_id = @role", new { role = role.ToString("D") }, tx);
        if (string.Equals(KeptPolicyId(current), id, StringComparison.OrdinalIgnoreCase)) return null;
        var kept = db.Query<(string RoleId, string? Rules)>("SELECT role_id, rules FROM verified_policies WHERE rules IS NOT NULL", transaction: tx)
            .Select(x => (Ok: Guid.TryParse(x.RoleId, out var g), Role: g, Id: KeptPolicyId(x.Rules)))
            .Where(x => x.Ok).ToDictionary(x => x.Role, x => x.Id);
        return Interop.GraphPolicyFile.Holder(role, id, kept) is { } holder ? $"it gives the role the tenant policy id {id}, which the role {holder} holds" : null;
    }

    // ---- requests ----------------------------------------------------------------------------------------

    private VerifiedState.RequestState? Req(string id) => db.QueryFirstOrDefault<VerifiedState.RequestState>(
        "SELECT " + VerifiedState.RequestColumns + " FROM verified_requests WHERE id = @id",
        new { id = id.ToLowerInvariant() }, tx);

    private void Request(SealedRecord r, SealContext ctx)
    {
        if (r.TargetId is not { } id || !Guid.TryParse(id, out _)) { Refuse(r, "Request", "it names no request"); return; }
        id = id.ToLowerInvariant();
        var t = ctx.VerifiedAtTicks;
        var current = Req(id);
        switch (r.Action)
        {
            case "SelfActivate" or "SelfExtend" or "SelfRenew":
            {
                if (current is not null) { Refuse(r, "Request", "the request exists already"); return; }
                if (!ctx.Trusted && r.PrincipalKey != ctx.Actor) { Refuse(r, "Request", $"{ctx.Actor} made a request for {r.PrincipalKey}"); return; }
                if (r.PrincipalKey is null || !Guid.TryParse(r.RoleId, out var role)) { Refuse(r, "Request", "it names no principal or role"); return; }
                // What the request asks, as its event type (Audit/Events/RequestEvents.cs) reads it.
                var activation = r.Action == "SelfActivate" ? EventJson.Read<ActivationRequest>(r.AfterJson) : null;
                var extension = r.Action == "SelfActivate" ? null : EventJson.Read<ExtensionRequest>(r.AfterJson);
                if (activation is null && extension is null) { Refuse(r, "Request", "its request does not parse"); return; }
                var status = activation is null ? "PendingApproval" : activation.Status;
                if (status is not ("PendingApproval" or "Provisioned")) { Refuse(r, "Request", "a new request is pending or provisioned"); return; }
                // An activation names the assignment it provisioned (none while pending); an extension the assignment it extends.
                var assignment = activation?.AssignmentId?.ToString("D");
                var target = extension?.AssignmentId?.ToString("D");
                var scope = activation is not null ? activation.Scope : target is null ? null : Load(target)?.Scope;
                // What the approver decides on: the duration asked (the activation's, or the extension's).
                long? duration = (activation?.Asked ?? extension?.Asked)?.Ticks;
                if (!ctx.Trusted && activation is not null)
                {
                    // The kernel's request rules (ActivationRules), under the settings it was made under, at the record's own time.
                    if (RequestRules(r, role.ToString("D"), r.PrincipalKey, scope, duration, activation) is { } bad) { Refuse(r, "Request", bad); return; }
                }
                // What the requester wrote, as sealed: the justification (and an activation's ticket number) the approver reads.
                var textsSealed = activation?.HasTexts ?? extension!.HasTexts;
                db.Execute("INSERT INTO verified_requests (id, action, status, principal_key, role_id, scope, target_id, assignment_id, created_ticks, duration_ticks, " +
                           "stage, stage_started_ticks, justification, ticket_number, texts_sealed) " +
                           "VALUES (@id, @action, @status, @p, @role, @scope, @target, @assignment, @created, @duration, 1, @created, @justification, @ticket, @textsSealed)",
                    new { id, action = r.Action, status, p = r.PrincipalKey, role = role.ToString("D"), scope, target, assignment, created = r.AtTicks, duration,
                          justification = activation?.Justification ?? extension?.Justification, ticket = activation?.TicketNumber,
                          textsSealed = textsSealed ? 1L : 0L }, tx);
                return;
            }
            case "ApproveRequest" or "DenyRequest" or "CancelRequest" or "ExpireRequest":
            {
                if (current is null) { Refuse(r, "Request", "it decides no verified request"); return; }
                if (current.Status != "PendingApproval") { Refuse(r, "Request", $"the request was {current.Status} already"); return; }
                // Each approval stage has its lifetime from when the request reached it (the kernel's RequestLifetime).
                var stageStart = new DateTime(current.StageStartedTicks, DateTimeKind.Utc);
                var at = new DateTime(t, DateTimeKind.Utc);
                var decision = r.Action is "ApproveRequest" or "DenyRequest";
                var decided = decision ? EventJson.Read<RequestDecision>(r.AfterJson) : null;
                var decidedAlready = decision && Decided(id, ctx.Actor);
                string? why = null;
                if (r.Action == "ExpireRequest")
                {
                    // Time passed: anyone registered may seal it, once it was due — by the chain's time and by this verifier's clock.
                    if (!RequestLifetime.HasExpired(stageStart, at) || !RequestLifetime.HasExpired(stageStart, new DateTime(r.AtTicks, DateTimeKind.Utc)))
                        why = "it was not due: the request was still within its 24 hours";
                    else if (!RequestLifetime.HasExpired(stageStart, verifierNow + Skew)) why = "it was not due: the request's 24 hours have not passed yet";
                }
                else if (decidedAlready) why = $"{ctx.Actor} had decided the request already (no principal decides twice)";
                else if (ctx.Trusted) why = null;
                else if (RequestLifetime.HasExpired(stageStart, at)) why = "the request had expired (24 hours without a decision)";
                else if (r.Action == "CancelRequest") why = current.PrincipalKey == ctx.Actor ? null : $"{ctx.Actor} did not make the request";
                else why = ApprovalRules.WhyMayNotDecide(current.PrincipalKey, ctx.Actor, decidedAlready, Deciders(current, t)) switch
                {
                    DecisionRefusal.OwnRequest => "requesters never decide their own requests",
                    DecisionRefusal.DecidedAlready => $"{ctx.Actor} had decided the request already (no principal decides twice)",
                    DecisionRefusal.NotApprover => $"{ctx.Actor} was not an approver of stage {current.Stage} of the request there",
                    _ => ApprovalRules.LacksJustification(PolicyOf(current.RoleId), decided?.Justification)
                        ? "the role's settings required approvers to give a reason (RequireApproverJustification), and the decision gives none" : null,
                };
                if (why is not null) { Refuse(r, "Request", why); return; }
                if (decision)
                    db.Execute("INSERT INTO verified_decisions (request_id, approver_key, stage, decision, decided_ticks) VALUES (@id, @key, @stage, @decision, @at)",
                        new { id, key = ctx.Actor, stage = current.Stage, decision = r.Action == "ApproveRequest" ? "Approve" : "Deny", at = r.AtTicks }, tx);
                if (r.Action == "ApproveRequest")
                {
                    // The stage counts distinct approvals by principals entitled for it (each checked above); with its quorum the
                    // request moves to the next stage, and only the last stage's quorum provisions it.
                    var stage = StageOf(current);
                    var last = stage is null || PolicyOf(current.RoleId).IsLastStage((int)current.Stage);
                    // Only approvals by principals entitled for the stage now count: one taken off it meanwhile does not (the kernel's quorum).
                    var approvals = ApprovalRules.Counted(db.Query<string>("SELECT approver_key FROM verified_decisions WHERE request_id = @id AND stage = @stage AND decision = 'Approve'",
                        new { id, stage = current.Stage }, tx).Select(k => (k, current.Stage, true)), current.Stage, Deciders(current, t));
                    if (approvals < ApprovalRules.Required(stage)) return;
                    if (!last)
                    {
                        db.Execute("UPDATE verified_requests SET stage = stage + 1, stage_started_ticks = @at WHERE id = @id", new { id, at = r.AtTicks }, tx);
                        return;
                    }
                }
                var status = r.Action switch { "ApproveRequest" => "Provisioned", "DenyRequest" => "Denied", "CancelRequest" => "Canceled", _ => "Expired" };
                var provisioned = r.Action == "ApproveRequest" ? decided?.AssignmentId?.ToString("D") : null;
                db.Execute("UPDATE verified_requests SET status = @status, assignment_id = COALESCE(@provisioned, assignment_id), decided_ticks = @decided WHERE id = @id",
                    new { id, status, provisioned = current.Action == "SelfActivate" ? provisioned : null, decided = r.AtTicks }, tx);
                if (provisioned is not null && current.Action == "SelfActivate") _approved[provisioned] = (current.PrincipalKey, current.RoleId, current.Scope, current.DurationTicks);
                return;
            }
            default:
                Refuse(r, "Request", $"'{r.Action}' does not change requests");
                return;
        }
    }

    /// <summary>
    /// Why an activation request breaks the rules it was made under (the kernel's ActivationRules and RequestLimits, the
    /// role's text rules), judged at the record's own time against the verified state then; null when it does not.
    /// </summary>
    private string? RequestRules(SealedRecord r, string roleId, string principalKey, string? scope, long? duration, ActivationRequest asks)
    {
        var at = new DateTime(r.AtTicks, DateTimeKind.Utc);
        if (duration is null || scope is null || asks.StartDateTime is not { } start || asks.EndDateTime is not { } end)
            return "an activation request names its scope, start, end and the duration it asks";
        var policy = PolicyRules(roleId);
        if (policy is not null && ActivationRules.ExceedsMaximum(TimeSpan.FromTicks(duration.Value), policy))
            return $"it asks {TimeSpan.FromTicks(duration.Value):c}, more than the role's ActivationMaxDuration {policy.ActivationMaxDuration:c} then";
        if (ActivationRules.StartsTooEarly(start, at)) return "it starts further in the past than an activation may";
        var held = db.Query<View>(ViewColumns + " WHERE principal_key = @principalKey AND role_id = @roleId AND type = 'Active'", new { principalKey, roleId }, tx);
        if (ActivationRules.Overlapping(held, scope, start, end, at) is { } active) return $"the role was active for {principalKey} at {scope} then ({active.Id})";
        var pending = db.Query<VerifiedState.RequestState>("SELECT " + VerifiedState.RequestColumns + " FROM verified_requests WHERE principal_key = @principalKey " +
                                                           "AND role_id = @roleId AND action = 'SelfActivate' AND status = 'PendingApproval'", new { principalKey, roleId }, tx)
            .Where(q => !RequestLifetime.HasExpired(new DateTime(q.StageStartedTicks, DateTimeKind.Utc), at)).Select(q => q.Scope).ToList();
        switch (RequestLimits.WhyNot(pending, scope))
        {
            case PendingRefusal.SameScope: return $"a request of the role at {scope} was pending for {principalKey} then";
            case PendingRefusal.TooMany: return $"{pending.Count} requests of the role were pending for {principalKey} then";
        }
        // The writer's claim that it checked an MFA code, where the role's settings then needed one (the claim is all the log holds).
        if (policy is not null && ActivationRules.NeedsMfa(policy) && asks.MfaVerified != true)
            return "the role's settings required an MFA code, and the record does not claim one was checked";
        // The requester's texts: the role's RequireJustification, RequireTicket and patterns then. The module always seals
        // them (null when none); a record that leaves them out is checked as having none.
        if (policy is not null)
        {
            try { policy.CheckActivationText(roleId, asks.Justification, asks.TicketNumber); }
            catch (PimException e) { return $"its texts break the role's settings then ({e.ErrorId})"; }
        }
        return null;
    }

    private bool Decided(string id, string actor)
        => db.ExecuteScalar<long>("SELECT COUNT(*) FROM verified_decisions WHERE request_id = @id AND approver_key = @actor", new { id, actor }, tx) > 0;

    /// <summary>
    /// Who could decide a request at <paramref name="t"/>: its current stage's listed approvers (activations), else the
    /// administrators; and the stage's escalation approvers once it has gone EscalationAfter without its quorum.
    /// </summary>
    private HashSet<string> Deciders(VerifiedState.RequestState q, long t)
        => ApprovalRules.Entitled(StageOf(q), Admins(t), new DateTime(q.StageStartedTicks, DateTimeKind.Utc), new DateTime(t, DateTimeKind.Utc));

    /// <summary>The approval stage a request waits in, by the verified policy (null: an extension, decided by administrators in one stage).</summary>
    private RolePolicy.ApprovalStageRule? StageOf(VerifiedState.RequestState q) => q.Action == "SelfActivate" ? PolicyOf(q.RoleId).Stage((int)q.Stage) : null;

    // ---- settings, mail, notices, pruning -------------------------------------------------------------------

    private void Policy(SealedRecord r, SealContext ctx)
    {
        if (!Guid.TryParse(r.TargetId, out var role)) { Refuse(r, "RoleSetting", "it names no role"); return; }
        if (!ctx.Trusted && !IsAdmin(ctx.Actor, ctx.VerifiedAtTicks)) { Refuse(r, "RoleSetting", $"{ctx.Actor} was not an administrator there"); return; }
        if (RoleSettingChange.Read(r.AfterJson) is not var (described, rules)) { Refuse(r, "RoleSetting", "its settings do not parse"); return; }
        if (!ctx.Trusted && PolicyIdTaken(role, rules) is { } taken) { Refuse(r, "RoleSetting", taken); return; }
        db.Execute("INSERT INTO verified_policies (role_id, describe, rules) VALUES (@role, @describe, @rules) ON CONFLICT (role_id) DO UPDATE SET " +
                   "describe = excluded.describe, rules = excluded.rules",
            new { role = role.ToString("D"), describe = Audit.AuditLog.ToJson(described), rules }, tx);
    }

    /// <summary>An imported directory object: an administrator's change; one id is one UPN, one UPN one id.</summary>
    private void DirectoryObject(SealedRecord r, SealContext ctx)
    {
        if (!ctx.Trusted && !IsAdmin(ctx.Actor, ctx.VerifiedAtTicks)) { Refuse(r, "DirectoryObject", $"{ctx.Actor} was not an administrator there"); return; }
        var after = EventJson.Read<DirectoryObjectView>(r.AfterJson);
        var upn = after?.UserPrincipalName;
        if (!Guid.TryParse(r.TargetId, out var id) || upn is null || !Principal.IsValid(upn)) { Refuse(r, "DirectoryObject", "it names no object id and user principal name"); return; }
        var key = Principal.Fold(upn);
        var taken = db.QueryFirstOrDefault<string>("SELECT id FROM verified_directory WHERE principal_key = @key", new { key }, tx);
        if (taken is not null && taken != id.ToString("D")) { Refuse(r, "DirectoryObject", $"{upn} is already the object {taken}"); return; }
        db.Execute("INSERT INTO verified_directory (id, user_principal_name, principal_key, display_name) VALUES (@id, @upn, @key, @name) " +
                   "ON CONFLICT (id) DO UPDATE SET user_principal_name = excluded.user_principal_name, principal_key = excluded.principal_key, display_name = excluded.display_name",
            new { id = id.ToString("D"), upn, key, name = after?.DisplayName }, tx);
    }

    private void Mail(SealedRecord r, SealContext ctx)
    {
        if (!ctx.Trusted && !IsAdmin(ctx.Actor, ctx.VerifiedAtTicks)) { Refuse(r, "MailSetting", $"{ctx.Actor} was not an administrator there"); return; }
        if (r.AfterJson is null) { Refuse(r, "MailSetting", "it holds no settings"); return; }
        db.Execute("INSERT INTO verified_mail (id, view) VALUES (1, @view) ON CONFLICT (id) DO UPDATE SET view = excluded.view", new { view = r.AfterJson }, tx);
    }

    private void Notifications(SealedRecord r, SealContext ctx)
    {
        if (EventJson.Read<List<QueuedNotice?>>(r.AfterJson) is not { } notices) { Refuse(r, "Notification", "it lists no messages"); return; }
        using var insert = db.CreateCommand();
        insert.Transaction = tx;
        insert.CommandText = "INSERT INTO verified_notifications (id, digest) VALUES ($id, $digest) ON CONFLICT (id) DO NOTHING";
        var pid = insert.Parameters.Add("$id", SqliteType.Text);
        var pdigest = insert.Parameters.Add("$digest", SqliteType.Text);
        insert.Prepare();
        foreach (var m in notices)
            if (m is { Id: { } g, Digest: { } digest })
            {
                pid.Value = g.ToString("D");
                pdigest.Value = digest;
                insert.ExecuteNonQuery();
            }
    }

    private void Prune(SealedRecord r, SealContext ctx)
    {
        if (EventJson.Read<Pruning>(r.AfterJson)?.Before?.Ticks is not { } cut) { Refuse(r, "Record", "it names no time to prune before"); return; }
        if (!ctx.Trusted && !IsAdmin(ctx.Actor, ctx.VerifiedAtTicks)) { Refuse(r, "Record", $"{ctx.Actor} was not an administrator there"); return; }
        if (cut > ctx.VerifiedAtTicks - Maintenance.MaintenanceService.Retention.Ticks + TimeSpan.FromMinutes(1).Ticks)
        { Refuse(r, "Record", "it prunes history that is not 30 days old"); return; }
        db.Execute("DELETE FROM verified_assignments WHERE end_ticks IS NOT NULL AND end_ticks < @cut", new { cut }, tx);
    }

    /// <summary>
    /// Protect-PimStore: what the Lab past says counts only as the administrator endorsed it — the assignments of privileged
    /// and custom roles, every role's policy and the mail settings are the endorsed ones (a record written into the Lab log
    /// around the module grants nothing). A protection from before settings were endorsed keeps the Lab past as it was.
    /// </summary>
    private void Protect(SealedRecord r)
    {
        if (EventJson.Read<StoreProtection>(r.AfterJson) is not { Policies: { } policies } o) return;
        var keep = RoleCatalog.BuiltIn.Where(b => !b.IsPrivileged).Select(b => b.Id.ToString("D")).ToList();
        foreach (var row in db.Query<(string Id, string RoleId)>("SELECT id, role_id FROM verified_assignments", transaction: tx).ToList())
            if (!keep.Contains(row.RoleId, StringComparer.OrdinalIgnoreCase))
                db.Execute("DELETE FROM verified_assignments WHERE id = @id", new { id = row.Id }, tx);
        foreach (var e in o.Endorsed ?? [])
            if (e is not null && e.ToJsonString() is var json && AssignmentView.Read(json)?.AssignmentId is { } id && Parse(id.ToString("D"), json) is { } view) Upsert(view);
        db.Execute("DELETE FROM verified_policies", transaction: tx);
        foreach (var (role, text) in policies)
            if (Guid.TryParse(role, out var roleId))
                db.Execute("INSERT INTO verified_policies (role_id, describe, rules) VALUES (@role, @describe, @rules)",
                    new { role = roleId.ToString("D"), describe = Audit.AuditLog.ToJson(Rules(text).Describe()), rules = text }, tx);
        db.Execute("DELETE FROM verified_mail", transaction: tx);
        if (o.Mail is JsonObject mail)
            db.Execute("INSERT INTO verified_mail (id, view) VALUES (1, @view)", new { view = mail.ToJsonString() }, tx);
    }

    // ---- access reviews -------------------------------------------------------------------------------------

    private VerifiedState.ReviewState? LoadReview(string id) => db.QueryFirstOrDefault<VerifiedState.ReviewState>(
        "SELECT " + VerifiedState.ReviewColumns + " FROM verified_reviews WHERE id = @id", new { id = id.ToLowerInvariant() }, tx);

    private VerifiedState.ReviewItemState? LoadItem(string id) => db.QueryFirstOrDefault<VerifiedState.ReviewItemState>(
        "SELECT id, review_id, assignment_id, principal_key, recommendation, decision, reviewed_by FROM verified_review_items WHERE id = @id",
        new { id = id.ToLowerInvariant() }, tx);

    private void Review(SealedRecord r, SealContext ctx)
    {
        if (r.TargetId is not { } id || !Guid.TryParse(id, out var reviewGuid)) { Refuse(r, "AccessReview", "it names no review"); return; }
        id = reviewGuid.ToString("D");
        if (!ctx.Trusted && !IsAdmin(ctx.Actor, ctx.VerifiedAtTicks)) { Refuse(r, "AccessReview", $"{ctx.Actor} was not an administrator there"); return; }
        var current = LoadReview(id);
        switch (r.Action)
        {
            case "CreateAccessReview":
            {
                if (current is not null) { Refuse(r, "AccessReview", "the review exists already"); return; }
                if (EventJson.Read<AccessReviewView>(r.AfterJson) is not { } after || after.ReviewId?.ToString("D") != id || after.RoleId is not { } role
                    || after.StartDateTime?.Ticks is not { } start || after.EndDateTime?.Ticks is not { } end || end <= start
                    || after.AssignmentType is not ({ } type and ("Eligible" or "Active" or "All"))
                    || after.DefaultDecision is not ({ } fallback and ("None" or "Approve" or "Deny" or "Recommendation"))
                    || after.Recurrence is not { } recurrence || after.Reviewers is not { } reviewers || after.Items is not { } items)
                { Refuse(r, "AccessReview", "its review does not parse"); return; }
                if (!ctx.Trusted && Math.Abs(start - r.AtTicks) > Skew.Ticks) { Refuse(r, "AccessReview", "a review starts when it is made"); return; }
                // Its schedule: a duration of a day up to its period (the review is open that long, or until the next
                // occurrence starts), one series, each occurrence once, and a later occurrence of a series only after an
                // earlier one, with the series' role, type, recurrence and duration.
                if (EventJson.Duration(after.Duration) is not { } duration
                    || !Enum.TryParse<PimAccessReviewRecurrence>(recurrence, false, out var every) || !Enum.IsDefined(every)
                    || after.SeriesId is not { } seriesGuid || after.Occurrence is not { } occurrence || occurrence < 1)
                { Refuse(r, "AccessReview", "its schedule does not parse"); return; }
                var series = seriesGuid.ToString("D");
                var earlier = db.Query<VerifiedState.ReviewState>("SELECT " + VerifiedState.ReviewColumns + " FROM verified_reviews WHERE series_id = @series ORDER BY occurrence",
                    new { series }, tx).ToList();
                if (!ctx.Trusted)
                {
                    var anchor = earlier.Count > 0 ? new DateTime(earlier[0].StartTicks, DateTimeKind.Utc) : new DateTime(start, DateTimeKind.Utc);
                    var period = ReviewRules.Period(anchor, every);
                    string? bad = ReviewRules.WhyDurationNot(duration, period) is not null ? $"its duration {duration:c} is not a day to its period"
                        : end - start > duration.Ticks + Skew.Ticks ? "it is open longer than its duration"
                        : earlier.Any(e => e.Occurrence >= occurrence) ? $"occurrence {occurrence} of the series exists already (or a later one)"
                        : occurrence == 1 != (earlier.Count == 0) ? "a series starts with its first occurrence, and only once"
                        : earlier.Count > 0 && (earlier[^1].RoleId != role.ToString("D") || earlier[^1].AssignmentType != type || earlier[^1].Recurrence != recurrence
                                                || earlier[^1].DurationTicks != duration.Ticks || every == PimAccessReviewRecurrence.None)
                            ? "a later occurrence is of its series' role, type, recurrence and duration"
                        : null;
                    if (bad is not null) { Refuse(r, "AccessReview", bad); return; }
                }
                var self = after.SelfReview == true;
                var keys = reviewers.OfType<string>().Select(Principal.Fold).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
                if (self != (keys.Count == 0)) { Refuse(r, "AccessReview", "a review has named reviewers or is a self review"); return; }
                var parsed = new List<(string Id, string Assignment, string Key, string Recommendation)>();
                foreach (var o in items)
                {
                    if (o is not { ItemId: { } itemId, AssignmentId: { } assignmentId, Principal: { } p, Recommendation: ({ } rec and ("Approve" or "Deny")) })
                    { Refuse(r, "AccessReview", "an item does not parse"); return; }
                    // Each item is a verified direct assignment of the role, held by the principal it names.
                    if (!ctx.Trusted && (Load(assignmentId.ToString("D")) is not { } a || a.PrincipalKey != Principal.Fold(p)
                                         || !ReviewRules.IsReviewable(a, role, Enum.Parse<PimAccessReviewAssignmentType>(type), new DateTime(start, DateTimeKind.Utc))))
                    { Refuse(r, "AccessReview", $"item {itemId} is not a verified direct assignment of the role held by {p}"); return; }
                    parsed.Add((itemId.ToString("D"), assignmentId.ToString("D"), Principal.Fold(p), rec));
                }
                if (earlier.Any(e => e.Occurrence == occurrence)) { Refuse(r, "AccessReview", $"occurrence {occurrence} of the series exists already"); return; }
                db.Execute("INSERT INTO verified_reviews (id, role_id, assignment_type, reviewers, self_review, status, start_ticks, end_ticks, default_decision, auto_apply, recurrence, " +
                           "duration_ticks, series_id, occurrence) VALUES (@id, @role, @type, @reviewers, @self, 'InProgress', @start, @end, @fallback, @auto, @recurrence, @duration, @series, @occurrence)",
                    new
                    {
                        id, role = role.ToString("D"), type, reviewers = JsonSerializer.Serialize(keys), self = self ? 1L : 0L, start, end, fallback,
                        auto = after.AutoApply == true ? 1L : 0L, recurrence,
                        duration = duration.Ticks, series, occurrence = (long)occurrence,
                    }, tx);
                foreach (var i in parsed)
                    db.Execute("INSERT INTO verified_review_items (id, review_id, assignment_id, principal_key, recommendation, decision, reviewed_by) " +
                               "VALUES (@Id, @review, @Assignment, @Key, @Recommendation, 'NotReviewed', NULL) ON CONFLICT (id) DO NOTHING",
                        new { i.Id, review = id, i.Assignment, i.Key, i.Recommendation }, tx);
                return;
            }
            case "CompleteAccessReview":
                if (current is null) { Refuse(r, "AccessReview", "it completes no verified review"); return; }
                if (current.Status != "InProgress") { Refuse(r, "AccessReview", "the review was completed already"); return; }
                db.Execute("UPDATE verified_reviews SET status = 'Completed' WHERE id = @id", new { id }, tx);
                return;
            default:
                Refuse(r, "AccessReview", $"'{r.Action}' does not change access reviews");
                return;
        }
    }

    private void ReviewItem(SealedRecord r, SealContext ctx)
    {
        if (r.Action != "DecideAccessReviewItem") { Refuse(r, "AccessReviewItem", $"'{r.Action}' does not change access review items"); return; }
        if (r.TargetId is not { } id || !Guid.TryParse(id, out var itemGuid)) { Refuse(r, "AccessReviewItem", "it names no item"); return; }
        if (LoadItem(itemGuid.ToString("D")) is not { } item) { Refuse(r, "AccessReviewItem", "it decides no verified item"); return; }
        if (LoadReview(item.ReviewId) is not { } review) { Refuse(r, "AccessReviewItem", "its review is not verified"); return; }
        if (EventJson.Read<AccessReviewDecision>(r.AfterJson)?.Decision is not ({ } decision and ("Approve" or "Deny" or "DontKnow"))) { Refuse(r, "AccessReviewItem", "it holds no decision"); return; }
        if (!ctx.Trusted)
        {
            // The kernel's rule (ReviewRules), at the later of the verified time and the record's own: a review that had ended by either is closed.
            var at = new DateTime(Math.Max(ctx.VerifiedAtTicks, r.AtTicks), DateTimeKind.Utc);
            var why = ReviewRules.WhyMayNotDecide(review.Status != "InProgress", new DateTime(review.EndTicks, DateTimeKind.Utc), review.SelfReview != 0,
                    JsonSerializer.Deserialize<string[]>(review.Reviewers) ?? [], item.PrincipalKey, ctx.Actor, at) switch
            {
                ReviewDecisionRefusal.Completed => "the review was completed",
                ReviewDecisionRefusal.Ended => "the review had ended",
                ReviewDecisionRefusal.NotOwnItem => $"{ctx.Actor} decided on {item.PrincipalKey}'s item of a self review",
                ReviewDecisionRefusal.NotReviewer => $"{ctx.Actor} was not a reviewer of the review",
                ReviewDecisionRefusal.OwnAssignment => "reviewers never decide on their own assignment",
                _ => null,
            };
            if (why is not null) { Refuse(r, "AccessReviewItem", why); return; }
        }
        db.Execute("UPDATE verified_review_items SET decision = @decision, reviewed_by = @by WHERE id = @id",
            new { id = item.Id, decision, by = ctx.Actor }, tx);
    }

    // ---- helpers -------------------------------------------------------------------------------------------

    private void Refuse(SealedRecord r, string kind, string why, string problem = "NotEntitled")
        => db.Execute("INSERT INTO verified_refused (sequence, kind, id, reason, problem) VALUES (@seq, @kind, @id, @reason, @problem) ON CONFLICT (sequence) DO NOTHING",
            new { seq = r.Sequence, kind, id = r.TargetId, reason = $"record {r.Sequence} ({r.Action} by {r.ActorKey}) counts for nothing: {why}", problem }, tx);

}
