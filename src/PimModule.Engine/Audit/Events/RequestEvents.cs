using System.Text.Json.Serialization;

namespace PimModule.Audit.Events;

/// <summary>A request's record: about the request (its id, role and principal), with its typed payloads.</summary>
internal abstract record RequestEvent(Guid Request, Guid Role, string Requester) : AuditEvent
{
    public sealed override string TargetType => "Request";
    public sealed override string? TargetId => Request.ToString("D");
    public sealed override Guid? RoleId => Role;
    public sealed override string? Principal => Requester;
}

/// <summary>
/// What an activation request asks (SelfActivate): read back by the replay, which judges it by the kernel's rules under
/// the settings then. <see cref="HasTexts"/>: the record carries the requester's texts (a record of an earlier PimModule may not).
/// </summary>
internal sealed record ActivationRequest
{
    public Guid? RequestId { get; init; }
    public string? Status { get; init; }
    public string? Scope { get; init; }
    public DateTime? StartDateTime { get; init; }
    public DateTime? EndDateTime { get; init; }
    /// <summary>The duration asked, as <c>TimeSpan.ToString("c")</c>.</summary>
    public string? Duration { get; init; }
    public string? Justification { get => _justification; init { _justification = value; HasTexts = true; } }
    public string? TicketNumber { get; init; }
    /// <summary>The writer's claim that it checked an MFA code (the log cannot prove it: docs/security.md).</summary>
    public bool? MfaVerified { get; init; }
    public string? AuthenticationContextId { get; init; }
    /// <summary>The activation it provisioned at once (none while pending).</summary>
    public Guid? AssignmentId { get; init; }

    private readonly string? _justification;

    [JsonIgnore] public bool HasTexts { get; private init; }

    [JsonIgnore] public TimeSpan? Asked => EventJson.Duration(Duration);
}

internal sealed record ActivationRequested(Guid Request, Guid Role, string Requester, ActivationRequest Asks) : RequestEvent(Request, Role, Requester)
{
    public override string Action => nameof(PimRequestAction.SelfActivate);
    public override object? After => Asks;
}

/// <summary>What an extension or renewal request asks (SelfExtend, SelfRenew): the assignment and the duration.</summary>
internal sealed record ExtensionRequest
{
    public Guid? RequestId { get; init; }
    public Guid? AssignmentId { get; init; }
    public string? Duration { get; init; }
    public string? Justification { get => _justification; init { _justification = value; HasTexts = true; } }

    private readonly string? _justification;

    [JsonIgnore] public bool HasTexts { get; private init; }

    [JsonIgnore] public TimeSpan? Asked => EventJson.Duration(Duration);
}

internal sealed record ExtensionRequested(Guid Request, Guid Role, string Requester, ExtensionRequest Asks) : RequestEvent(Request, Role, Requester)
{
    public override string Action => nameof(PimRequestAction.SelfExtend);
    public override object? After => Asks;
}

internal sealed record RenewalRequested(Guid Request, Guid Role, string Requester, ExtensionRequest Asks) : RequestEvent(Request, Role, Requester)
{
    public override string Action => nameof(PimRequestAction.SelfRenew);
    public override object? After => Asks;
}

/// <summary>A request's status (and stage) before or after a decision.</summary>
internal sealed record RequestState(string Status, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Stage = null)
{
    public static RequestState Pending(long? stage) => new(nameof(PimRequestStatus.PendingApproval), stage);
}

/// <summary>
/// A decision on a request as its record keeps it: an approval (of a stage, or the last one that provisions
/// <see cref="AssignmentId"/>), a denial; the replay reads the approver's reason and what was provisioned.
/// </summary>
internal sealed record RequestDecision(
    string? Status, long? Stage, string? Outcome,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ApprovedBy,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? DeniedBy,
    string? Justification,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Guid? AssignmentId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Approvals,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? RequiredApprovals);

/// <summary>An approval: a stage's (Outcome Recorded or StageApproved), or the last stage's quorum (Provisioned, naming the assignment).</summary>
internal sealed record RequestApproved(Guid Request, Guid Role, string Requester, long Stage, RequestDecision Decision) : RequestEvent(Request, Role, Requester)
{
    public override string Action => "ApproveRequest";
    public override object? Before => RequestState.Pending(Stage);
    public override object? After => Decision;
}

internal sealed record RequestDenied(Guid Request, Guid Role, string Requester, long Stage, string Approver, string? Justification) : RequestEvent(Request, Role, Requester)
{
    public override string Action => "DenyRequest";
    public override object? Before => RequestState.Pending(Stage);
    public override object? After => new RequestDecision(nameof(PimRequestStatus.Denied), Stage, "Denied", null, Approver, Justification, null, null, null);
}

internal sealed record RequestCanceled(Guid Request, Guid Role, string Requester) : RequestEvent(Request, Role, Requester)
{
    public override string Action => "CancelRequest";
    public override object? Before => RequestState.Pending(null);
    public override object? After => new RequestState(nameof(PimRequestStatus.Canceled));
}

/// <summary>A request that waited 24 hours in a stage without its decision (Invoke-PimMaintenance; anyone may seal it once due).</summary>
internal sealed record RequestExpired(Guid Request, Guid Role, string Requester, long Stage) : RequestEvent(Request, Role, Requester)
{
    public override string Action => "ExpireRequest";
    public override object? Before => RequestState.Pending(Stage);
    public override object? After => new RequestState(nameof(PimRequestStatus.Expired), Stage);
}
