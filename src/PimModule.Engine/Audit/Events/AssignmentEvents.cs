using System.Text.Json;
using PimModule.Storage;

namespace PimModule.Audit.Events;

/// <summary>
/// An assignment as the log keeps it (every assignment record's before and after): written directly by <see cref="Of"/>
/// (the bulk path writes one per row), read back by <see cref="Read"/> — by the state replay, the seal verifier's
/// administrators and a Protect-PimStore record's endorsed assignments alike.
/// </summary>
internal sealed record AssignmentView(Guid? AssignmentId, string? Principal, Guid? RoleId, string? Scope, string? Type, string? MemberType,
    DateTime? StartDateTime, DateTime? EndDateTime, string? Justification, string? TicketNumber, string? TicketSystem, Guid? EligibleId)
{
    /// <summary>An assignment as JSON, written directly (the bulk path writes one per row).</summary>
    public static RawJson Of(AssignmentRow a)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(384);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("AssignmentId", a.Id);
            w.WriteString("Principal", a.Principal);
            w.WriteString("RoleId", a.RoleId);
            w.WriteString("Scope", a.Scope);
            w.WriteString("Type", a.Type == PimAssignmentType.Eligible ? "Eligible" : "Active");
            w.WriteString("MemberType", a.MemberType == PimMemberType.Direct ? "Direct" : "Activated");
            w.WriteString("StartDateTime", a.Start);
            if (a.End is { } end) w.WriteString("EndDateTime", end); else w.WriteNull("EndDateTime");
            Text(w, "Justification", a.Justification);
            Text(w, "TicketNumber", a.TicketNumber);
            Text(w, "TicketSystem", a.TicketSystem);
            // An activation names the eligible assignment it came from (removing that eligibility ends it): sealed, so
            // that a row pointed elsewhere around the module is not believed.
            if (a.EligibleId is { } eligible) w.WriteString("EligibleId", eligible);
            w.WriteEndObject();
        }
        return new RawJson(System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    private static void Text(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null) w.WriteNull(name); else w.WriteString(name, value);
    }

    /// <summary>
    /// The assignment a payload holds, when it is one: it names its id (<paramref name="id"/>, when given), principal,
    /// role, scope, type (Eligible or Active), member type (Direct or Activated) and start; else null.
    /// </summary>
    public static AssignmentView? Read(string? json, string? id = null)
        => EventJson.ReadPlain<AssignmentView>(json, Plain) is { AssignmentId: { } aid, Principal: not null, RoleId: not null, Scope: not null,
               Type: "Eligible" or "Active", MemberType: "Direct" or "Activated", StartDateTime: not null } view
           && (id is null || string.Equals(id, aid.ToString("D"), StringComparison.OrdinalIgnoreCase))
            ? view : null;

    private static readonly byte[][] Names = EventJson.Names(nameof(AssignmentId), nameof(Principal), nameof(RoleId), nameof(Scope), nameof(Type),
        nameof(MemberType), nameof(StartDateTime), nameof(EndDateTime), nameof(Justification), nameof(TicketNumber), nameof(TicketSystem), nameof(EligibleId));

    /// <summary>An assignment payload in the plain form (<see cref="EventJson.ReadPlain"/>): as the serializer reads it.</summary>
    private static bool Plain(ref Utf8JsonReader r, out AssignmentView? view)
    {
        view = null;
        if (r.TokenType != JsonTokenType.StartObject) return false;
        Guid? assignmentId = null, roleId = null, eligibleId = null;
        string? principal = null, scope = null, type = null, memberType = null, justification = null, ticketNumber = null, ticketSystem = null;
        DateTime? start = null, end = null;
        var seen = 0;
        while (true)
        {
            if (!EventJson.PlainProperty(ref r, Names, ref seen, out var i)) return false;
            var ok = i switch
            {
                -1 => true,
                0 => EventJson.PlainGuid(ref r, out assignmentId),
                1 => EventJson.PlainText(ref r, out principal),
                2 => EventJson.PlainGuid(ref r, out roleId),
                3 => EventJson.PlainText(ref r, out scope),
                4 => EventJson.PlainText(ref r, out type),
                5 => EventJson.PlainText(ref r, out memberType),
                6 => EventJson.PlainTime(ref r, out start),
                7 => EventJson.PlainTime(ref r, out end),
                8 => EventJson.PlainText(ref r, out justification),
                9 => EventJson.PlainText(ref r, out ticketNumber),
                10 => EventJson.PlainText(ref r, out ticketSystem),
                11 => EventJson.PlainGuid(ref r, out eligibleId),
                _ => false,
            };
            if (!ok) return false;
            if (i == -1) break;
        }
        view = new AssignmentView(assignmentId, principal, roleId, scope, type, memberType, start, end, justification, ticketNumber, ticketSystem, eligibleId);
        return true;
    }

    /// <summary>
    /// Whether an assignment record is one, as the state replay and the seal verifier both judge it: it names its
    /// assignment by its id (one spelling: the GUID's "D" form), its payload (when it has one) is that assignment, and its
    /// role column (when it has one) is the assignment's role. Null when it is; else why it counts for nothing.
    /// </summary>
    public static string? WhyNotARecord(string? targetId, string? roleColumn, string? json, out AssignmentView? view)
    {
        view = null;
        if (targetId is null || !Guid.TryParseExact(targetId, "D", out _)) return "it names no assignment";
        if (json is not null && (view = Read(json, targetId)) is null) return "its assignment does not parse";
        if (view is not null && roleColumn is not null && !string.Equals(roleColumn, view.RoleId!.Value.ToString("D"), StringComparison.OrdinalIgnoreCase))
            return "its role column is not its assignment's role";
        return null;
    }

    [System.Text.Json.Serialization.JsonIgnore] public PimAssignmentType AssignmentType => Type == "Eligible" ? PimAssignmentType.Eligible : PimAssignmentType.Active;

    [System.Text.Json.Serialization.JsonIgnore] public PimMemberType AssignmentMemberType => MemberType == "Direct" ? PimMemberType.Direct : PimMemberType.Activated;
}

/// <summary>A change of an assignment: one sealed type per action below; before and after are the assignment as it was and is (null: none).</summary>
internal abstract record AssignmentChange(AssignmentRow? Was, AssignmentRow? Is) : AuditEvent
{
    private AssignmentRow Row => Is ?? Was ?? throw new InvalidOperationException("An assignment change names its assignment.");
    public sealed override string TargetType => "Assignment";
    public sealed override string? TargetId => Row.Id.ToString("D");
    public sealed override Guid? RoleId => Row.RoleId;
    public sealed override string? Principal => Row.Principal;
    public sealed override object? Before => Was is null ? null : AssignmentView.Of(Was);
    public sealed override object? After => Is is null ? null : AssignmentView.Of(Is);

    /// <summary>The change an administrator's (or a guard's) request action makes.</summary>
    public static AssignmentChange Of(PimRequestAction action, AssignmentRow? was, AssignmentRow? @is) => action switch
    {
        PimRequestAction.AdminAssign => new AdminAssigned(@is!),
        PimRequestAction.AdminUpdate => new AdminUpdated(was!, @is!),
        PimRequestAction.AdminRemove => new AdminRemoved(was!, @is),
        PimRequestAction.AdminExtend => new AdminExtended(was!, @is!),
        PimRequestAction.AdminRenew => new AdminRenewed(was!, @is!),
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, "Not an administrator's assignment change."),
    };
}

/// <summary>An administrator makes an assignment (New-PimEligibleAssignment, New-PimActiveAssignment, imports; the store's creator).</summary>
internal sealed record AdminAssigned(AssignmentRow Assignment) : AssignmentChange(null, Assignment)
{ public override string Action => nameof(PimRequestAction.AdminAssign); }

/// <summary>An administrator changes an assignment's schedule (Set-PimAssignment; an activation cut short by its eligibility's new end).</summary>
internal sealed record AdminUpdated(AssignmentRow Was, AssignmentRow Is) : AssignmentChange(Was, Is)
{ public override string Action => nameof(PimRequestAction.AdminUpdate); }

/// <summary>
/// An administrator removes an assignment (Remove-PimAssignment, an access review's deny; an activation whose eligibility
/// was removed: ended now, kept as <paramref name="Ended"/>, or deleted when it had not started).
/// </summary>
internal sealed record AdminRemoved(AssignmentRow Was, AssignmentRow? Ended = null) : AssignmentChange(Was, Ended)
{ public override string Action => nameof(PimRequestAction.AdminRemove); }

/// <summary>An approved extension request lengthens an assignment.</summary>
internal sealed record AdminExtended(AssignmentRow Was, AssignmentRow Is) : AssignmentChange(Was, Is)
{ public override string Action => nameof(PimRequestAction.AdminExtend); }

/// <summary>An approved renewal request makes an expired assignment current again.</summary>
internal sealed record AdminRenewed(AssignmentRow Was, AssignmentRow Is) : AssignmentChange(Was, Is)
{ public override string Action => nameof(PimRequestAction.AdminRenew); }

/// <summary>An activation: by its principal when no approval is needed, or provisioned by the approval that completes its request.</summary>
internal sealed record SelfActivated(AssignmentRow Activation) : AssignmentChange(null, Activation)
{ public override string Action => nameof(PimRequestAction.SelfActivate); }

/// <summary>Its principal ends an activation (<paramref name="Ended"/>), or deletes it when it had not started (null).</summary>
internal sealed record SelfDeactivated(AssignmentRow Was, AssignmentRow? Ended) : AssignmentChange(Was, Ended)
{ public override string Action => nameof(PimRequestAction.SelfDeactivate); }
