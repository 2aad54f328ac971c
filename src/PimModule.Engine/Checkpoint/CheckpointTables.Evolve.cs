using PimModule.Kernel;

namespace PimModule.Checkpoint;

/// <summary>
/// The projection of the verified log onto the checkpoint's tables (<see cref="Evolve"/>), and what the deciders ask that
/// is kept for one transaction (an approval's provisioning) or read once (who administers).
/// </summary>
internal sealed partial class CheckpointTables
{
    private long _transaction = -1;
    private readonly Dictionary<(string, long), bool> _isAdministrator = [];
    private readonly Dictionary<long, HashSet<string>> _administrators = [];
    private readonly Dictionary<string, ApprovedActivation> _approved = new(StringComparer.OrdinalIgnoreCase);
    private HashSet<string>? _administratorIds;

    /// <summary>Records of a new transaction follow: what was kept for the last one is forgotten.</summary>
    public void Transaction(long transaction)
    {
        if (transaction == _transaction) return;
        _transaction = transaction;
        _isAdministrator.Clear();
        _administrators.Clear();
        _approved.Clear();
    }

    /// <summary>Applies what a record that counts does (<see cref="CheckpointChange"/>).</summary>
    public void Evolve(CheckpointChange change)
    {
        switch (change)
        {
            case AssignmentPut(var a):
                Put(a);
                if (_administratorIds is { } ids)
                {
                    if (Administrators.IsAdministratorAssignment(a)) ids.Add(a.Id.ToLowerInvariant());
                    else ids.Remove(a.Id.ToLowerInvariant());
                }
                break;
            case AssignmentRemoved(var id):
                RemoveAssignment(id);
                _administratorIds?.Remove(id.ToLowerInvariant());
                break;
            case EndedRemoved(var cut): RemoveEndedBefore(cut); _administratorIds = null; break;
            case AssignmentsOnlyOf(var roles): KeepOnlyAssignmentsOf(roles); _administratorIds = null; break;
            case RequestAdded(var q):
                AddRequest(q.Id, q.Action, q.Status, q.PrincipalKey, q.RoleId, q.Scope, q.TargetId, q.AssignmentId, q.CreatedTicks, q.DurationTicks,
                    q.Justification, q.TicketNumber, q.TextsSealed != 0);
                break;
            case DecisionAdded d: AddDecision(d.RequestId, d.ApproverKey, d.Stage, d.Decision, d.At); break;
            case StageAdvanced(var id, var at): NextStage(id, at); break;
            case RequestClosed c:
                Close(c.RequestId, c.Status, c.Provisioned, c.At);
                if (c is { Provisioned: { } provisioned, Provisions: { } allowed }) _approved[provisioned] = allowed;
                break;
            case PolicyPut p: PutPolicy(p.RoleId, p.Describe, p.Rules); break;
            case PoliciesCleared: RemovePolicies(); break;
            case MailPut(var view): PutMail(view); break;
            case DirectoryObjectPut o: PutDirectoryObject(o.Id, o.UserPrincipalName, o.PrincipalKey, o.DisplayName); break;
            case NoticesAdded(var notices): AddNotices(notices); break;
            case GroupPut g: PutGroup(g); break;
            case GroupDropped(var id): DropGroup(id); break;
            case GroupMemberPut m: PutGroupMember(m); break;
            case GroupMemberDropped(var group, var member): DropGroupMember(group, member); break;
            case ReviewAdded(var review, var items): AddReview(review, items); break;
            case ReviewCompleted(var id): CompleteReview(id); break;
            case ReviewItemDecided i: DecideReviewItem(i.Id, i.Decision, i.ReviewedBy); break;
            default: throw new InvalidOperationException($"The checkpoint does not know the change {change.GetType().Name}.");
        }
    }

    /// <summary>What an approval sealed earlier in this transaction lets the activation <paramref name="assignmentId"/> be; null when none provisions it.</summary>
    public ApprovedActivation? Approved(string assignmentId) => _approved.GetValueOrDefault(assignmentId);

    /// <summary>Whether <paramref name="principalKey"/> administered the store at <paramref name="t"/> (the kernel's rule over their verified assignments).</summary>
    public bool IsAdministrator(string principalKey, long t)
    {
        if (_isAdministrator.TryGetValue((principalKey, t), out var known)) return known;
        var at = new DateTime(t, DateTimeKind.Utc);
        return _isAdministrator[(principalKey, t)] = AdministratorAssignments(principalKey).Any(a => Administrators.Administers(a, at));
    }

    /// <summary>Who administered the store at <paramref name="t"/>.</summary>
    public HashSet<string> AdministratorsAt(long t)
    {
        if (_administrators.TryGetValue(t, out var known)) return known;
        var at = new DateTime(t, DateTimeKind.Utc);
        return _administrators[t] = AdministratorAssignments().Where(a => Administrators.Administers(a, at)).Select(a => a.PrincipalKey).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Whether <paramref name="id"/> is a verified administrator assignment (whatever its time); the ids are read once, then kept as changes move them.</summary>
    public bool IsAdministratorAssignment(string id)
        => (_administratorIds ??= AdministratorAssignments().Select(a => a.Id.ToLowerInvariant()).ToHashSet(StringComparer.Ordinal)).Contains(id.ToLowerInvariant());
}
