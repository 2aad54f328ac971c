using PimModule.Checkpoint;
using PimModule.Kernel;
using PimModule.Audit.Events;
using PimModule.MultiFactor;
using PimModule.Storage;
using PimModule.Audit;
using PimModule.Errors;
using PimModule.Identity;
using PimModule.Interop;
using PimModule.Policy;
using PimModule.Requests;
using PimModule.Roles;
using PimModule.Validation;

namespace PimModule.Assignments;

/// <summary>Eligible and active assignments: creating (one or in bulk), listing, updating, removing, and access checks.</summary>
public sealed partial class AssignmentService
{
    private readonly StoreSession _store;
    internal AssignmentService(StoreSession store) => _store = store;

    internal static PimAssignment ToOutput(AssignmentRow a, string roleName, DateTime asOf, string? via = null) => new()
    {
        AssignmentId = a.Id, Principal = a.Principal, Role = roleName, RoleId = a.RoleId, Scope = a.Scope, Type = a.Type,
        MemberType = a.MemberType, State = Schedules.StateAt(a.Start, a.End, asOf), StartDateTime = a.Start, EndDateTime = a.End,
        Justification = a.Justification, TicketNumber = a.TicketNumber, CreatedBy = a.CreatedBy, CreatedDateTime = a.Created, Via = via,
    };

    /// <summary>Starts creating assignments of one type: rows are buffered and written a batch per short transaction.</summary>
    public AssignmentWriter BeginAssign(PimAssignmentType type, int batchSize = 2000) => new(_store, type, batchSize);

    /// <summary>One assignment of Graph's JSON made ready for <see cref="BeginImport"/>: its input, or why it is skipped or refused.</summary>
    public sealed record GraphItem(PimAssignmentType Type, string Where, PimAssignmentInput? Input, string? Skipped, PimException? Refusal);

    /// <summary>
    /// Reads Graph's assignment JSON (see <see cref="GraphAssignments"/>): principals by object id become their UPNs
    /// (refused by name when unmapped); activations, group-held and ended assignments, and those the store already holds
    /// with the same schedule are skipped, each with its reason.
    /// </summary>
    public IReadOnlyList<GraphItem> ReadGraph(IReadOnlyList<(string Json, string Source)> files, PimAssignmentType? type, string? mfaCode = null)
    {
        var now = _store.UtcNow;
        var items = GraphAssignments.Read(files, type, now);
        return _store.Read(work =>
        {
            var directory = DirectoryMap.Of(work);
            var result = new List<GraphItem>();
            var held = new HashSet<(string, Guid, string, PimAssignmentType, DateTime, DateTime?)>();
            foreach (var a in AssignmentsTable.AllAsStored(work).Where(work.Believes).Where(a => a.MemberType == PimMemberType.Direct))
                held.Add((a.PrincipalKey, a.RoleId, a.Scope.ToLowerInvariant(), a.Type, a.Start, a.End));
            foreach (var i in items)
            {
                if (i.Skip is not null) { result.Add(new GraphItem(i.Type, i.Where, null, i.Skip, null)); continue; }
                if (i.End is { } end && end <= now) { result.Add(new GraphItem(i.Type, i.Where, null, $"it ended on {end:u}", null)); continue; }
                string upn;
                try { upn = directory.UpnOf(i.PrincipalId, $"{i.Where}: the principal"); }
                catch (PimException e) { result.Add(new GraphItem(i.Type, i.Where, null, null, e)); continue; }
                var start = i.Start ?? now;
                var scope = i.Scope;
                if (held.Contains((Principal.Fold(upn), i.RoleId, scope.ToLowerInvariant(), i.Type, start, i.End)))
                {
                    result.Add(new GraphItem(i.Type, i.Where, null, "the store already holds it, with the same schedule", null));
                    continue;
                }
                // The tenant's justification as it is (too long is refused by name, never cut); none: where it came from.
                var justification = i.Justification ?? "Imported from Entra";
                result.Add(new GraphItem(i.Type, i.Where, new PimAssignmentInput
                {
                    Principal = upn, Role = new PimRoleReference(i.RoleId), Scope = scope, StartDateTime = start, EndDateTime = i.End, Permanent = i.End is null,
                    Justification = justification, TicketNumber = i.TicketNumber, TicketSystem = i.TicketSystem, MfaCode = mfaCode,
                }, null, null));
            }
            return (IReadOnlyList<GraphItem>)result;
        });
    }

    /// <summary>The adminAssign request bodies (Graph's shape) that recreate the direct assignments a query lists.</summary>
    public string ExportGraph(PimAssignmentQuery q, Action<PimException> refused)
    {
        var list = Query(q).Where(a => a.MemberType == PimMemberType.Direct && a.State != PimAssignmentState.Expired).ToList();
        return _store.Read(work =>
        {
            // The ticket system is not a column of the listing (the contract's columns): read from the rows, once.
            var systems = AssignmentsTable.AllAsStored(work).Where(r => r.TicketSystem is not null).ToDictionary(r => r.Id, r => r.TicketSystem);
            return GraphAssignments.Write(list.Select(a => (a, systems.GetValueOrDefault(a.AssignmentId))).ToList(), DirectoryMap.Of(work), refused);
        });
    }

    /// <summary>A writer of assignments as they are in the tenant (Import-PimAssignment): settings they break are warnings.</summary>
    public AssignmentWriter BeginImport(PimAssignmentType type, int batchSize = 2000) => new(_store, type, batchSize, asInTenant: true);

    /// <summary>Creates one assignment (its own transaction); a refusal throws.</summary>
    public PimAssignment? Assign(PimAssignmentType type, PimAssignmentInput input, Func<PimChange, bool>? confirm = null)
    {
        using var writer = BeginAssign(type, 1);
        var outcome = writer.Add(input, confirm).SingleOrDefault();
        if (outcome?.Refusal is { } refusal) throw refusal;
        return outcome?.Created;
    }

    /// <summary>
    /// Streams the assignments a query selects (one connection, rows as they are read), ordered by role name, principal,
    /// type and start. The role names come from the catalogue, read once: the rows of one principal (or one id) are few
    /// and are put in that order here; any other listing — up to every assignment of the store — is read role by role,
    /// in name order, each role's rows in the store's order, so nothing is joined, sorted or held here.
    /// </summary>
    public IEnumerable<PimAssignment> Query(PimAssignmentQuery q) => QueryMarked(q).Select(x => x.Assignment);

    /// <summary>
    /// As <see cref="Query"/>, each with whether the verified log holds it as it is (always true in a Lab store; rows it does
    /// not hold are listed only with <see cref="PimAssignmentQuery.IncludeUnverified"/>).
    /// </summary>
    public IEnumerable<(PimAssignment Assignment, bool Verified)> QueryMarked(PimAssignmentQuery q)
    {
        var asOf = q.AsOf is { } t ? Times.Utc(t, "AsOf") : _store.UtcNow;
        // An object id lists its UPN's assignments (or its group's); a group's key or name lists the group's.
        var principal = q.Principal is { } given && Groups.GroupPrincipal.MayBeGroup(given)
            ? _store.Read(work => Groups.GroupPrincipal.Canonical(work, given, "Principal"))
            : q.Principal;
        var listing = new AssignmentsTable.Listing(principal is { } p ? PimGroupKey.TryParse(p, out _) ? p : Principal.Key(p) : null, q.Type, q.MemberType, q.State,
            asOf, asOf - Limits.ExpiredAssignmentVisibility);
        var scope = q.Scope is null ? null : global::PimModule.Assignments.Scope.Validate(q.Scope);
        return _store.Stream(work =>
        {
            // Everyone reads their own assignments; the roles that read PIM read all (docs/security.md, "Who may read what").
            string? mine = null;
            if (!Authorization.ReadsEverything(work))
            {
                mine = Principal.Fold(work.Actor);
                if (listing.PrincipalKey is { } asked && asked != mine) return Enumerable.Empty<(PimAssignment, bool)>();
            }
            var l = mine is null ? listing : listing with { PrincipalKey = mine };
            var own = Believed(work, List(work, q, l), q.IncludeUnverified)
                .Where(x => mine is null || x.Row.PrincipalKey == mine)
                .Where(x => scope is null || string.Equals(x.Row.Scope, scope, StringComparison.OrdinalIgnoreCase))
                .Select(x => (ToOutput(x.Row, x.Role, asOf), x.Verified));
            // A user's listing shows too what they hold through the role-assignable groups they are a direct member of (Via).
            return l.PrincipalKey is { } user && !PimGroupKey.TryParse(user, out _) && q.AssignmentId is null ? own.Concat(ThroughGroups(work, q, l, user, scope, asOf)) : own;
        });
    }

    /// <summary>
    /// The rows that count (Verified stores: those the verified log has as they are), and with <paramref name="includeUnverified"/>
    /// the others too, marked. The verified state is brought up to date before the first row is read.
    /// </summary>
    private static IEnumerable<(AssignmentRow Row, string Role, bool Verified)> Believed(UnitOfWork work, IEnumerable<(AssignmentRow Row, string Role)> rows,
        bool includeUnverified)
    {
        var verified = work.VerifiedNow();
        // Rows come role by role: a role's verified digests are read once, when its first row comes (a listing of a few rows
        // asks row by row).
        Dictionary<Guid, byte[]>? digests = null;
        Guid digestsOf = Guid.Empty;
        var seen = 0;
        foreach (var (row, role) in rows)
        {
            bool believed;
            if (verified is null) believed = true;
            else if (++seen <= 50) believed = verified.Believes(row);
            else
            {
                if (digests is null || digestsOf != row.RoleId) { digests = verified.DigestsOfRole(row.RoleId); digestsOf = row.RoleId; }
                believed = digests.TryGetValue(row.Id, out var d) && d.AsSpan().SequenceEqual(VerifiedState.DigestOf(Audit.Events.AssignmentView.Of(row).Json))
                           && verified.EligibilityHolds(row);
            }
            if (believed || includeUnverified) yield return (row, role, believed);
        }
    }

    private static IEnumerable<(AssignmentRow Row, string Role)> List(UnitOfWork work, PimAssignmentQuery q, AssignmentsTable.Listing listing)
    {
        var wanted = q.RoleIds is { Count: > 0 } ids ? ids.ToHashSet() : null;
        if (q.AssignmentId is null && listing.PrincipalKey is null)
        {
            foreach (var role in RolesTable.InNameOrder(work).Where(r => wanted is null || wanted.Contains(r.Id)))
                foreach (var row in AssignmentsTable.ListOfRole(work, role.Id, listing))
                    yield return (row, role.Name);
            yield break;
        }
        var rows = q.AssignmentId is { } id
            ? AssignmentsTable.ListOne(work, id, listing) is { } one ? [one] : []
            : AssignmentsTable.ListOfPrincipal(work, listing);
        rows = rows.Where(r => wanted is null || wanted.Contains(r.RoleId)).ToList();
        if (rows.Count == 0) yield break;
        var roles = RolesTable.InNameOrder(work, rows.Select(r => r.RoleId).Distinct()); // the roles of these rows only
        var rank = new Dictionary<Guid, (int Rank, string Name)>(roles.Count);
        for (var i = 0; i < roles.Count; i++) rank[roles[i].Id] = (i, roles[i].Name);
        foreach (var row in rows.Where(r => rank.ContainsKey(r.RoleId))
                     .OrderBy(r => rank[r.RoleId].Rank)
                     .ThenBy(r => r.PrincipalKey, StringComparer.Ordinal)
                     .ThenBy(r => r.Type.ToString(), StringComparer.Ordinal)
                     .ThenBy(r => r.Start))
            yield return (row, rank[row.RoleId].Name);
    }

    /// <summary>The assignment with this id (of a role the store still has); PimAssignmentNotFound otherwise.</summary>
    internal static AssignmentRow Find(UnitOfWork work, Guid id)
        => AssignmentsTable.Find(work, id) is { } a && RoleService.Find(work, new PimRoleReference(a.RoleId)) is not null
            ? a
            : throw PimErrors.AssignmentNotFound($"There is no assignment with id {id}.", id, "List the assignments with Get-PimAssignment.");

    internal sealed record UpdatePlan(AssignmentRow Before, AssignmentRow After, PimRole Role, PimRequestAction Action, MfaProof? Mfa);

    /// <summary>Changes an assignment's end (AdminUpdate), extends it (AdminExtend) or renews an expired one (AdminRenew).</summary>
    public PimAssignment? Update(Guid assignmentId, PimAssignmentChange change, Func<PimChange, bool>? confirm = null)
        => UpdateCore(assignmentId, change.Validate(), confirm);

    private PimAssignment? UpdateCore(Guid assignmentId, PimAssignmentChange change, Func<PimChange, bool>? confirm) => _store.Change(
        work => PlanUpdate(work, assignmentId, change), DescribeUpdate, ApplyUpdate, confirm);

    internal static PimChange DescribeUpdate(UpdatePlan p)
        => new($"{p.Before.Type} assignment of '{p.Role.Name}' to {p.Before.Principal} at {p.Before.Scope} ({p.Before.Id})",
            $"{p.Action}: end {(p.Before.End is { } b ? b.ToString("u") : "permanent")} -> {(p.After.End is { } n ? n.ToString("u") : "permanent")}");

    /// <summary>Decides an update (authorization, policy, the last administrator) in the caller's unit of work; writes nothing.</summary>
    internal static UpdatePlan PlanUpdate(UnitOfWork work, Guid assignmentId, PimAssignmentChange change)
        {
            var a = Find(work, assignmentId);
            var role = RoleService.Resolve(work, new PimRoleReference(a.RoleId));
            Authorization.RequireRoleAdministrator(work, $"change assignments of '{role.Name}'");
            if (a.MemberType == PimMemberType.Activated)
                throw PimErrors.AssignmentNotUpdatable($"Assignment {a.Id} is an activation of '{role.Name}' by {a.Principal}; activations are not changed by administrators.",
                    a.Id, "Remove it with Remove-PimAssignment, or let the principal deactivate or extend it.");
            var policy = SettingsService.Load(work, a.RoleId);
            var expired = a.End is { } end && end <= work.Now;
            if (expired && work.Now - a.End!.Value > Limits.ExpiredAssignmentVisibility)
                throw PimErrors.AssignmentNotFound($"Assignment {a.Id} expired more than 30 days ago and can no longer be renewed.", a.Id,
                    "Create a new assignment with New-PimEligibleAssignment or New-PimActiveAssignment.");
            var start = expired ? work.Now : a.Start;
            var from = start > work.Now ? start : work.Now;
            var (_, newEnd) = Schedules.ResolveAdmin(policy, a.Type, role.Name, work.Now, start,
                change.EndDateTime, change.Duration is { } d ? Times.Add(from, d, "Duration") - start : null, change.Permanent);
            if (change.EndDateTime is null && change.Duration is null && !change.Permanent)
                throw PimErrors.ScheduleRequired("Say how the assignment should change: give -EndDateTime, -Duration or -Permanent.", a.Id, "Add one of them.");
            policy.CheckAdminText(role.Name, a.Type, change.Justification ?? a.Justification, change.TicketNumber ?? a.TicketNumber);
            var action = expired ? PimRequestAction.AdminRenew
                : newEnd is null && a.End is not null || newEnd > a.End ? PimRequestAction.AdminExtend
                : PimRequestAction.AdminUpdate;
            var after = a with
            {
                Start = start, End = newEnd, Justification = change.Justification ?? a.Justification,
                TicketNumber = change.TicketNumber ?? a.TicketNumber, TicketSystem = change.TicketSystem ?? a.TicketSystem,
            };
            Guards.KeepAdministrator(work, a, newEnd, removed: false, role.Name);
            // Extending or renewing an active assignment grants the role for longer: the role's RequireMfaOnActiveAssignment
            // asks the administrator's MFA for it, as for a new one (checked last, before anything is written; a read only
            // checks that a code is given and MFA is not locked).
            var proof = a.Type == PimAssignmentType.Active && policy.RequireMfaOnActiveAssignment && action != PimRequestAction.AdminUpdate
                ? Mfa.Verify(work, work.Actor, change.MfaCode, role, "ActiveAssignment", "RequireMfaOnActiveAssignment")
                : null;
            return new UpdatePlan(a, after, role, action, proof);
        }

    /// <summary>Writes a decided update in the caller's unit of work.</summary>
    internal static PimAssignment ApplyUpdate(UnitOfWork work, UpdatePlan p)
        {
            if (p.Mfa is { } proof) Mfa.Consume(work, work.Actor, proof);
            var requestId = Guid.NewGuid();
            new RequestRow(requestId, p.Action, PimRequestStatus.Provisioned, p.After.Principal, p.After.RoleId, p.After.Scope, p.After.Type,
                p.After.End - p.After.Start, p.After.Start, p.After.End, p.After.Justification, p.After.TicketNumber, p.After.TicketSystem,
                work.Actor, work.Now, Decided: work.Now, AssignmentId: p.After.Id, TargetAssignmentId: p.After.Id).Add(work);
            AssignmentsTable.UpdateSchedule(work, p.After, requestId);
            AuditLog.Append(work, AssignmentChange.Of(p.Action, p.Before, p.After));
            Guards.EndActivationsOf(work, p.After, p.After.End, removed: false, p.Role);
            return ToOutput(p.After with { RequestId = requestId }, p.Role.Name, work.Now);
        }

    /// <summary>Removes an assignment (AdminRemove); the request and the audit log keep its history.</summary>
    public PimAssignment? Remove(Guid assignmentId, Func<PimChange, bool>? confirm = null) => _store.Change(
        work => PlanRemove(work, assignmentId), DescribeRemove, ApplyRemove, confirm);

    internal sealed record RemovePlan(AssignmentRow Row, PimRole Role);

    internal static PimChange DescribeRemove(RemovePlan p) => new($"{p.Row.Type} assignment of '{p.Role.Name}' to {p.Row.Principal} at {p.Row.Scope} ({p.Row.Id})", "Remove assignment");

    /// <summary>Decides a removal (authorization, the last administrator) in the caller's unit of work; writes nothing.</summary>
    internal static RemovePlan PlanRemove(UnitOfWork work, Guid assignmentId)
        {
            // Whatever its row now holds: an assignment the verified log has is removable (a column edited around the
            // module does not put it out of an administrator's reach).
            var a = AssignmentsTable.FindKnown(work, assignmentId) is { } known && RoleService.Find(work, new PimRoleReference(known.RoleId)) is not null
                ? known : Find(work, assignmentId);
            var role = RoleService.Resolve(work, new PimRoleReference(a.RoleId));
            Authorization.RequireRoleAdministrator(work, $"remove assignments of '{role.Name}'");
            Guards.KeepAdministrator(work, a, null, removed: true, role.Name);
            return new RemovePlan(a, role);
        }

    /// <summary>Writes a decided removal in the caller's unit of work.</summary>
    internal static PimAssignment ApplyRemove(UnitOfWork work, RemovePlan p)
        {
            var a = p.Row;
            new RequestRow(Guid.NewGuid(), PimRequestAction.AdminRemove, PimRequestStatus.Provisioned, a.Principal, a.RoleId, a.Scope, a.Type,
                null, a.Start, a.End, null, null, null, work.Actor, work.Now, Decided: work.Now, TargetAssignmentId: a.Id).Add(work);
            AssignmentsTable.Delete(work, a.Id);
            AuditLog.Append(work, new AdminRemoved(a));
            Guards.EndActivationsOf(work, a, null, removed: true, p.Role);
            return ToOutput(a, p.Role.Name, work.Now);
        }

    /// <summary>
    /// Whether a principal holds a role active at a time and scope, and through which assignment (or why not). With
    /// <paramref name="detailed"/> false the caller uses <see cref="PimAccessResult.HasAccess"/> only: whether someone holds a
    /// role is the directory's role membership, which anyone may ask; the reason, eligibility and the assignment of another
    /// principal are PIM data, for the roles that read PIM (docs/security.md, "Who may read what").
    /// </summary>
    public PimAccessResult CheckAccess(string principal, PimRoleReference role, string? scope, DateTime? asOf, bool detailed = true) => _store.Read(work =>
    {
        var p = Groups.GroupPrincipal.Canonical(work, principal, "Principal");
        var r = RoleService.Resolve(work, role);
        var s = global::PimModule.Assignments.Scope.Validate(scope);
        var at = asOf is { } t ? Times.Utc(t, "AsOf") : work.Now;
        // Whether they hold it, or anything about oneself: anyone. The details about another principal: the roles that read
        // PIM (docs/security.md); the actor's rows come with the principal's, in the one query.
        var key = Principal.Fold(p);
        var me = Principal.Fold(work.Actor);
        List<AssignmentRow> all;
        if (!detailed || key == me) all = AssignmentsTable.ForPrincipalAndRole(work, key, r.Id);
        else
        {
            (all, var actorRows) = AssignmentsTable.ForPrincipalAndRoleWithActor(work, key, r.Id, me, work.Now);
            Authorization.RequireReader(work, $"read the details of {p}'s access to '{r.Name}' (Test-PimAccess -Detailed)", actorRows);
        }
        var rows = all.Where(work.Believes).ToList();
        PimAccessResult Result(PimAccessReason reason, AssignmentRow? a, string detail, string? via = null) => new()
        {
            Principal = p, Role = r.Name, RoleId = r.Id, Scope = s, AsOf = at, HasAccess = reason == PimAccessReason.Granted,
            Reason = reason, Assignment = a is null ? null : ToOutput(a, r.Name, at, via), Detail = detail,
        };
        // A row that would grant the role but that the verified log does not hold counts for nothing, and is said so.
        if (rows.Count < all.Count && !rows.Any(a => a.GrantsAt(s, at))
            && all.Except(rows).FirstOrDefault(a => a.GrantsAt(s, at)) is { } unverified)
            return Result(PimAccessReason.Unverified, unverified,
                $"The store holds an active assignment of '{r.Name}' for {p} at {unverified.Scope} ({unverified.Id}), but the verified log does not: " +
                "it was written or changed around PimModule, and grants nothing. Test-PimAuditLog reports it.");
        var active = rows.Where(a => a.Type == PimAssignmentType.Active).ToList();
        var covering = active.Where(a => global::PimModule.Assignments.Scope.Covers(a.Scope, s)).ToList();
        var granted = covering.Where(a => a.GrantsAt(s, at))
            .OrderBy(a => a.MemberType).ThenByDescending(a => a.End ?? DateTime.MaxValue).FirstOrDefault();
        if (granted is not null)
            return Result(PimAccessReason.Granted, granted,
                $"{p} holds '{r.Name}' at {s} through {(granted.MemberType == PimMemberType.Activated ? "an activation" : "a direct active assignment")} " +
                $"at {granted.Scope} ({granted.Id}), {(granted.End is { } e ? "until " + e.ToString("u") : "permanently")}.");
        // Through a group: a direct member (since before the time asked) of a group whose active assignment grants the role then.
        if (!PimGroupKey.TryParse(key, out _) && ThroughGroup(work, key, r.Id, s, at) is var (group, held, since))
            return Result(PimAccessReason.Granted, held, $"{p} holds '{r.Name}' at {s} through the group '{group.DisplayName}' ({group.Key}): " +
                $"a member since {since:u} (until removed), and the group's active assignment at {held.Scope} ({held.Id}) lasts " +
                $"{(held.End is { } ge ? "until " + ge.ToString("u") : "permanently")}.", group.DisplayName);
        if (covering.Where(a => a.Start > at).MinBy(a => a.Start) is { } later)
            return Result(PimAccessReason.Scheduled, later, $"{p}'s active assignment of '{r.Name}' starts at {later.Start:u}.");
        if (covering.Where(a => a.End <= at).MaxBy(a => a.End) is { } ended)
            return Result(PimAccessReason.Expired, ended, $"{p}'s active assignment of '{r.Name}' ended at {ended.End:u}.");
        if (active.FirstOrDefault() is { } elsewhere)
            return Result(PimAccessReason.OtherScope, elsewhere, $"{p} holds '{r.Name}' only at {elsewhere.Scope}, which does not cover {s}.");
        if (rows.FirstOrDefault(a => EligibilityRules.Covers(a, s) && a.InForce(at)) is { } eligible)
            return Result(PimAccessReason.EligibleOnly, eligible, $"{p} is eligible for '{r.Name}' but has not activated it.");
        return Result(PimAccessReason.NoAssignment, null, $"{p} has no active assignment of '{r.Name}' at {s}.");
    }, work => AccessAhead(work, principal, role, detailed));

    /// <summary>
    /// What <see cref="CheckAccess"/> will ask the store, when it is known before anything is read (a built-in role's name in a
    /// Verified store, or a role's id; a principal given as a name): sent ahead with the check of the verified head, one
    /// round trip on PostgreSQL (<see cref="StoreSession.Read{T}(Func{UnitOfWork, T}, Func{UnitOfWork, IReadOnlyList{AheadQuery}})"/>).
    /// The check asks and judges as ever; anything it asks otherwise runs as it would have.
    /// </summary>
    private static IReadOnlyList<AheadQuery> AccessAhead(UnitOfWork work, string principal, PimRoleReference? role, bool detailed)
    {
        if (role is null || RolesTable.FindAhead(work, role) is not { } found) return [];
        string key;
        try
        {
            if (principal is null || Principal.IsObjectId(principal.Trim(' '))) return [found.Query];
            key = Principal.Fold(Principal.Validate(principal, "Principal"));
        }
        catch (PimException)
        {
            return [found.Query]; // the check refuses it as ever
        }
        var me = Principal.Fold(work.Actor);
        return [found.Query, !detailed || key == me ? AssignmentsTable.ForPrincipalAndRoleAhead(key, found.Id)
            : AssignmentsTable.ForPrincipalAndRoleWithActorAhead(key, found.Id, me, work.Now)];
    }
}
